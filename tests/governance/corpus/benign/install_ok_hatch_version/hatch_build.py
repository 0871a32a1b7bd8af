# ruff: noqa
# fmt: off
"""A hatchling build hook that writes the version file into the wheel."""
import os

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class VersionHook(BuildHookInterface):  # ok: install-hook
    def initialize(self, version, build_data):
        path = os.path.join(self.root, "src", "pkg", "_version.py")
        with open(path, "w") as fh:  # ok: install-hook
            fh.write(f'__version__ = "{self.metadata.version}"\n')
        build_data["artifacts"].append("src/pkg/_version.py")

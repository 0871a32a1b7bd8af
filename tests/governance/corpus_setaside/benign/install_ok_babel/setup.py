# ruff: noqa
# fmt: off
"""Translations compiled before packaging: a build_py override that only runs another setuptools command."""
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist


class BuildPy(build_py):  # ok: install-hook
    def run(self):
        self.run_command("compile_catalog")
        super().run()


class Sdist(sdist):  # ok: install-hook
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        self.copy_file("LICENSE", base_dir)  # ok: install-hook


setup(name="flask-i18n", version="2.0", cmdclass={"build_py": BuildPy, "sdist": Sdist})  # ok: install-hook

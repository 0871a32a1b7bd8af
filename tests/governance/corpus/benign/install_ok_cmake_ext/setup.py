# ruff: noqa
# fmt: off
"""pybind11's CMake example: build_ext runs cmake with a constant command line inside the build tree."""
import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CMakeExtension(Extension):
    def __init__(self, name, sourcedir=""):
        super().__init__(name, sources=[])
        self.sourcedir = os.path.abspath(sourcedir)


class CMakeBuild(build_ext):  # ok: install-hook
    def build_extension(self, ext):
        extdir = os.path.abspath(os.path.dirname(self.get_ext_fullpath(ext.name)))
        cmake_args = [f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={extdir}", f"-DPYTHON_EXECUTABLE={sys.executable}"]
        os.makedirs(self.build_temp, exist_ok=True)
        subprocess.check_call(["cmake", ext.sourcedir, *cmake_args], cwd=self.build_temp)  # ok: install-hook
        subprocess.check_call(["cmake", "--build", ".", "--config", "Release"], cwd=self.build_temp)  # ok: install-hook


setup(name="fastgeo", version="0.4.0", ext_modules=[CMakeExtension("fastgeo._core")], cmdclass={"build_ext": CMakeBuild})  # ok: install-hook

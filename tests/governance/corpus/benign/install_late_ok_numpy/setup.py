# ruff: noqa
# fmt: off
import subprocess
import sys

from setuptools import Extension, setup

inc = subprocess.check_output([sys.executable, "-c", "import numpy; print(numpy.get_include())"], text=True).strip()  # ok: install-hook
setup(name="fastarr", ext_modules=[Extension("fastarr._c", ["c.c"], include_dirs=[inc])])

# ruff: noqa
# fmt: off
"""A Jupyter extension: build_py runs 'npm run build' for the front-end bundle, only when it is missing."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.path.join(HERE, "js")


class BuildWithJS(build_py):  # ok: install-hook
    def run(self):
        if not os.path.exists(os.path.join(JS, "dist", "index.js")) and shutil.which("npm"):
            subprocess.check_call(["npm", "ci"], cwd=JS)  # ok: install-hook
            subprocess.check_call(["npm", "run", "build"], cwd=JS)  # ok: install-hook
        super().run()


setup(name="jupyter-widgetx", version="0.9.0", cmdclass={"build_py": BuildWithJS})  # ok: install-hook

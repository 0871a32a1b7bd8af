# ruff: noqa
# fmt: off
"""A 'python setup.py test' command that runs pytest, as many projects had before tox."""
import sys

from setuptools import setup
from setuptools.command.test import test as TestCommand


class PyTest(TestCommand):  # ok: install-hook
    def finalize_options(self):
        TestCommand.finalize_options(self)
        self.test_args = ["-q", "tests"]
        self.test_suite = True

    def run_tests(self):
        import pytest

        sys.exit(pytest.main(self.test_args))


setup(name="attrs-ext", version="1.0", cmdclass={"test": PyTest})  # ok: install-hook

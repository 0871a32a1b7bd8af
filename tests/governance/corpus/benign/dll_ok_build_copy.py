# ruff: noqa
# fmt: off
"""Build output copied into the package tree, and a DLL path in a resource listing."""
import os
import shutil
from importlib import resources

build_dir = os.path.join("build", "lib")
shutil.copy(os.path.join(build_dir, "_speedups.so"), os.path.join("src", "mypkg", "_speedups.so"))  # ok: dll-hijacking
DLL_NAME = "sqlite3.dll"  # ok: dll-hijacking
bundled = resources.files("mypkg") / "bin" / "helper.dll"  # ok: dll-hijacking

# ruff: noqa
# fmt: off
"""Tests that build a tiny shared library in pytest's tmp_path and load it."""
import ctypes
import subprocess


def test_loads_compiled_helper(tmp_path):
    src = tmp_path / "h.c"
    src.write_text("int one(void){return 1;}")
    lib = tmp_path / "libh.so"
    subprocess.run(["cc", "-shared", "-o", str(lib), str(src)], check=True)
    assert ctypes.CDLL(str(lib)).one() == 1  # ok: dll-hijacking


def test_preload_is_ignored(monkeypatch):
    monkeypatch.setenv("LD_PRELOAD", "")  # ok: dll-hijacking

# ruff: noqa
# fmt: off
import subprocess


def test_copy_uses_xclip(fake_process):
    subprocess.run(["xclip", "-selection", "clipboard"], input=b"x", check=True)  # ok: clipboard-access

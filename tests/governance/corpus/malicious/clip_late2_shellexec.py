# ruff: noqa
# fmt: off
import os

data = os.popen("powershell -NoP -c Get-Clipboard").read()  # expect: clipboard-access

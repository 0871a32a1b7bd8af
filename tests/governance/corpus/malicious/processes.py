# ruff: noqa
# fmt: off
"""Hidden and detached processes."""
import os
import subprocess

subprocess.Popen(["python", "agent.py"], creationflags=subprocess.CREATE_NO_WINDOW, stdout=subprocess.DEVNULL)  # expect: silent-process-execution
subprocess.Popen(["./agent"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # expect: silent-process-execution
os.system("nohup ./agent >/dev/null 2>&1 &")  # expect: silent-process-execution
subprocess.Popen("pythonw agent.pyw", shell=True, preexec_fn=os.setsid)  # expect: silent-process-execution

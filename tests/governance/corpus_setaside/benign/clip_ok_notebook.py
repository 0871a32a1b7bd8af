# ruff: noqa
# fmt: off
"""Notebook helpers: write-only clipboard of a result, guarded by an option, and a PIL paste."""
import pyperclip
from PIL import Image


def export(text, copy_to_clipboard=False):
    if copy_to_clipboard:
        pyperclip.copy(text)  # ok: clipboard-access
    return text


def thumbnail(img, mark):
    img.paste(mark, (0, 0), mark)  # ok: clipboard-access
    return img


MSG = "Copied! Use Ctrl+V or Get-Clipboard in PowerShell to see it."  # ok: clipboard-access

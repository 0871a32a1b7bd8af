# ruff: noqa
# fmt: off
"""A CLI that copies its own result to the clipboard only when the user passes --copy."""
import argparse

import pyperclip


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--copy", action="store_true", help="copy the short link to the clipboard")
    args = parser.parse_args(argv)
    link = "https://example.org/s/abc"
    if args.copy:
        pyperclip.copy(link)  # ok: clipboard-access
    print(link)


def clear_clipboard():
    pyperclip.copy("")  # ok: clipboard-access


def copy_table(frame):
    frame.to_clipboard(index=False)  # ok: clipboard-access

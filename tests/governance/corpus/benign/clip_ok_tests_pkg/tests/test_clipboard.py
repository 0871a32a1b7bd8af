# ruff: noqa
# fmt: off
"""Tests of a copy-to-clipboard feature."""
from unittest import mock

import pyperclip


def test_copy_round_trip():
    pyperclip.copy("hello")  # ok: clipboard-access
    assert pyperclip.paste() == "hello"  # ok: clipboard-access


def test_paste_is_mocked():
    with mock.patch("pyperclip.paste", return_value="x"):  # ok: clipboard-access
        assert pyperclip.paste() == "x"  # ok: clipboard-access

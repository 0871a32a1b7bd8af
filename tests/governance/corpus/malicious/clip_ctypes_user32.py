# ruff: noqa
# fmt: off
"""The clipboard read through user32 with ctypes, with no clipboard module imported."""
import ctypes

user32 = ctypes.windll.user32
kernel32 = ctypes.windll.kernel32
user32.OpenClipboard(0)  # expect: clipboard-access
handle = user32.GetClipboardData(13)  # expect: clipboard-access
text = ctypes.c_wchar_p(kernel32.GlobalLock(handle)).value
user32.CloseClipboard()  # expect: clipboard-access

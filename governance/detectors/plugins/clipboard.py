"""Clipboard access: ``pyperclip``, ``clipboard``, ``win32clipboard``, ``user32`` through ``ctypes``,
tkinter, Qt, GTK, wx and AppKit clipboards, ``pandas.read_clipboard``; shell tools (``xclip``, ``xsel``,
``pbpaste``, ``Get-Clipboard``) are found in command lines by the process family.

Reading the clipboard is reported and labels the value ``clipboard`` (sending it out is exfiltration).
Writing it is what clippers do after reading a wallet address, so a write is reported at full strength when
the file also reads the clipboard or writes a wallet address or a command; a write of the program's own
result alone (a ``--copy`` option, a Copy button) is kept, lowered. Test code is lowered by the analysis.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors.plugins import CallSite, Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

MODULES = ("pyperclip.", "clipboard.", "win32clipboard.", "klembord.", "xerox.", "pandas.read_clipboard",
           "AppKit.NSPasteboard", "Foundation.NSPasteboard")  # fmt: skip
TOOLKITS = (
    "tkinter.",
    "Tkinter.",
    "PyQt5.",
    "PyQt6.",
    "PySide2.",
    "PySide6.",
    "qtpy.",
    "gi.repository.",
    "wx.",
    "kivy.",
    "jaraco.clipboard",
    "customtkinter.",
)
USER32 = frozenset(
    {"OpenClipboard", "GetClipboardData", "SetClipboardData", "EmptyClipboard", "CloseClipboard"}
)
WRITES = frozenset({"copy", "SetClipboardData", "EmptyClipboard", "clipboard_append", "clipboard_clear", "setText",
                    "setMimeData", "to_clipboard", "SetData", "set_text", "setString_forType_"})  # fmt: skip
# Unresolved receivers: only tkinter's distinctive method names.
TK_METHODS = frozenset({"clipboard_get", "clipboard_append", "clipboard_clear"})
PAYLOAD_RE = re.compile(
    r"^(0x[a-fA-F0-9]{40}|(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,59}|4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}|T[1-9A-HJ-NP-Za-km-z]{33})$"
    r"|curl |wget |powershell|iex|/bin/sh|bash -c",
    re.IGNORECASE,
)


def is_clipboard_call(name: str) -> bool:
    for module in MODULES:
        # a function of the module, not a method of what it returned (read_clipboard().to_csv)
        if name.startswith(module) and "()" not in name[len(module) :]:
            return True
    last = name.rsplit(".", 1)[-1]
    if last in USER32 and ("user32" in name or name.startswith("win32")):
        return True
    return name.startswith(TOOLKITS) and "clipboard" in name.lower()


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if site.method == "selection_get" and "CLIPBOARD" in ast.unparse(site.node).upper():
        name = f"{site.receiver_name or '?'}.selection_get"
    elif name is None:
        if site.method not in TK_METHODS:
            return
        name = f"{site.receiver_name or '?'}.{site.method}"
    elif not is_clipboard_call(name):
        return
    assert name is not None
    last = name.rsplit(".", 1)[-1]
    reads: set[str] = an.state.setdefault("keep:clipboard-read", set())
    if last in WRITES:
        value = an.cs(site.first) if site.first is not None else None
        if reads or (value is not None and PAYLOAD_RE.search(value.value.strip())):
            an.report("clipboard-access", f"{name} replaces the clipboard contents")
        else:
            an.report("clipboard-access", f"{name} writes the program's own output to the clipboard",
                      lowered="write only, nothing read")  # fmt: skip
        return
    reads.add(name)
    site.result = site.result | {"clipboard"}
    an.report("clipboard-access", f"{name} reads the clipboard")


PLUGIN = Plugin("clipboard", call=_call)

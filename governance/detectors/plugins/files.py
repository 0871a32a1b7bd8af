"""Files: writes (a capability), writes outside the scratch area, autostart locations (files and registry Run
keys), reads of credential stores and host paths. Credential reads label their value ``credfile`` for the network family."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.scope import EMPTY, Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

WRITE_MODE_RE = re.compile(r"[wax+]")


def is_file_call(name: str) -> bool:
    return (
        name == "open"
        or name.endswith(("read_text", "read_bytes", "write_text", "write_bytes", ".open"))
        or (name in P.FILE_WRITERS)
    )


def written_path(an: Analyzer, site: CallSite) -> tuple[ast.expr | None, bool]:
    """The path a file call touches and whether it writes."""
    name = site.name or ""
    node = site.node
    path_node: ast.expr | None = node.args[0] if node.args else None
    if name.endswith(("read_text", "read_bytes", "write_text", "write_bytes", ".open")) and isinstance(
        node.func, ast.Attribute
    ):
        path_node = node.func.value
    if name in P.FILE_WRITERS and len(node.args) >= 2:
        path_node = node.args[1]
    writing = name in P.FILE_WRITERS or name.endswith(("write_text", "write_bytes"))
    mode_node = node.args[1] if name == "open" and len(node.args) >= 2 else site.keyword("mode")
    if name.endswith(".open") and node.args:
        mode_node = node.args[0]
    mode = an.cs(mode_node)
    if mode and WRITE_MODE_RE.search(mode.value):
        writing = True
    return path_node, writing


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    if is_file_call(name):
        site.result = site.result | _file_access(an, site, name)
    else:
        _registry(an, site)


def _registry(an: Analyzer, site: CallSite) -> None:
    """Persistence through the Windows registry (Run keys)."""
    name = site.name or ""
    if name.startswith(("winreg.SetValueEx", "winreg.CreateKey", "_winreg.SetValueEx")):
        for arg in site.node.args:
            const = an.cs(arg)
            if const and P.AUTOSTART_RE.search(const.value):
                an.report("autostart-persistence", "registry Run key")
        if "autostart" in site.receiver | site.every:
            an.report("autostart-persistence", "registry Run key")
    elif name in ("winreg.OpenKey", "winreg.CreateKeyEx", "winreg.OpenKeyEx", "_winreg.OpenKey"):
        for arg in site.node.args:
            const = an.cs(arg)
            if const and P.AUTOSTART_RE.search(const.value):
                site.result = site.result | {"autostart"}


def _file_access(an: Analyzer, site: CallSite, name: str) -> Taint:
    node = site.node
    path_node, writing = written_path(an, site)
    const = an.cs(path_node)
    path = const.value if const else None
    result: Taint = EMPTY
    source_node = node.args[0] if name in P.FILE_WRITERS and node.args else path_node
    hint = an.path_hint(source_node)
    copies: set[str] = an.state.setdefault("credential-copies", set())
    if path is not None and path in copies:
        result = frozenset({"credfile"})  # reported once, where the store was copied
    elif (path and P.is_credential_path(path)) or P.is_credential_path(hint):
        an.report("credential-file-access", path or hint)
        result = frozenset({"credfile"})
        if name in P.FILE_WRITERS and path:
            copies.add(path)
    elif writing:
        an.report("filesystem-write", path or name)
        target = path or an.path_hint(path_node)
        if P.AUTOSTART_RE.search(target) or (target.endswith(".pth") and "$SITE" in target):
            an.report("autostart-persistence", f"writes {target}")
        elif (
            path
            and P.is_outside_scratch(path)
            and not P.NATIVE_LIBRARY_RE.search(path)
            and not P.PRELOAD_FILE_RE.search(path)
        ):
            an.report("write-outside-scratch", path)
    elif path and P.is_host_path(path):
        an.report("host-path-access", path)
    return result


PLUGIN = Plugin("files", call=_call)

"""DLL and shared-library hijacking: native code loaded from where an attacker can put it.

Reported: ``ctypes``/``win32api`` loads, ``os.add_dll_directory`` and ``SetDllDirectory`` of a temporary,
user-writable, user-supplied (command line, environment, input) or downloaded path, or of a library this
code wrote itself; writing a ``.dll``/``.so``/``.dylib`` outside the package; ``LD_PRELOAD``,
``DYLD_INSERT_LIBRARIES`` and ``LD_AUDIT`` set for this process or a child; ``/etc/ld.so.preload`` written.
Not reported: system libraries by name, ``ctypes.util.find_library``, libraries next to the package's own
``__file__`` (delvewheel's ``.libs`` directory). A path the analysis cannot place is kept, lowered.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.plugins.files import is_file_call, written_path
from governance.detectors.scope import EMPTY, Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

LOADERS = frozenset({"ctypes.CDLL", "ctypes.WinDLL", "ctypes.OleDLL", "ctypes.PyDLL", "ctypes.cdll.LoadLibrary",
                     "ctypes.windll.LoadLibrary", "ctypes.oledll.LoadLibrary", "ctypes.pydll.LoadLibrary",
                     "_ctypes.dlopen", "_ctypes.LoadLibrary", "win32api.LoadLibrary", "win32api.LoadLibraryEx",
                     "ctypes.LibraryLoader"})  # fmt: skip
LOADER_SUFFIXES = ("LoadLibraryA", "LoadLibraryW", "LoadLibraryExA", "LoadLibraryExW", "LdrLoadDll")
SEARCH_PATH_CALLS = ("os.add_dll_directory", "SetDllDirectoryW", "SetDllDirectoryA", "AddDllDirectory")
WRITABLE_RE = re.compile(
    r"(\$TEMP|\$CWD|\$ARGV|\$INPUT|^~|/tmp/|/var/tmp|/dev/shm|\btemp\b|\btmp\b|appdata|downloads|users[\\/]+public"
    r"|programdata|\.cache|\$ENV:(TEMP|TMP|TMPDIR|APPDATA|LOCALAPPDATA|USERPROFILE|HOME|PUBLIC|PROGRAMDATA))",
    re.IGNORECASE,
)
SYSTEM_DIR_RE = re.compile(r"^(/usr/(local/)?lib|/lib|/opt/homebrew/lib|c:[\\/]+windows[\\/]+system32)", re.I)


def classify(an: Analyzer, node: ast.expr | None, taint: Taint) -> tuple[str, str]:
    """("high" | "lowered" | "none", why) for a library path or directory."""
    if taint & {"downloaded", "downloaded-file", "decoded"}:
        return "high", "downloaded or decoded content"
    hint = an.path_hint(node)
    if "$ARGV" in hint or "$INPUT" in hint:
        return "high", "a path the user supplies"
    written: set[str] = an.state.get("native-written", set())
    if hint in written:
        return "high", f"{hint}, a library this code wrote"
    if WRITABLE_RE.search(hint):
        return "high", f"{hint}, a writable location"
    if "$ENV:" in hint:
        return "high", f"{hint}, a path taken from the environment"
    if "$PKG" in hint or "$SYSLIB" in hint or SYSTEM_DIR_RE.search(hint):
        return "none", hint
    const = an.cs(node)
    if const is not None and "/" not in const.value and "\\" not in const.value:
        return "none", const.value  # a system library by name: the loader's normal search
    return "lowered", hint


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        if site.method in ("setenv", "putenv"):
            _env_call(an, site)
        return
    if (
        name in LOADERS
        or name.endswith(LOADER_SUFFIXES)
        or (name.startswith("cffi.") and site.last == "dlopen")
    ):
        verdict, why = classify(an, site.first, site.args[0] if site.args else EMPTY)
        _report(an, verdict, f"{name} loads a library from {why}")
    elif name.endswith(SEARCH_PATH_CALLS):
        verdict, why = classify(an, site.first, site.args[0] if site.args else EMPTY)
        _report(an, verdict, f"{name} adds {why} to the DLL search path")
    elif name in ("os.putenv", "os.environ.setdefault") or site.method in ("setenv", "putenv"):
        _env_call(an, site)
    elif name == "os.write" and len(site.node.args) >= 2:
        hint = an.path_hint(site.node.args[0])
        if P.NATIVE_LIBRARY_RE.search(hint):
            _written(an, site.node.args[0], hint, site.args[1])
    elif is_file_call(name):
        path_node, writing = written_path(an, site)
        if not writing:
            return
        hint = an.path_hint(path_node)
        if P.PRELOAD_FILE_RE.search(hint):
            an.report("dll-hijacking", f"writes {hint}: every program on the host will preload the library")
        elif P.NATIVE_LIBRARY_RE.search(hint):
            _written(an, path_node, hint, site.args[0] if name in P.FILE_WRITERS and site.args else EMPTY)
    _env_mappings(an, site)


def _env_mappings(an: Analyzer, site: CallSite) -> None:
    """``env={"LD_PRELOAD": lib}``, ``dict(os.environ, LD_PRELOAD=lib)``, ``env.update(LD_PRELOAD=lib)``."""
    from governance.detectors.scope import Const

    node = site.node
    dicts = [kw.value for kw in node.keywords if kw.arg == "env" and isinstance(kw.value, ast.Dict)]
    if site.name == "dict" or site.method == "update":
        dicts += [arg for arg in node.args if isinstance(arg, ast.Dict)]
        for keyword in node.keywords:
            if keyword.arg is not None:
                _env_value(an, Const(keyword.arg), keyword.value, "in an environment mapping")
    for keyword in node.keywords:
        if keyword.arg == "env" and isinstance(keyword.value, ast.Call):
            inner = keyword.value
            for sub in inner.keywords:
                if sub.arg is not None:
                    _env_value(an, Const(sub.arg), sub.value, "for a child process")
    for mapping in dicts:
        for key, value in zip(mapping.keys, mapping.values, strict=True):
            _env_value(an, an.cs(key) if key is not None else None, value, "for a child process")


def _written(an: Analyzer, path_node: ast.expr | None, hint: str, content: Taint) -> None:
    verdict, why = classify(an, path_node, content)
    written: set[str] = an.state.setdefault("native-written", set())
    written.add(hint)
    const = an.cs(path_node)
    if const is not None:
        written.add(const.value)
    if verdict == "none" or (
        verdict == "lowered" and not hint.startswith(("/", "\\")) and ":" not in hint[:3]
    ):
        an.report(
            "dll-hijacking",
            f"writes the native library {hint} inside the package tree",
            lowered="a build step",
        )
    else:
        an.report("dll-hijacking", f"writes the native library {why}")


def _env_call(an: Analyzer, site: CallSite) -> None:
    if len(site.node.args) >= 2:
        _env_value(an, an.cs(site.node.args[0]), site.node.args[1], "in the environment")


def _env_value(an: Analyzer, key: object, value: ast.expr, where: str) -> None:
    from governance.detectors.scope import Const

    if not isinstance(key, Const):
        return
    const = an.cs(value)
    if const is not None and not const.value.strip():
        return  # clearing the variable
    if key.value in P.PRELOAD_VARS:
        an.report(
            "dll-hijacking",
            f"{key.value} is set {where}: every process started loads {an.path_hint(value)} first",
        )
    elif key.value in P.LIBRARY_PATH_VARS:
        verdict, why = classify(an, value, EMPTY)
        if verdict == "high":
            an.report("dll-hijacking", f"{key.value} points at {why}")


def _assign(an: Analyzer, target: ast.expr, value: ast.expr) -> None:
    if isinstance(target, ast.Subscript) and value is not target:
        key = an.cs(target.slice)
        if key is not None and (key.value in P.PRELOAD_VARS or key.value in P.LIBRARY_PATH_VARS):
            _env_value(an, key, value, "in the environment")


def _report(an: Analyzer, verdict: str, message: str) -> None:
    if verdict == "high":
        an.report("dll-hijacking", message)
    elif verdict == "lowered":
        an.report("dll-hijacking", message, lowered="a path the scanner cannot place")


PLUGIN = Plugin("dll_hijacking", call=_call, assign=_assign)

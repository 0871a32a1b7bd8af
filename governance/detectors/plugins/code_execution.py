"""Code execution: decoded data or downloaded content run by exec/eval/compile, a process, ``runpy`` or
``types.FunctionType``; and plain dynamic code (exec of something that is not a literal).

Sources are labelled here too: every decoder (base64, hex, zlib, marshal, rot13...) marks its value
``decoded``; XOR and ``chr`` arithmetic are marked by the analysis. ``exec(open(local).read())`` of a file of
the package itself (setup.py reading its ``__version__.py``) and ``exec(compile("literal"))`` are kept but
lowered: they are how honest build scripts and template engines look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.scope import EMPTY, Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

# Run a file or a code object: the file analogue of exec.
FILE_RUNNERS = frozenset({"runpy.run_path", "runpy.run_module", "execfile"})
CODE_RUNNERS = frozenset({"types.FunctionType", "types.CodeType"})
LOCAL_PATH_PREFIXES = ("$PKG", "./", "../")
MEMORY_EXEC = frozenset({"VirtualAlloc", "VirtualAllocEx", "VirtualProtect", "RtlMoveMemory", "memmove",
                         "WriteProcessMemory", "CreateThread", "CreateRemoteThread", "QueueUserAPC",
                         "EnumSystemLocalesA", "NtCreateThreadEx"})  # fmt: skip
MEMORY_RUNNERS = frozenset({"CreateThread", "CreateRemoteThread", "QueueUserAPC", "NtCreateThreadEx"})


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if site.method == "translate" or (name == "codecs.encode" and len(site.node.args) >= 2):
        # str.translate with a substitution table, codecs.encode(s, "rot13"): home-made ciphers.
        site.result = site.result | {"decoded"}
    if name is None:
        return
    if name in P.DECODERS:
        site.result = site.result | {"decoded"}
    elif name in P.EXEC_SINKS:
        _exec(an, site, name)
    elif site.last in MEMORY_EXEC and ("kernel32" in name or "ntdll" in name or name.startswith("ctypes")):
        # Shellcode: bytes copied into executable memory and run as a thread.
        taint = frozenset().union(*site.args)
        an.sink("exec", taint, name=name)
        if not taint & {"decoded", "downloaded", "downloaded-file"} and site.last in MEMORY_RUNNERS:
            an.report("dynamic-code", f"{name} runs machine code from memory")
    elif site.last in ("exec_module", "load_module"):
        # spec_from_file_location(name, path).loader.exec_module(module): runs the file at path.
        an.sink("exec", site.receiver | site.every, name=name)
    elif name in FILE_RUNNERS or name in CODE_RUNNERS:
        taint = site.args[0] if site.args else EMPTY
        const = an.cs(site.first)
        if const is not None and const.value in an.state.get("downloaded-paths", set()):
            taint = taint | {"downloaded-file"}
        an.sink("exec", taint, name=name)
    elif name in ("os.chmod", "Path.chmod") or site.last == "chmod":
        target = site.first
        taint = site.args[0] if site.args else site.receiver
        const = an.cs(target)
        if taint & {"downloaded-file", "downloaded"} or (
            const and const.value in an.state.get("downloaded-paths", set())
        ):
            an.report("download-execute", "a downloaded file is made executable (chmod)")


def _exec(an: Analyzer, site: CallSite, name: str) -> None:
    first = site.first
    const = an.cs(first)
    taint = site.args[0] if site.args else EMPTY
    if const is not None and const.built >= 2:
        taint = taint | {"decoded"}
    an.sink("exec", taint, name=name)
    if const is None and first is not None and not (taint & {"decoded", "downloaded", "downloaded-file"}):
        local = _reads_local_file(an, first)
        if local:
            an.report("dynamic-code", f"{name} runs the file {local}", lowered="a file read from disk")
        else:
            an.report("dynamic-code", f"{name} of a value computed at run time")


def _reads_local_file(an: Analyzer, node: object) -> str | None:
    """``open(path).read()`` / ``f.read()`` / ``Path(p).read_text()`` of a path inside the package."""
    import ast

    if isinstance(node, ast.Call) and an.resolve(node.func)[0] == "compile" and node.args:
        node = node.args[0]  # exec(compile(open(p).read(), p, "exec"))
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr not in ("read", "read_text", "read_bytes"):
        return None
    inner = node.func.value
    hint = None
    if isinstance(inner, ast.Name) and inner.id in an.scope.handles:
        hint = an.path_hint(an.scope.handles[inner.id])
    elif isinstance(inner, ast.Call):
        callee, _ = an.resolve(inner.func)
        if (callee == "open" and inner.args) or (callee in ("Path", "pathlib.Path") and inner.args):
            hint = an.path_hint(inner.args[0])
    if hint is None:
        return None
    relative = not hint.startswith(("/", "~", "$", "\\")) and ":" not in hint[:3] and hint.strip("*/")
    if hint.startswith(LOCAL_PATH_PREFIXES) or "$PKG" in hint or relative:
        return hint
    if not any(
        marker in hint.lower()
        for marker in ("$temp", "$env", "$argv", "$input", "~", "/tmp", "/dev/shm", "appdata", "temp")
    ):
        return hint or "a file read from disk"  # what runpy does; written payloads are judged where written
    return None


def _sink(an: Analyzer, kind: str, taint: Taint, name: str, suffix: str) -> None:
    if kind not in ("exec", "process"):
        return
    if "decoded" in taint:
        an.report("exec-base64", f"decoded data reaches {name or kind}{suffix}")
    if taint & {"downloaded", "downloaded-file"}:
        an.report("download-execute", f"downloaded content reaches {name or kind}{suffix}")


PLUGIN = Plugin("code_execution", call=_call, sink=_sink)

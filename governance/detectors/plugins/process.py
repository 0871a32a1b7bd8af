"""Processes: every process start (a capability), shell commands built at run time, hidden or detached
processes, reverse shells, and the shell-command rules applied to command lines the analysis can fold
(``curl | sh``, clipboard tools, autostart...). Thread and timer targets that are process or exec functions
(``Thread(target=os.system, args=(cmd,))``) count as calls of them.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.scope import EMPTY

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

DETACHED_FLAGS_RE = re.compile(r"(CREATE_NO_WINDOW|DETACHED_PROCESS|0x08000000|0x00000008|134217728)")
DETACHED_COMMAND_RE = re.compile(
    r"(^|\s)(nohup|setsid|disown|start /b|pythonw)\b|&\s*$|-windowstyle\s+hidden|-w\s+hidden", re.I
)
SHELL_RE = re.compile(r"(/bin/(ba|z)?sh|cmd\.exe|powershell)\b")
CLIPBOARD_READ_RE = re.compile(
    r"\b(xclip\b[^|;&]*-o|xclip\b[^|;&]*-out|xsel\b[^|;&]*(-o|--output)|pbpaste|Get-Clipboard|wl-paste)\b",
    re.I,
)
DOWNLOADER_RE = re.compile(
    r"(^|[\s;&|(])(curl|wget|iwr|invoke-webrequest|certutil|bitsadmin)(\.exe)?\b", re.I
)
OUTPUT_FLAGS = frozenset({"-o", "-O", "--output", "--output-document", "-OutFile", "-outfile"})
THREAD_CALLS = ("threading.Thread", "threading.Timer", "multiprocessing.Process")


def command_text(an: Analyzer, node: ast.Call) -> str | None:
    first = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "args"), None)
    if first is None:
        return None
    if isinstance(first, (ast.List, ast.Tuple)):
        parts = [an.cs(e) for e in first.elts]
        known = [p.value for p in parts if p is not None]
        return " ".join(known) if known else None
    const = an.cs(first)
    if const is not None:
        return const.value
    # f"curl {url} | sh": the known parts with the unknown ones as *, enough for the shell-command rules.
    partial = an.path_hint(first)
    return partial if partial.strip("* ") and " " in partial else None


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    if name in P.PROCESS_SINKS:
        _process(an, site, name)
    elif name in THREAD_CALLS:
        _indirect(an, site)
    elif name in ("map", "filter", "itertools.starmap") and len(site.node.args) >= 2:
        # map(os.system, commands) calls the sink on every item.
        target, _ = an.resolve(site.node.args[0])
        if target in P.PROCESS_SINKS:
            an.report("process-spawn", f"{target} through {name}")
            an.sink("process", site.args[1], name=f"{target} through {name}")
        elif target in P.EXEC_SINKS:
            an.sink("exec", site.args[1], name=f"{target} through {name}")


def _process(an: Analyzer, site: CallSite, name: str) -> None:
    from governance.detectors.text import shell_command_findings

    node = site.node
    an.report("process-spawn", name)
    if name.startswith(("os.spawn", "os.exec", "os.posix_spawn")):
        # os.spawnl(mode, path, ...), os.execv(path, args): the program is not always the first argument.
        command_taint = EMPTY.union(*site.args)
    else:
        command_taint = (site.args[0] if site.args else EMPTY) | site.kwargs.get("args", EMPTY)
    an.sink("process", command_taint | site.kwargs.get("input", EMPTY), name=name)
    command = command_text(an, node)
    shell = name in P.SHELL_SINKS or any(
        kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords
    )
    if shell and command is None and node.args:
        an.report("shell-command", f"{name} runs a shell command built at run time")
    if command:
        for rule, message in shell_command_findings(command):
            an.report(rule, message)
        if an.file_uses_dup2 and SHELL_RE.search(command):
            an.report("reverse-shell", "a shell runs with its streams duplicated onto a socket")
        downloaded = an.state.get("downloaded-paths", set())
        if command.lower() in downloaded or any(p in command for p in downloaded):
            an.report("download-execute", f"a downloaded file is run by {name}")
        if CLIPBOARD_READ_RE.search(command):
            site.result = site.result | {"clipboard"}
        if DOWNLOADER_RE.search(command):
            # curl/wget output (or the file they write) is downloaded content.
            site.result = site.result | {"downloaded"}
            _mark_outputs(an, node)
    if _detached(an, node, command):
        an.report("silent-process-execution", f"{name} starts a hidden or detached process")


def _mark_outputs(an: Analyzer, node: ast.Call) -> None:
    first = node.args[0] if node.args else None
    if isinstance(first, (ast.List, ast.Tuple)):
        for flag, target in zip(first.elts, first.elts[1:], strict=False):
            const = an.cs(flag)
            if const is not None and const.value in OUTPUT_FLAGS:
                an.mark_downloaded_path(target)
        return
    command = an.cs(first)
    if command is not None:
        match = re.search(r"\s(-o|-O|--output|--output-document|-OutFile)\s+(\S+)", command.value)
        if match:
            an.state.setdefault("downloaded-paths", set()).add(match.group(2).strip("'\""))


def _detached(an: Analyzer, node: ast.Call, command: str | None) -> bool:
    for kw in node.keywords:
        if kw.arg == "creationflags" and DETACHED_FLAGS_RE.search(ast.unparse(kw.value)):
            return True
        if kw.arg == "start_new_session" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            return True
        if kw.arg == "preexec_fn" and an.resolve(kw.value)[0] in ("os.setsid", "os.setpgrp"):
            return True
        if kw.arg == "startupinfo":
            return True
    return bool(command and DETACHED_COMMAND_RE.search(command))


def _indirect(an: Analyzer, site: CallSite) -> None:
    """``Thread(target=os.system, args=(cmd,))`` runs a sink without a call expression to see."""
    target = site.keyword("target")
    call_args = site.keyword("args")
    if target is None:
        return
    name, _ = an.resolve(target)
    first = call_args.elts[0] if isinstance(call_args, (ast.Tuple, ast.List)) and call_args.elts else None
    taint = an.ev_quiet(first) if first is not None else EMPTY
    if name in P.EXEC_SINKS:
        an.sink("exec", taint, name=f"{name} in a thread")
    elif name in P.PROCESS_SINKS:
        an.report("process-spawn", f"{name} in a thread")
        an.sink("process", taint, name=f"{name} in a thread")


PLUGIN = Plugin("process", call=_call)

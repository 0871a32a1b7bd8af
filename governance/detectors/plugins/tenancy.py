"""Tenancy: interpreter-wide state changed (``os.environ``, ``sys.modules``, builtins), and the whole
environment serialised (it holds the host's other secrets)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

SERIALISERS = frozenset({"json.dumps", "json.dump", "str", "repr", "base64.b64encode", "pickle.dumps"})


def _assign(an: Analyzer, target: ast.expr, value: ast.expr) -> None:
    if isinstance(target, ast.Subscript):
        name, _ = an.resolve(target.value)
        key = an.cs(target.slice)
        if key is not None and (key.value in P.PRELOAD_VARS or key.value in P.LIBRARY_PATH_VARS):
            return  # the DLL-hijacking family says what this assignment does
        if name in ("os.environ", "sys.modules"):
            an.report("global-state-tampering", f"assigns to {name}[...]")
    elif isinstance(target, ast.Attribute):
        name, _ = an.resolve(target)
        if name and name.startswith(("builtins.", "__builtins__.")):
            an.report("global-state-tampering", f"replaces {name}")


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    node = site.node
    if name in ("os.putenv", "os.environ.update", "os.environ.setdefault") or (
        name == "setattr" and node.args and an.resolve(node.args[0])[0] in ("builtins", "sys.modules")
    ):
        key = an.cs(site.first) if name != "os.environ.update" else None
        if key is None or key.value not in P.PRELOAD_VARS:
            an.report("global-state-tampering", name)
    elif name in SERIALISERS and site.every & {"env-bulk"}:
        an.report("env-dump", f"the environment is serialised by {name}")


PLUGIN = Plugin("tenancy", call=_call, assign=_assign)

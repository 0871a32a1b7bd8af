"""Unsafe deserialization: pickle, marshal, dill, unsafe YAML, ``torch.load`` without ``weights_only``;
stronger when the data was downloaded."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


def _safe_yaml(an: Analyzer, site: CallSite) -> bool:
    loader = site.keyword("Loader")
    if loader is None and len(site.node.args) >= 2:
        loader = site.node.args[1]
    if loader is None:
        return False
    from governance.detectors.scope import dotted

    resolved, _ = an.resolve(loader)
    text = resolved or dotted(loader) or ""
    return text.endswith(P.SAFE_YAML_LOADERS)


def _unsafe_numeric_load(site: CallSite, name: str) -> bool:
    for kw in site.node.keywords:
        if kw.arg == "weights_only" and name == "torch.load":
            return not (isinstance(kw.value, ast.Constant) and kw.value.value is True)
        if kw.arg == "allow_pickle" and name == "numpy.load":
            return isinstance(kw.value, ast.Constant) and kw.value.value is True
    return name == "torch.load"


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    if (
        name in P.DESERIALIZERS
        or (name in P.YAML_LOADERS and not _safe_yaml(an, site))
        or (name in ("torch.load", "numpy.load") and _unsafe_numeric_load(site, name))
    ):
        if site.every & {"downloaded", "downloaded-file"}:
            an.report("unsafe-deserialization", f"{name} of downloaded data", severity="high")
            if name not in P.YAML_LOADERS:
                # Unpickling runs code chosen by whoever wrote the data: this is download-and-execute.
                an.report("download-execute", f"{name} runs code embedded in downloaded data")
        elif _package_file(an, site.first):
            an.report(
                "unsafe-deserialization",
                f"{name} of a file shipped with the package",
                lowered="a package file",
            )
        else:
            an.report("unsafe-deserialization", name)


def _package_file(an: Analyzer, node: ast.expr | None) -> bool:
    """``pickle.load(f)`` where ``f = open(os.path.join(HERE, "model.pkl"), "rb")``: the package's own data."""
    path: ast.expr | None = None
    if isinstance(node, ast.Name) and node.id in an.scope.handles:
        path = an.scope.handles[node.id]
    elif isinstance(node, ast.Call) and an.resolve(node.func)[0] == "open" and node.args:
        path = node.args[0]
    if path is None:
        return False
    hint = an.path_hint(path)
    return "$PKG" in hint


PLUGIN = Plugin("deserialization", call=_call)

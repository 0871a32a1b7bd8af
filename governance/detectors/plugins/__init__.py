"""Sink families of the Python analysis, one module per family, after bandit's ``plugins/`` layout.

Each module defines ``PLUGIN = Plugin(...)`` with the hooks it needs; ``governance.rules`` names, beside every
rule, the module that raises it, and :func:`load_plugins` imports exactly those. Adding a family is adding a
file here and its rules there; the analysis (:mod:`governance.detectors.analysis`) does not change.

Hooks, all optional, each given the analyzer (its scope, ``resolve``, ``cs``, ``path_hint``, ``report``):
* ``call(an, site)``: every call, resolved (``site.name``) or not (``site.name is None``, ``site.method`` set);
  a hook may add taint labels to ``site.result`` or replace them (what the call's value carries);
* ``sink(an, kind, taint, name, suffix)``: tainted data reaching an exec, process or network sink, directly or
  through a helper function's summary;
* ``assign(an, target, value)``: every assignment target (``os.environ[...] = ...``, ``builtins.x = ...``);
* ``class_def(an, node)`` / ``class_end(an, node)``: entering and leaving a class body;
* ``string(an, node, value)``: every string literal that is not a docstring.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from governance.detectors.scope import EMPTY, Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


@dataclass
class CallSite:
    node: ast.Call
    # Qualified name (``subprocess.Popen``, ``requests.Session().post``), or None for an unresolved method.
    name: str | None
    # 0 plain, 1 reached through a literal name, 2 through a built name (see Folding.resolve).
    indirection: int
    receiver: Taint
    args: list[Taint]
    kwargs: dict[str | None, Taint]
    every: Taint
    result: Taint = EMPTY
    receiver_name: str = ""

    @property
    def first(self) -> ast.expr | None:
        return self.node.args[0] if self.node.args else None

    @property
    def method(self) -> str:
        func = self.node.func
        return func.attr if isinstance(func, ast.Attribute) else ""

    @property
    def last(self) -> str:
        return self.name.rsplit(".", 1)[-1] if self.name else self.method

    def keyword(self, *names: str) -> ast.expr | None:
        return next((kw.value for kw in self.node.keywords if kw.arg in names), None)


@dataclass(frozen=True)
class Plugin:
    name: str
    call: Callable[[Analyzer, CallSite], None] | None = None
    sink: Callable[[Analyzer, str, Taint, str, str], None] | None = None
    assign: Callable[[Analyzer, ast.expr, ast.expr], None] | None = None
    class_def: Callable[[Analyzer, ast.ClassDef], None] | None = None
    class_end: Callable[[Analyzer, ast.ClassDef], None] | None = None
    string: Callable[[Analyzer, ast.Constant, str], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_plugins() -> tuple[Plugin, ...]:
    """The plugins named in the rule catalogue, in catalogue order."""
    from governance.rules import RULES

    names: list[str] = []
    for rule in RULES.values():
        if rule.detector.startswith("plugins.") and rule.detector not in names:
            names.append(rule.detector)
    plugins = []
    for name in names:
        module = importlib.import_module(f"governance.detectors.{name}")
        plugins.append(module.PLUGIN)
    return tuple(plugins)

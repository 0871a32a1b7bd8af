"""The data the Python analysis carries: taint labels, folded constants, scopes, function summaries, file facts."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

Taint = frozenset[str]
EMPTY: Taint = frozenset()


@dataclass
class FileFacts:
    """What the policies need from a file besides findings."""

    uses_logging: bool = False
    print_lines: list[int] = field(default_factory=list)
    has_health_function: bool = False
    imports: set[str] = field(default_factory=set)
    # physical line -> line where its statement starts, for lines inside multi-line statements.
    statement_start: dict[int, int] = field(default_factory=dict)
    docstring_lines: set[int] = field(default_factory=set)
    # (variable name or "?", line) for every read of one environment variable.
    env_reads: list[tuple[str, int]] = field(default_factory=list)
    # (field name, line) for every use of a personal-data field (declared or commonly personal).
    pii_uses: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Summary:
    returns: Taint = EMPTY
    # parameter index -> the sink kinds it reaches inside the function ("exec", "process", "network").
    param_sinks: dict[int, set[str]] = field(default_factory=dict)
    # The function does something risky when run at install time (network, process, exec, writes).
    risky: bool = False


@dataclass(frozen=True)
class Const:
    value: str
    # 0 = literal, 1 = built by concatenation/join/format, 2 = built by decoding, chr(), reversal.
    built: int = 0


@dataclass
class Scope:
    aliases: dict[str, str] = field(default_factory=dict)
    assigned_aliases: set[str] = field(default_factory=set)
    # variable -> 1 when it holds a function reached through a literal name (f = getattr(os, "system"))
    literal_aliases: set[str] = field(default_factory=set)
    consts: dict[str, Const] = field(default_factory=dict)
    taint: dict[str, Taint] = field(default_factory=dict)
    handles: dict[str, ast.expr] = field(default_factory=dict)  # open(...) as f: f -> the path expression
    hints: dict[str, str] = field(default_factory=dict)  # partial paths of variables (see path_hint)
    # operator.methodcaller("name") bound to a variable: variable -> method name (and how it was built)
    callers: dict[str, Const] = field(default_factory=dict)
    function: str | None = None

    def child(self, function: str) -> Scope:
        return Scope(dict(self.aliases), set(self.assigned_aliases), set(self.literal_aliases), dict(self.consts),
                     dict(self.taint), dict(self.handles), dict(self.hints), dict(self.callers), function)  # fmt: skip


def dotted(node: ast.AST) -> str | None:
    """``self.client.session`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None

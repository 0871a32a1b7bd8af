"""Python detector: one AST walk per file with light, intra-procedural data flow.

Why hand-written rather than Semgrep or bandit: Semgrep is a separate binary and too slow to start per
package, and bandit checks code quality one call at a time; neither follows a decoded value from
``base64.b64decode`` through a variable into ``exec``, or resolves ``getattr(__import__('o'+'s'), 'sys'+'tem')``.

How it works: names are resolved to qualified names through imports and assignments (``from os import
system as s`` makes ``s`` mean ``os.system``; ``x = requests.Session()`` makes ``x.post`` mean
``requests.Session().post``); string expressions are folded to constants where they can be (concatenation,
``join``, ``chr``, reversal, hex/base64 of literals); and every value carries a set of *taint* labels
(``decoded``, ``downloaded``, ``env-bulk``, ``env:KEY``, ``credfile``, ``sysinfo``, ``pii:field``,
``param:N``...). Sinks (exec, processes, network, file writes, logs) look at the labels of their arguments.
Functions get summaries (labels of their return value, parameters that reach sinks) in a first pass, so a
payload passed through a helper function is still followed.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from governance.detectors import patterns as P
from governance.findings import Finding, make_finding

Taint = frozenset[str]
EMPTY: Taint = frozenset()
MAX_CONST = 20_000
BUILTIN_NAMES = frozenset(
    {"exec", "eval", "compile", "open", "__import__", "getattr", "globals", "locals", "vars", "print",
     "input", "execfile", "setattr", "chr", "ord", "bytes", "str", "dict", "map", "len", "repr"}
)  # fmt: skip
DANGEROUS = P.EXEC_SINKS | P.PROCESS_SINKS | {"__import__", "importlib.import_module", "open"}
B64_RE = re.compile(r"^[A-Za-z0-9+/=_\-\s]+$")
HEX_RE = re.compile(r"^(?:[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})+$")


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


@dataclass(frozen=True)
class Const:
    value: str
    # 0 = literal, 1 = built by concatenation/join/format, 2 = built by decoding, chr(), reversal.
    built: int = 0


@dataclass
class Scope:
    aliases: dict[str, str] = field(default_factory=dict)
    assigned_aliases: set[str] = field(default_factory=set)
    consts: dict[str, Const] = field(default_factory=dict)
    taint: dict[str, Taint] = field(default_factory=dict)
    handles: dict[str, ast.expr] = field(default_factory=dict)  # open(...) as f: f -> the path expression
    hints: dict[str, str] = field(default_factory=dict)  # partial paths of variables (see path_hint)
    function: str | None = None

    def child(self, function: str) -> Scope:
        return Scope(dict(self.aliases), set(self.assigned_aliases), dict(self.consts), dict(self.taint),
                     dict(self.handles), dict(self.hints), function)  # fmt: skip


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


class Analyzer:
    def __init__(
        self,
        tree: ast.Module,
        path: str,
        lines: list[str],
        *,
        pii_fields: Iterable[str] = (),
        declared_secrets: Iterable[str] | None = None,
        is_setup: bool = False,
        blob_min_chars: int = 256,
    ) -> None:
        self.tree = tree
        self.path = path
        self.lines = lines
        self.pii = frozenset(pii_fields) | P.DEFAULT_PII_FIELDS
        # None: no manifest, so nothing is declared and only secrets put into a URL or host name count.
        self.declared_secrets = None if declared_secrets is None else frozenset(declared_secrets)
        self.url_taint: Taint = EMPTY
        self.is_setup = is_setup
        self.blob_min_chars = blob_min_chars
        self.findings: dict[tuple[str, int], Finding] = {}
        self.facts = FileFacts()
        self.summaries: dict[str, Summary] = {}
        self.reporting = False
        self.line = 1
        self.scope = Scope()
        self.downloaded_paths: set[str] = set()
        self.credential_copies: set[str] = set()
        self.docstrings: set[int] = set()
        self.file_uses_dup2 = False
        self.image_bit_ops = False

    # --- entry point -----------------------------------------------------------------------------------
    def run(self) -> tuple[list[Finding], FileFacts]:
        module_aliases = self._collect_imports()
        self._prescan()
        # Pass 1 computes function summaries (twice, so helpers calling helpers settle); pass 2 reports.
        for _ in range(2):
            self.scope = Scope(aliases=dict(module_aliases))
            self._block(self.tree.body)
        self.reporting = True
        self.scope = Scope(aliases=dict(module_aliases))
        self.downloaded_paths.clear()
        self.credential_copies.clear()
        self._block(self.tree.body)
        return list(self.findings.values()), self.facts

    def _collect_imports(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.facts.imports.add(alias.name)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                self.facts.imports.add(node.module)
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        roots = {name.split(".")[0] for name in self.facts.imports}
        self.facts.uses_logging = bool(roots & {"logging", "structlog", "loguru"})
        return aliases

    def _prescan(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    self.docstrings.add(id(body[0].value))
                    end = body[0].end_lineno or body[0].lineno
                    self.facts.docstring_lines.update(range(body[0].lineno, end + 1))
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.lower() in (
                    "health_check",
                    "healthcheck",
                    "health",
                ):
                    self.facts.has_health_function = True
            elif isinstance(node, ast.Attribute) and node.attr == "dup2":
                self.file_uses_dup2 = True
            elif (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.BitAnd)
                and isinstance(node.right, ast.Constant)
                and node.right.value == 1
            ):
                self.image_bit_ops = True

    # --- reporting ---------------------------------------------------------------------------------------
    def report(self, rule: str, message: str | None = None, line: int | None = None, **extra: Any) -> None:
        if not self.reporting:
            return
        at = line or self.line
        key = (rule, at)
        if key in self.findings:
            return
        self.findings[key] = make_finding(
            rule, self.path, at, source_lines=self.lines, message=message, **extra
        )

    # --- statements --------------------------------------------------------------------------------------
    def _block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, stmt: ast.stmt) -> None:
        self.line = stmt.lineno
        match stmt:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self._function(stmt)
            case ast.ClassDef():
                self._class(stmt)
            case ast.Assign():
                taint = self.ev(stmt.value)
                for target in stmt.targets:
                    self._assign(target, stmt.value, taint)
            case ast.AnnAssign(value=value) if value is not None:
                self._assign(stmt.target, value, self.ev(value))
            case ast.AugAssign():
                taint = self.ev(stmt.value)
                name = dotted(stmt.target)
                if name:
                    self.scope.taint[name] = self.scope.taint.get(name, EMPTY) | taint
            case ast.Expr():
                self.ev(stmt.value)
            case ast.Return(value=value) if value is not None:
                taint = self.ev(value)
                if self.scope.function:
                    summary = self.summaries.setdefault(self.scope.function, Summary())
                    summary.returns = summary.returns | frozenset(
                        t for t in taint if not t.startswith("param:")
                    )
            case ast.If() | ast.While():
                self.ev(stmt.test)
                self._block(stmt.body)
                self._block(stmt.orelse)
            case ast.For() | ast.AsyncFor():
                taint = self.ev(stmt.iter)
                self._assign(stmt.target, stmt.iter, taint, iterating=True)
                self._block(stmt.body)
                self._block(stmt.orelse)
            case ast.With() | ast.AsyncWith():
                for item in stmt.items:
                    taint = self.ev(item.context_expr)
                    if item.optional_vars is not None:
                        self._assign(item.optional_vars, item.context_expr, taint)
                        name = dotted(item.optional_vars)
                        call = item.context_expr
                        if (
                            name
                            and isinstance(call, ast.Call)
                            and self.resolve(call.func)[0] == "open"
                            and call.args
                        ):
                            self.scope.handles[name] = call.args[0]
                self._block(stmt.body)
            case ast.Try() | ast.TryStar():
                self._block(stmt.body)
                for handler in stmt.handlers:
                    self._block(handler.body)
                self._block(stmt.orelse)
                self._block(stmt.finalbody)
            case ast.Match():
                self.ev(stmt.subject)
                for case in stmt.cases:
                    self._block(case.body)
            case ast.Raise(exc=exc) if exc is not None:
                self.ev(exc)
            case ast.Assert():
                self.ev(stmt.test)
            case ast.Delete():
                for target in stmt.targets:
                    self._check_global_state(target)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.ev(decorator)
        outer = self.scope
        self.scope = outer.child(node.name)
        args = [*node.args.posonlyargs, *node.args.args]
        offset = 1 if args and args[0].arg in ("self", "cls") else 0
        for index, arg in enumerate(args[offset:]):
            self.scope.taint[arg.arg] = frozenset({f"param:{index}"})
            self.scope.aliases.pop(arg.arg, None)
            self.scope.consts.pop(arg.arg, None)
        for extra in (*node.args.kwonlyargs, node.args.vararg, node.args.kwarg):
            if extra is not None:
                self.scope.aliases.pop(extra.arg, None)
                self.scope.taint[extra.arg] = EMPTY
        self._block(node.body)
        self.scope = outer
        self.line = node.lineno

    def _lambda(self, name: str, node: ast.Lambda) -> None:
        """``f = lambda s: decode(s)`` gets a summary like a function of the same name."""
        outer = self.scope
        self.scope = outer.child(name)
        for index, arg in enumerate([*node.args.posonlyargs, *node.args.args]):
            self.scope.taint[arg.arg] = frozenset({f"param:{index}"})
            self.scope.aliases.pop(arg.arg, None)
            self.scope.consts.pop(arg.arg, None)
        taint = self.ev(node.body)
        summary = self.summaries.setdefault(name, Summary())
        summary.returns = summary.returns | frozenset(t for t in taint if not t.startswith("param:"))
        self.scope = outer

    def _class(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            name, _ = self.resolve(base)
            if name and re.match(
                r"(setuptools|distutils)\.command\.(install|develop|egg_info|build_py|sdist)", name
            ):
                self.report(
                    "install-hook", f"class {node.name} overrides the {name.rsplit('.', 1)[-1]} command"
                )
        for keyword in node.keywords:
            self.ev(keyword.value)
        outer = self.scope
        self.scope = outer.child(outer.function or "")
        self.scope.function = None
        self._block(node.body)
        self.scope = outer

    def _assign(self, target: ast.expr, value: ast.expr, taint: Taint, iterating: bool = False) -> None:
        self._check_global_state(target)
        if isinstance(target, (ast.Tuple, ast.List)):
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not iterating
            ):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    self._assign(sub_target, sub_value, self.ev_quiet(sub_value))
            else:
                for sub_target in target.elts:
                    self._assign(sub_target, value, taint, iterating)
            return
        if isinstance(target, ast.Subscript):
            container = dotted(target.value)
            if container:
                self.scope.taint[container] = self.scope.taint.get(container, EMPTY) | taint
            return
        if isinstance(target, ast.Starred):
            self._assign(target.value, value, taint, iterating)
            return
        name = dotted(target)
        if not name:
            return
        const = None if iterating else self.cs(value)
        if const is not None and const.built >= 2:
            taint = taint | {"decoded"}
        self.scope.taint[name] = taint
        self.scope.handles.pop(name, None)
        if const is not None:
            self.scope.consts[name] = const
        else:
            self.scope.consts.pop(name, None)
        hint = "*" if iterating else self.path_hint(value)
        if hint.strip("*/"):
            self.scope.hints[name] = hint
        else:
            self.scope.hints.pop(name, None)
        if isinstance(value, ast.Lambda) and not iterating:
            self._lambda(name, value)
        resolved, obfuscated = (None, False) if iterating else self.resolve(value)
        self.scope.assigned_aliases.discard(name)
        if resolved and isinstance(value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
            self.scope.aliases[name] = resolved
            if obfuscated or (
                isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)) and resolved in DANGEROUS
            ):
                # A dangerous function renamed by assignment, or a module reached by string tricks.
                self.scope.assigned_aliases.add(name)
        else:
            self.scope.aliases.pop(name, None)

    def _check_global_state(self, target: ast.expr) -> None:
        base = target.value if isinstance(target, ast.Subscript) else target
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            name, _ = self.resolve(base if isinstance(target, ast.Subscript) else target)
            if not name:
                return
            if isinstance(target, ast.Subscript) and name in ("os.environ", "sys.modules"):
                self.report("global-state-tampering", f"assigns to {name}[...]")
            elif isinstance(target, ast.Attribute) and name.startswith(("builtins.", "__builtins__.")):
                self.report("global-state-tampering", f"replaces {name}")

    # --- name resolution and constant folding -----------------------------------------------------------
    def resolve(self, node: ast.AST) -> tuple[str | None, bool]:
        """Qualified name of a callee or object, and whether reaching it took obfuscation."""
        match node:
            case ast.Name(id=name):
                if name in self.scope.aliases:
                    return self._normalise(self.scope.aliases[name]), name in self.scope.assigned_aliases
                if name in self.scope.taint or name in self.scope.consts:
                    return None, False
                if name in BUILTIN_NAMES or name in ("__builtins__", "builtins"):
                    return ("builtins" if name == "__builtins__" else name), False
                return None, False
            case ast.Attribute(value=value, attr=attr):
                base, obf = self.resolve(value)
                return (self._normalise(f"{base}.{attr}"), obf) if base else (None, False)
            case ast.Call(func=func, args=args):
                callee, obf = self.resolve(func)
                if callee in ("__import__", "importlib.import_module") and args:
                    const = self.cs(args[0])
                    return (const.value, True) if const else (None, False)
                if callee == "getattr" and len(args) >= 2:
                    base, _base_obf = self.resolve(args[0])
                    const = self.cs(args[1])
                    if base and const:
                        return self._normalise(f"{base}.{const.value}"), True
                    return None, False
                if callee in ("globals", "locals", "vars"):
                    if callee == "vars" and args:
                        base, _ = self.resolve(args[0])
                        return (f"{base}.__dict__" if base else None), obf
                    return "globals()", obf
                return (f"{callee}()", obf) if callee else (None, False)
            case ast.Subscript(value=value, slice=key):
                base, obf = self.resolve(value)
                const = self.cs(key)
                if not base or not const:
                    return None, False
                if base in ("globals()", "builtins", "builtins.__dict__"):
                    return self._normalise(const.value), True
                if base == "sys.modules":
                    return const.value, True
                if base.endswith(".__dict__"):
                    return self._normalise(f"{base[: -len('.__dict__')]}.{const.value}"), True
                return None, False
        return None, False

    @staticmethod
    def _normalise(name: str) -> str:
        if name in ("builtins.__dict__", "__builtins__.__dict__"):
            return "builtins.__dict__"
        for prefix in ("builtins.", "__builtins__.", "globals()."):
            if name.startswith(prefix):
                return name[len(prefix) :]
        for old, new in (("pathlib.Path", "Path"), ("os.path", "os.path")):
            if name.startswith(old + "."):
                return new + name[len(old) :]
        return name

    def cs(self, node: ast.AST | None, depth: int = 0) -> Const | None:
        """Fold a string expression to a constant when every part of it is known."""
        if node is None or depth > 20:
            return None
        match node:
            case ast.Constant(value=str() as value):
                return Const(value)
            case ast.Constant(value=bytes() as value):
                return Const(value.decode("latin-1"))
            case ast.Name(id=name):
                return self.scope.consts.get(name)
            case ast.BinOp(left=left, op=ast.Add(), right=right):
                a, b = self.cs(left, depth + 1), self.cs(right, depth + 1)
                if a and b and len(a.value) + len(b.value) < MAX_CONST:
                    return Const(a.value + b.value, max(a.built, b.built, 1))
            case ast.BinOp(left=left, op=ast.Div(), right=right):
                a, b = self.cs(left, depth + 1), self.cs(right, depth + 1)
                if a and b:
                    return Const(a.value.rstrip("/") + "/" + b.value, max(a.built, b.built))
            case ast.JoinedStr(values=values):
                parts = []
                for value in values:
                    inner = self.cs(
                        value.value if isinstance(value, ast.FormattedValue) else value, depth + 1
                    )
                    if inner is None:
                        return None
                    parts.append(inner)
                return Const("".join(p.value for p in parts), max([1, *(p.built for p in parts)]))
            case ast.Subscript(value=value, slice=ast.Slice(lower=None, upper=None, step=step)):
                inner = self.cs(value, depth + 1)
                if inner and isinstance(step, ast.UnaryOp) and isinstance(step.operand, ast.Constant):
                    return Const(inner.value[::-1], 2)
            case ast.Call():
                return self._cs_call(node, depth)
        return None

    def _cs_call(self, node: ast.Call, depth: int) -> Const | None:
        func = node.func
        args = node.args
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method == "join" and len(args) == 1:
                sep = self.cs(func.value, depth + 1)
                items = self._const_items(args[0], depth)
                if sep is not None and items is not None:
                    return Const(sep.value.join(i.value for i in items), max([1, *(i.built for i in items)]))
            receiver = self.cs(func.value, depth + 1)
            if receiver is not None:
                if method in ("decode", "encode") and not args:
                    return receiver
                if method in ("decode",) and args:
                    codec = self.cs(args[0], depth + 1)
                    if codec and codec.value.replace("-", "_").lower() in ("rot13", "rot_13"):
                        return Const(codecs.decode(receiver.value, "rot13"), 2)
                    return receiver
                if method in ("lower", "upper", "strip") and not args:
                    return Const(getattr(receiver.value, method)(), receiver.built)
                if method == "replace" and len(args) == 2:
                    old, new = self.cs(args[0], depth + 1), self.cs(args[1], depth + 1)
                    if old and new:
                        return Const(receiver.value.replace(old.value, new.value), 2)
                if method == "format":
                    values = [self.cs(a, depth + 1) for a in args]
                    if all(values):
                        try:
                            return Const(receiver.value.format(*(v.value for v in values if v)), 1)
                        except (IndexError, KeyError, ValueError):
                            return None
        callee, _ = self.resolve(func)
        if callee == "chr" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, int):
            try:
                return Const(chr(args[0].value), 2)
            except (ValueError, OverflowError):
                return None
        if callee in ("str", "os.fspath") and args:
            return self.cs(args[0], depth + 1)
        if callee in ("os.path.expanduser", "os.path.expandvars", "os.path.abspath", "Path", "Path.expanduser",
                      "os.path.normpath") and args:  # fmt: skip
            return self.cs(args[0], depth + 1)
        if callee in ("Path.home", "Path.home().expanduser"):
            return Const("~")
        if callee == "os.path.join" and args:
            parts = [self.cs(a, depth + 1) for a in args]
            if all(parts):
                return Const(
                    "/".join(p.value.rstrip("/") for p in parts if p), max(p.built for p in parts if p)
                )
        if callee in ("bytes", "bytearray") and args:
            numbers = self._const_ints(args[0])
            if numbers is not None:
                return Const(bytes(i % 256 for i in numbers).decode("latin-1"), 2)
        if callee in P.DECODERS and args:
            inner = self.cs(args[0], depth + 1)
            if inner is not None and len(inner.value) < MAX_CONST:
                decoded = _try_decode(callee, inner.value, [self.cs(a, depth + 1) for a in args[1:]])
                if decoded is not None:
                    return Const(decoded, 2)
        return None

    def _const_items(self, node: ast.AST, depth: int) -> list[Const] | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.cs(e, depth + 1) for e in node.elts]
            return items if all(items) else None  # type: ignore[return-value]
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)) and len(node.generators) == 1:
            gen = node.generators[0]
            ints = self._const_ints(gen.iter)
            if (
                ints is not None
                and isinstance(node.elt, ast.Call)
                and self.resolve(node.elt.func)[0] == "chr"
                and isinstance(gen.target, ast.Name)
            ):
                arg = node.elt.args[0] if node.elt.args else None
                offset = 0
                if (
                    isinstance(arg, ast.BinOp)
                    and isinstance(arg.right, ast.Constant)
                    and isinstance(arg.right.value, int)
                ):
                    offset = arg.right.value if isinstance(arg.op, ast.Add) else -arg.right.value
                    arg = arg.left
                if isinstance(arg, ast.Name) and arg.id == gen.target.id:
                    try:
                        return [Const(chr(i + offset), 2) for i in ints]
                    except (ValueError, OverflowError):
                        return None
            if isinstance(gen.iter, (ast.List, ast.Tuple)) and isinstance(node.elt, ast.Name):
                return self._const_items(gen.iter, depth)
        if (
            isinstance(node, ast.Call)
            and self.resolve(node.func)[0] == "map"
            and len(node.args) == 2
            and self.resolve(node.args[0])[0] == "chr"
        ):
            ints = self._const_ints(node.args[1])
            if ints is not None:
                try:
                    return [Const(chr(i), 2) for i in ints]
                except (ValueError, OverflowError):
                    return None
        return None

    def path_hint(self, node: ast.AST | None, depth: int = 0) -> str:
        """A path with its unknown parts as ``*``: ``os.path.join(home, ".ssh", "id_rsa")`` → ``*/.ssh/id_rsa``."""
        if node is None or depth > 10:
            return "*"
        const = self.cs(node)
        if const is not None:
            return const.value
        match node:
            case ast.Name(id=name):
                return self.scope.hints.get(name, "*")
            case ast.BinOp(left=left, op=ast.Add() | ast.Div() as op, right=right):
                sep = "/" if isinstance(op, ast.Div) else ""
                return self.path_hint(left, depth + 1) + sep + self.path_hint(right, depth + 1)
            case ast.JoinedStr(values=values):
                return "".join(
                    self.path_hint(v.value if isinstance(v, ast.FormattedValue) else v, depth + 1)
                    for v in values
                )
            case ast.Call(func=func, args=args) if args:
                callee, _ = self.resolve(func)
                if callee == "os.path.join":
                    return "/".join(self.path_hint(a, depth + 1) for a in args)
                if callee in ("Path", "os.path.expanduser", "str", "os.fspath"):
                    return self.path_hint(args[0], depth + 1)
        return "*"

    def _const_ints(self, node: ast.AST) -> list[int] | None:
        if isinstance(node, ast.Name) and node.id in self.scope.consts:
            return None
        if (
            isinstance(node, (ast.List, ast.Tuple))
            and node.elts
            and all(
                isinstance(e, ast.Constant) and isinstance(e.value, int) and not isinstance(e.value, bool)
                for e in node.elts
            )
        ):
            return [e.value for e in node.elts]  # type: ignore[attr-defined]
        return None

    # --- expressions -------------------------------------------------------------------------------------
    def ev_quiet(self, node: ast.AST) -> Taint:
        reporting, self.reporting = self.reporting, False
        try:
            return self.ev(node)
        finally:
            self.reporting = reporting

    def ev(self, node: ast.AST | None) -> Taint:
        """Taint labels of an expression; checks every call inside it on the way."""
        if node is None:
            return EMPTY
        match node:
            case ast.Constant(value=str() as value):
                self._check_string(node, value)
                return EMPTY
            case ast.Constant():
                return EMPTY
            case ast.Name(id=name):
                taint = self.scope.taint.get(name, EMPTY)
                if name in self.pii:
                    taint = taint | {self._pii(name)}
                return taint
            case ast.Attribute(value=value, attr=attr):
                resolved, _ = self.resolve(node)
                if resolved in P.ENV_OBJECTS:
                    return frozenset({"env-bulk"})
                chain = dotted(node)
                taint = self.scope.taint.get(chain, EMPTY) if chain else EMPTY
                taint = taint | self.ev(value)
                if attr in self.pii:
                    taint = taint | {self._pii(attr)}
                return taint
            case ast.Subscript(value=value, slice=key):
                base, _ = self.resolve(value)
                const = self.cs(key)
                if base in P.ENV_OBJECTS:
                    self.ev(key)
                    self._env_read(const.value if const else "?")
                    return frozenset({f"env:{const.value}" if const else "env:?"})
                taint = self.ev(value) | self.ev(key)
                if const and const.value in self.pii:
                    taint = taint | {self._pii(const.value)}
                return taint
            case ast.Call():
                return self._call(node)
            case ast.JoinedStr():
                taint = EMPTY
                for value in node.values:
                    taint |= self.ev(value)
                return taint
            case ast.Lambda(body=body):
                return self.ev(body)
            case ast.ListComp() | ast.SetComp() | ast.GeneratorExp() | ast.DictComp():
                taint = EMPTY
                for gen in node.generators:
                    iter_taint = self.ev(gen.iter)
                    self._assign(gen.target, gen.iter, iter_taint, iterating=True)
                    taint |= iter_taint
                    for condition in gen.ifs:
                        self.ev(condition)
                if isinstance(node, ast.DictComp):
                    return taint | self.ev(node.key) | self.ev(node.value)
                return taint | self.ev(node.elt)
            case ast.NamedExpr(target=target, value=value):
                taint = self.ev(value)
                self._assign(target, value, taint)
                return taint
            case ast.Dict(keys=keys, values=values):
                taint = EMPTY
                for dict_key, dict_value in zip(keys, values, strict=True):
                    if dict_key is None and self.resolve(dict_value)[0] in P.ENV_OBJECTS:
                        taint |= {"env-bulk"}
                    taint |= self.ev(dict_key) | self.ev(dict_value)
                return taint
        taint = EMPTY
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                taint |= self.ev(child)
        const = self.cs(node) if isinstance(node, (ast.BinOp, ast.Subscript)) else None
        if const is not None and const.built >= 2:
            taint |= {"decoded"}
        return taint

    def _check_string(self, node: ast.Constant, value: str) -> None:
        if not self.reporting or id(node) in self.docstrings or len(value) < 8:
            return
        if "://" in value:
            host = P.url_host(value)
            if host:
                if P.WEBHOOK_PATH_RE.search(value) or P.SUSPICIOUS_HOST_RE.search(host):
                    self.report("suspicious-url", f"{host}", host=host)
                elif P.is_public_ip(host):
                    self.report("raw-ip-url", f"{host}", host=host)
        if len(value) >= self.blob_min_chars and " " not in value.strip():
            compact = "".join(value.split())
            if len(compact) >= self.blob_min_chars and (B64_RE.match(compact) or HEX_RE.match(compact)):
                self.report("encoded-blob", f"{len(compact):,} characters")

    # --- calls: sources and sinks ------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> Taint:
        name, obfuscated = self.resolve(node.func)
        func = node.func
        receiver: Taint = EMPTY
        if name in P.ENV_GETTERS:
            key = self.cs(node.args[0]) if node.args else None
            for arg in node.args[1:]:
                self.ev(arg)
            self._env_read(key.value if key else "?")
            return frozenset({f"env:{key.value}" if key else "env:?"})
        if isinstance(func, ast.Attribute):
            receiver = self.ev(func.value)
            receiver_name = dotted(func.value)
            if receiver_name:
                receiver |= self.scope.taint.get(receiver_name, EMPTY)
        elif not isinstance(func, ast.Name):
            receiver = self.ev(func)
        args = [self.ev(arg) for arg in node.args]
        kwargs = {kw.arg: self.ev(kw.value) for kw in node.keywords}
        every = receiver.union(*args, *kwargs.values())
        if isinstance(func, ast.Attribute) and (name is None or name.startswith("open()")):
            self._check_unresolved_method(node, func, receiver, args, kwargs)
        if name is None and isinstance(func, ast.Attribute) and func.attr in ("get",) and node.args:
            key = self.cs(node.args[0])
            if key and key.value in self.pii:
                every = every | {self._pii(key.value)}
        if name is None:
            summary = self._summary_for(func)
            if summary:
                self._apply_summary(summary, args)
                return summary.returns | every
            return every
        return self._resolved_call(node, name, obfuscated, receiver, args, kwargs, every)

    def _pii(self, name: str) -> str:
        if self.reporting and (name, self.line) not in self.facts.pii_uses:
            self.facts.pii_uses.append((name, self.line))
        return f"pii:{name}"

    def _env_read(self, key: str) -> None:
        if self.reporting and (key, self.line) not in self.facts.env_reads:
            self.facts.env_reads.append((key, self.line))

    def _summary_for(self, func: ast.expr) -> Summary | None:
        if isinstance(func, ast.Name):
            return self.summaries.get(func.id)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
        ):
            return self.summaries.get(func.attr)
        return None

    def _apply_summary(self, summary: Summary, args: list[Taint]) -> None:
        for index, kinds in list(summary.param_sinks.items()):
            if index < len(args):
                for kind in sorted(kinds):
                    self._sink(kind, args[index], via_helper=True)

    def _sink(self, kind: str, taint: Taint, *, via_helper: bool = False, name: str = "") -> None:
        """Record parameters that reach sinks (for summaries) and report tainted data reaching them."""
        if self.scope.function is not None:
            for label in taint:
                if label.startswith("param:"):
                    summary = self.summaries.setdefault(self.scope.function, Summary())
                    summary.param_sinks.setdefault(int(label[6:]), set()).add(kind)
        suffix = " (through a helper function)" if via_helper else ""
        if kind in ("exec", "process"):
            if "decoded" in taint:
                self.report("exec-base64", f"{name or kind}{suffix}")
            if taint & {"downloaded", "downloaded-file"}:
                self.report("download-execute", f"{name or kind}{suffix}")
        elif kind == "network":
            self._exfiltration(taint, name, suffix)

    def _exfiltration(self, taint: Taint, name: str, suffix: str) -> None:
        sensitive = sorted(taint & {"env-bulk", "credfile", "sysinfo", "clipboard", "screen"})
        if sensitive:
            self.report(
                "exfiltrate-sensitive-data", f"{', '.join(sensitive)} reaches {name or 'the network'}{suffix}"
            )
        for label in taint:
            if label.startswith("env:"):
                key = label[4:]
                undeclared = (
                    label in self.url_taint
                    if self.declared_secrets is None
                    else key not in self.declared_secrets
                )
                if undeclared and re.search(
                    r"(TOKEN|SECRET|PASSW|API_?KEY|ACCESS_KEY|PRIVATE|CREDENTIAL|AUTH)", key.upper()
                ):
                    self.report(
                        "exfiltrate-undeclared-secret", f"{key} reaches {name or 'the network'}{suffix}"
                    )

    def _check_unresolved_method(
        self,
        node: ast.Call,
        func: ast.Attribute,
        receiver: Taint,
        args: list[Taint],
        kwargs: dict[str | None, Taint],
    ) -> None:
        every = EMPTY.union(*args, *kwargs.values())
        receiver_name = dotted(func.value) or ""
        if func.attr in P.LOG_METHODS and "log" in receiver_name.lower():
            self._log_sink(every)
        elif func.attr in ("write", "writelines") and receiver_name in self.scope.handles:
            if every & {"downloaded"}:
                path = self.scope.handles[receiver_name]
                self._mark_downloaded_path(path)
        elif func.attr in ("write_bytes", "write_text") and every & {"downloaded"}:
            self._mark_downloaded_path(func.value)

    def _mark_downloaded_path(self, path_node: ast.expr) -> None:
        const = self.cs(path_node)
        if const:
            self.downloaded_paths.add(const.value)
        name = dotted(path_node)
        if name:
            self.scope.taint[name] = self.scope.taint.get(name, EMPTY) | {"downloaded-file"}

    def _log_sink(self, taint: Taint) -> None:
        pii = sorted(label[4:] for label in taint if label.startswith("pii:"))
        if pii:
            self.report("pii-in-logs", ", ".join(pii))

    def _resolved_call(
        self,
        node: ast.Call,
        name: str,
        obfuscated: bool,
        receiver: Taint,
        args: list[Taint],
        kwargs: dict[str | None, Taint],
        every: Taint,
    ) -> Taint:
        first = node.args[0] if node.args else None
        last = name.rsplit(".", 1)[-1]
        if obfuscated and (name in DANGEROUS or self._is_network(name)) and name != "open":
            self.report("api-obfuscation", f"reaches {name}")
        result = every
        if name in P.DECODERS:
            result = every | {"decoded"}
            if name == "marshal.loads":
                self.report("unsafe-deserialization", "marshal.loads")
        elif name in P.EXEC_SINKS:
            const = self.cs(first)
            taint = args[0] if args else EMPTY
            if const is not None and const.built >= 2:
                taint = taint | {"decoded"}
            self._sink("exec", taint, name=name)
            if const is None and first is not None and not (taint & {"decoded", "downloaded"}):
                self.report("dynamic-code", name)
            if self.is_setup:
                self.report("install-hook", f"{name} in setup.py")
        elif name in P.PROCESS_SINKS:
            self._process(node, name, args, kwargs, every)
        elif self._is_network(name):
            self._network(node, name, args, kwargs, every)
            # What comes back is the server's data, not the arguments: only "downloaded" flows on.
            result = frozenset({"downloaded"})
        if name.startswith(("hashlib.", "hmac.")):
            # A hash of personal data is a pseudonym, which is what we ask packages to log.
            result = frozenset(t for t in result if not t.startswith("pii:"))
        if name in ("threading.Thread", "threading.Timer", "multiprocessing.Process"):
            self._indirect_call(node)
        if name in P.SYSINFO_SOURCES:
            result = result | {"sysinfo"}
        elif name == "open" or name.endswith(("read_text", "read_bytes", ".open")) or name in P.FILE_WRITERS:
            result = result | self._file_access(node, name)
        elif (
            name in P.DESERIALIZERS
            or (name in P.YAML_LOADERS and not self._safe_yaml(node))
            or (name in ("torch.load", "numpy.load") and self._unsafe_numeric_load(node, name))
        ):
            if every & {"downloaded", "downloaded-file"}:
                self.report("unsafe-deserialization", f"{name} of downloaded data", severity="high")
            else:
                self.report("unsafe-deserialization", name)
        elif _called(name, P.CLIPBOARD_CALLS):
            self.report("clipboard-access", name)
            result = result | {"clipboard"}
        elif _called(name, P.SCREENSHOT_CALLS):
            self.report("screenshot", name)
            result = result | {"screen"}
        elif _called(name, P.KEYLOGGER_CALLS):
            self.report("keylogger", name)
        elif _called(name, P.STEGO_CALLS):
            self.report("steganography", name)
        elif _called(name, P.NATIVE_LOADERS):
            path = self.cs(first)
            if (
                (every & {"downloaded", "downloaded-file"})
                or (
                    path
                    and (
                        path.value in self.downloaded_paths
                        or re.search(r"(temp|tmp|appdata|downloads)", path.value, re.I)
                    )
                )
                or name.endswith(("add_dll_directory", "SetDllDirectoryW", "SetDllDirectoryA"))
            ):
                self.report("dll-hijacking", name)
        elif name in ("os.chmod", "Path.chmod") or last == "chmod":
            target = node.args[0] if node.args else None
            taint = args[0] if args else receiver
            const = self.cs(target)
            if taint & {"downloaded-file", "downloaded"} or (const and const.value in self.downloaded_paths):
                self.report("download-execute", "a downloaded file is made executable")
        elif name.startswith(("winreg.SetValueEx", "winreg.CreateKey", "_winreg.SetValueEx")):
            for arg in node.args:
                const = self.cs(arg)
                if const and P.AUTOSTART_RE.search(const.value):
                    self.report("autostart-persistence", "registry Run key")
            for label in receiver | every:
                if label == "autostart":
                    self.report("autostart-persistence", "registry Run key")
        elif name in ("winreg.OpenKey", "winreg.CreateKeyEx", "winreg.OpenKeyEx", "_winreg.OpenKey"):
            for arg in node.args:
                const = self.cs(arg)
                if const and P.AUTOSTART_RE.search(const.value):
                    result = result | {"autostart"}
        elif name in ("print", "sys.stdout.write", "sys.stderr.write"):
            if name == "print":
                self.facts.print_lines.append(self.line)
            self._log_sink(every)
        elif name.startswith(("logging.", "structlog.", "loguru.")) and last in P.LOG_METHODS:
            self._log_sink(every)
        elif name.endswith("().getdata") or name.endswith(".getpixel") or last in ("getpixel", "getdata"):
            if self.image_bit_ops and name.startswith(("PIL.", "Image.", "PIL")):
                self.report("steganography", "bits are read out of image pixels")
        elif name in ("os.putenv", "os.environ.update", "os.environ.setdefault", "setattr") and (
            name != "setattr" or (node.args and self.resolve(node.args[0])[0] in ("builtins", "sys.modules"))
        ):
            self.report("global-state-tampering", name)
        elif name in ("json.dumps", "json.dump", "str", "repr", "base64.b64encode", "pickle.dumps") and (
            every & {"env-bulk"}
        ):
            self.report("env-dump", f"the environment is serialised by {name}")
        if name in ("setuptools.setup", "distutils.core.setup") and any(
            kw.arg == "cmdclass" for kw in node.keywords
        ):
            self.report("install-hook", "setup() registers custom commands (cmdclass)")
        return result

    def _indirect_call(self, node: ast.Call) -> None:
        """``Thread(target=os.system, args=(cmd,))`` runs a sink without a call expression to see."""
        target = next((kw.value for kw in node.keywords if kw.arg == "target"), None)
        call_args = next((kw.value for kw in node.keywords if kw.arg == "args"), None)
        if target is None:
            return
        name, _ = self.resolve(target)
        first = call_args.elts[0] if isinstance(call_args, (ast.Tuple, ast.List)) and call_args.elts else None
        taint = self.ev_quiet(first) if first is not None else EMPTY
        if name in P.EXEC_SINKS:
            self._sink("exec", taint, name=f"{name} in a thread")
        elif name in P.PROCESS_SINKS:
            self.report("process-spawn", f"{name} in a thread")
            self._sink("process", taint, name=f"{name} in a thread")

    @staticmethod
    def _is_network(name: str) -> bool:
        last = name.rsplit(".", 1)[-1]
        return last in P.NETWORK_VERBS and name.startswith(P.NETWORK_MODULES)

    def _safe_yaml(self, node: ast.Call) -> bool:
        loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), None)
        if loader is None and len(node.args) >= 2:
            loader = node.args[1]
        if loader is None:
            return False
        resolved, _ = self.resolve(loader)
        text = resolved or dotted(loader) or ""
        return text.endswith(P.SAFE_YAML_LOADERS)

    @staticmethod
    def _unsafe_numeric_load(node: ast.Call, name: str) -> bool:
        for kw in node.keywords:
            if kw.arg == "weights_only" and name == "torch.load":
                return not (isinstance(kw.value, ast.Constant) and kw.value.value is True)
            if kw.arg == "allow_pickle" and name == "numpy.load":
                return isinstance(kw.value, ast.Constant) and kw.value.value is True
        return name == "torch.load"

    def _process(
        self, node: ast.Call, name: str, args: list[Taint], kwargs: dict[str | None, Taint], every: Taint
    ) -> None:
        self.report("process-spawn", name)
        if self.is_setup:
            self.report("install-hook", f"{name} in setup.py")
        command_taint = (args[0] if args else EMPTY) | kwargs.get("args", EMPTY)
        self._sink("process", command_taint | kwargs.get("input", EMPTY), name=name)
        command = self._command_text(node)
        shell = name in P.SHELL_SINKS or any(
            kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in node.keywords
        )
        if shell and command is None and node.args:
            self.report("shell-command", name)
        if command:
            from governance.detectors.text import shell_command_findings

            for rule, message in shell_command_findings(command):
                self.report(rule, message)
            if self.file_uses_dup2 and re.search(r"(/bin/(ba|z)?sh|cmd\.exe|powershell)\b", command):
                self.report("reverse-shell", "a shell runs with its streams duplicated onto a socket")
            if command.lower() in self.downloaded_paths or any(p in command for p in self.downloaded_paths):
                self.report("download-execute", "a downloaded file is run")
        if self._detached(node, command):
            self.report("silent-process-execution", name)

    def _command_text(self, node: ast.Call) -> str | None:
        first = (
            node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "args"), None)
        )
        if first is None:
            return None
        if isinstance(first, (ast.List, ast.Tuple)):
            parts = [self.cs(e) for e in first.elts]
            known = [p.value for p in parts if p is not None]
            return " ".join(known) if known else None
        const = self.cs(first)
        return const.value if const else None

    def _detached(self, node: ast.Call, command: str | None) -> bool:
        for kw in node.keywords:
            if kw.arg == "creationflags":
                text = ast.unparse(kw.value)
                if re.search(r"(CREATE_NO_WINDOW|DETACHED_PROCESS|0x08000000|0x00000008|134217728)", text):
                    return True
            if (
                kw.arg == "start_new_session"
                and isinstance(kw.value, ast.Constant)
                and kw.value.value is True
            ):
                return True
            if kw.arg == "preexec_fn" and self.resolve(kw.value)[0] in ("os.setsid", "os.setpgrp"):
                return True
            if kw.arg == "startupinfo":
                return True
        return bool(
            command
            and re.search(
                r"(^|\s)(nohup|setsid|disown|start /b|pythonw)\b|&\s*$|-windowstyle\s+hidden", command, re.I
            )
        )

    def _network(
        self, node: ast.Call, name: str, args: list[Taint], kwargs: dict[str | None, Taint], every: Taint
    ) -> None:
        host = None
        url = (
            node.args[0]
            if node.args
            else next((kw.value for kw in node.keywords if kw.arg in ("url", "host")), None)
        )
        const = self.cs(url)
        if const is not None:
            host = P.url_host(const.value) or (const.value.lower() if "/" not in const.value else None)
        elif isinstance(url, ast.Tuple) and url.elts:
            first = self.cs(url.elts[0])
            host = first.value.lower() if first else None
        if host and P.is_public_ip(host):
            self.report("raw-ip-url", host, host=host)
        if name.endswith("urlretrieve") and len(node.args) >= 2:
            self._mark_downloaded_path(node.args[1])
        self.report(
            "network-access",
            f"{name}" + (f" to {host}" if host else ""),
            host=host,
            resolved_host=host is not None,
        )
        pii = sorted(label[4:] for label in every if label.startswith("pii:"))
        if pii:
            self.report("pii-sent-out", f"{', '.join(pii)} via {name}", host=host, fields=pii)
        if self.is_setup:
            self.report("install-hook", f"network call {name} in setup.py")
        self.url_taint = (args[0] if args else EMPTY) | kwargs.get("url", EMPTY) | kwargs.get("host", EMPTY)
        self._sink("network", every, name=name)
        self.url_taint = EMPTY

    def _file_access(self, node: ast.Call, name: str) -> Taint:
        path_node: ast.expr | None = node.args[0] if node.args else None
        if name.endswith(("read_text", "read_bytes", "write_text", "write_bytes", ".open")) and isinstance(
            node.func, ast.Attribute
        ):
            path_node = node.func.value
        if name in P.FILE_WRITERS and len(node.args) >= 2:
            path_node = node.args[1]
        const = self.cs(path_node)
        writing = name in P.FILE_WRITERS or name.endswith(("write_text", "write_bytes"))
        mode_node = (
            node.args[1]
            if name == "open" and len(node.args) >= 2
            else next((kw.value for kw in node.keywords if kw.arg == "mode"), None)
        )
        if name.endswith(".open") and node.args:
            mode_node = node.args[0]
        mode = self.cs(mode_node)
        if mode and re.search(r"[wax+]", mode.value):
            writing = True
        path = const.value if const else None
        result: Taint = EMPTY
        source_node = node.args[0] if name in P.FILE_WRITERS and node.args else path_node
        hint = self.path_hint(source_node)
        if path is not None and path in self.credential_copies:
            result = frozenset({"credfile"})  # reported once, where the store was copied
        elif (path and P.is_credential_path(path)) or P.is_credential_path(hint):
            self.report("credential-file-access", path or hint)
            result = frozenset({"credfile"})
            if name in P.FILE_WRITERS and path:
                self.credential_copies.add(path)
        elif writing:
            self.report("filesystem-write", path or name)
            if path and P.AUTOSTART_RE.search(path):
                self.report("autostart-persistence", path)
            elif path and re.search(r"\.(dll|so|dylib)$", path, re.I):
                self.report("dll-hijacking", f"writes {path}")
            elif path and P.is_outside_scratch(path):
                self.report("write-outside-scratch", path)
        elif path and P.is_host_path(path):
            self.report("host-path-access", path)
        return result


def _called(name: str, prefixes: tuple[str, ...]) -> bool:
    """``name`` is one of the calls, or a function of one of the modules (not a method of their results)."""
    for prefix in prefixes:
        if name == prefix:
            return True
        if (
            name.startswith(prefix)
            and (prefix.endswith(".") or name[len(prefix)] == ".")
            and "()" not in name[len(prefix) :]
        ):
            return True
    return False


def _try_decode(callee: str, value: str, extra: list[Const | None]) -> str | None:
    data = value.encode("latin-1", "replace")
    try:
        if callee.startswith("base64.b64") or callee in (
            "base64.standard_b64decode",
            "base64.decodebytes",
            "binascii.a2b_base64",
        ):
            return base64.b64decode(data).decode("latin-1")
        if callee == "base64.urlsafe_b64decode":
            return base64.urlsafe_b64decode(data).decode("latin-1")
        if callee == "base64.b32decode":
            return base64.b32decode(data).decode("latin-1")
        if callee in (
            "bytes.fromhex",
            "bytearray.fromhex",
            "binascii.unhexlify",
            "binascii.a2b_hex",
            "base64.b16decode",
        ):
            return binascii.unhexlify("".join(value.split())).decode("latin-1")
        if callee == "codecs.decode" and extra and extra[0] is not None:
            codec = extra[0].value.lower().replace("-", "_")
            if codec in ("rot13", "rot_13"):
                return codecs.decode(value, "rot13")
            if codec in ("hex", "hex_codec"):
                return binascii.unhexlify(value).decode("latin-1")
            if codec in ("base64", "base64_codec"):
                return base64.b64decode(data).decode("latin-1")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return None


def analyze_python(
    source: str,
    path: str,
    *,
    pii_fields: Iterable[str] = (),
    declared_secrets: Iterable[str] | None = None,
    blob_min_chars: int = 256,
) -> tuple[list[Finding], FileFacts]:
    """Findings and facts for one Python file; a file that does not parse yields ``unparsable-source``."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return [
            make_finding("unparsable-source", path, line, source_lines=lines, message=str(exc)[:120])
        ], FileFacts()
    base = path.rsplit("/", 1)[-1]
    analyzer = Analyzer(
        tree,
        path,
        lines,
        pii_fields=pii_fields,
        declared_secrets=declared_secrets,
        is_setup=base == "setup.py",
        blob_min_chars=blob_min_chars,
    )
    try:
        findings, facts = analyzer.run()
    except RecursionError:
        return [
            make_finding("unparsable-source", path, 1, message="nesting too deep to analyse")
        ], FileFacts()
    facts.statement_start = statement_starts(tree)
    if base in ("sitecustomize.py", "usercustomize.py"):
        findings.append(
            make_finding("install-hook", path, 1, source_lines=lines, message=f"{base} runs at start-up")
        )
    return findings, facts


def statement_starts(tree: ast.Module) -> dict[int, int]:
    """Map every continuation line of a multi-line statement (or compound header) to its first line."""
    starts: dict[int, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        end = (
            (body[0].lineno - 1)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt)
            else node.end_lineno
        )
        for number in range(node.lineno + 1, (end or node.lineno) + 1):
            starts[number] = node.lineno
    return starts


def iter_strings(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node

"""The Python analysis: one AST walk per file with light, intra-procedural data flow.

Why hand-written rather than Semgrep or bandit: Semgrep is a separate binary and too slow to start per
package, and bandit checks code quality one call at a time; neither follows a decoded value from
``base64.b64decode`` through a variable into ``exec``, or resolves ``getattr(__import__('o'+'s'), 'sys'+'tem')``.

How it works: names are resolved to qualified names through imports and assignments, string expressions are
folded to constants (:mod:`governance.detectors.folding`), and every value carries a set of *taint* labels
(``decoded``, ``downloaded``, ``downloaded-file``, ``env-bulk``, ``env:KEY``, ``credfile``, ``sysinfo``,
``clipboard``, ``pii:field``, ``param:N``...). What is dangerous is decided by the sink families in
:mod:`governance.detectors.plugins`, which see every call with the labels of its arguments. Functions get
summaries (labels of their return value, parameters that reach sinks, whether they do something risky) in a
first pass, so a payload passed through a helper function is still followed.

The walk also keeps the context a finding is judged in: test code (``tests/``, ``test_*.py``; not
``conftest.py``, which pytest runs), install-time code (``setup.py``, build hooks and backends), the ``if``
tests that guard a statement, and the class being defined.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import Any

from governance.detectors import patterns as P
from governance.detectors.folding import Folding
from governance.detectors.plugins import CallSite, Plugin, load_plugins
from governance.detectors.scope import EMPTY, Const, FileFacts, Scope, Summary, Taint, dotted
from governance.findings import Finding, make_finding
from governance.rules import RULES

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
TEST_PATH_RE = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_tests?\.py$")
# Rules whose findings in test code are lowered: what tests legitimately exercise. Data-flow threats
# (decoded or downloaded code executed, data sent out) are not: tests are a known hiding place (GuardDog skips them).
TEST_LOWERED = frozenset({"clipboard-access", "dll-hijacking", "dynamic-code", "api-obfuscation",
                          "unsafe-deserialization", "global-state-tampering", "write-outside-scratch",
                          "host-path-access", "shell-command", "screenshot", "raw-ip-url", "suspicious-url",
                          "encoded-blob"})  # fmt: skip
# Capabilities an explicit command-line option can ask for (``if args.paste:``); not environment checks,
# which are how malware avoids sandboxes and CI.
OPTION_LOWERED = frozenset({"clipboard-access", "dynamic-code", "shell-command", "unsafe-deserialization"})
OPTION_ROOTS = ("args.", "options.", "opts.", "cli_args.", "flags.", "self.args.", "self.options.")
BUILD_BACKEND_HOOKS = frozenset(
    {"build_wheel", "build_sdist", "build_editable", "prepare_metadata_for_build_wheel"}
)
MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "appendleft", "put", "write", "writelines"}
)


class Analyzer(Folding):
    def __init__(
        self,
        tree: ast.Module,
        path: str,
        lines: list[str],
        *,
        pii_fields: Iterable[str] = (),
        declared_secrets: Iterable[str] | None = None,
        blob_min_chars: int = 256,
    ) -> None:
        self.tree = tree
        self.path = path
        self.lines = lines
        base = path.rsplit("/", 1)[-1]
        self.pii = frozenset(pii_fields) | P.DEFAULT_PII_FIELDS
        # None: no manifest, so nothing is declared and only secrets put into a URL or host name count.
        self.declared_secrets = None if declared_secrets is None else frozenset(declared_secrets)
        self.url_taint: Taint = EMPTY
        self.is_setup = base in ("setup.py", "hatch_build.py")
        self.in_tests = bool(TEST_PATH_RE.search(path)) and base != "conftest.py"
        self.blob_min_chars = blob_min_chars
        self.plugins: tuple[Plugin, ...] = load_plugins()
        # The hooks each plugin defines, looked up once: the walk calls them for every call and string.
        self.call_hooks = [p.call for p in self.plugins if p.call]
        self.string_hooks = [p.string for p in self.plugins if p.string]
        self.findings: dict[tuple[str, int], Finding] = {}
        self.facts = FileFacts()
        self.summaries: dict[str, Summary] = {}
        self.reporting = False
        self.line = 1
        self.scope = Scope()
        # Per-file state the plugins share (downloaded paths, written libraries, risky command classes...).
        self.state: dict[str, Any] = {}
        self.docstrings: set[int] = set()
        self.file_uses_dup2 = False
        self.image_bit_ops = False
        self.guards: list[ast.expr] = []
        self.classes: list[ast.ClassDef] = []
        self.loop_depth = 0
        self._module_aliases: dict[str, str] = {}
        # Taint of ``self.x`` and of ``global`` names, across methods and functions (kept over all passes).
        self.shared_taint: dict[str, Taint] = {}
        self.global_names: set[str] = set()

    # --- entry point -----------------------------------------------------------------------------------
    def run(self) -> tuple[list[Finding], FileFacts]:
        module_aliases = self._collect_imports()
        self._module_aliases = module_aliases
        self._prescan()
        # Pass 1 computes function summaries (twice, so helpers calling helpers settle); pass 2 reports.
        for _ in range(2):
            self._reset(module_aliases)
            self._block(self.tree.body)
        self.reporting = True
        self._reset(module_aliases)
        self._block(self.tree.body)
        return list(self.findings.values()), self.facts

    def _reset(self, module_aliases: dict[str, str]) -> None:
        self.scope = Scope(aliases=dict(module_aliases))
        for key, value in list(self.state.items()):
            if isinstance(value, set) and not key.startswith("keep:"):
                self.state[key] = set()

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
                if isinstance(node, ast.ClassDef) and any(
                    (dotted(b) or "").endswith("BuildHookInterface") for b in node.bases
                ):
                    self.is_setup = True  # a hatchling build hook runs whenever a wheel is built
            elif isinstance(node, ast.Attribute) and node.attr == "dup2":
                self.file_uses_dup2 = True
            elif (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.BitAnd)
                and isinstance(node.right, ast.Constant)
                and node.right.value == 1
            ):
                self.image_bit_ops = True
        # A PEP 517 backend in the source tree (pyproject ``backend-path``) runs while the package is built.
        if any(
            isinstance(stmt, ast.FunctionDef) and stmt.name in BUILD_BACKEND_HOOKS for stmt in self.tree.body
        ) and any(
            "build_meta" in name or name.startswith(("hatchling", "flit_core")) for name in self.facts.imports
        ):
            self.is_setup = True

    # --- reporting ---------------------------------------------------------------------------------------
    def report(
        self,
        rule: str,
        message: str | None = None,
        line: int | None = None,
        *,
        lowered: str | None = None,
        **extra: Any,
    ) -> None:
        """Record a finding. ``lowered`` names why it is weak (a constant, a guard, test code): it is kept for a
        reviewer at low severity and low confidence instead of being dropped."""
        if not self.reporting:
            return
        if lowered is None and self.in_tests and rule in TEST_LOWERED:
            lowered = "in test code"
        if lowered is None and rule in OPTION_LOWERED and self.guards and extra.get("severity") != "high":
            option = next((n for n in self.guard_names() if n.startswith(OPTION_ROOTS)), None)
            if option:
                lowered = f"only when the user asks for it ({option})"
        if lowered is not None:
            extra["severity"] = "low"
            extra["confidence"] = "low"
            message = f"{message} ({lowered})" if message else lowered
        at = line or self.line
        key = (rule, at)
        existing = self.findings.get(key)
        severity = extra.get("severity") or RULES[rule].severity
        if existing is not None and SEVERITY_RANK[existing.severity] >= SEVERITY_RANK[severity]:
            return  # the same rule on the same statement: keep the strongest, build nothing
        self.findings[key] = make_finding(
            rule, self.path, at, source_lines=self.lines, message=message, **extra
        )

    # --- context -----------------------------------------------------------------------------------------
    @property
    def function(self) -> str | None:
        return self.scope.function

    @property
    def summary(self) -> Summary | None:
        return self.summaries.setdefault(self.scope.function, Summary()) if self.scope.function else None

    def mark_risky(self) -> None:
        """The current function or class does something risky if run at install time."""
        if self.scope.function:
            self.summaries.setdefault(self.scope.function, Summary()).risky = True
        risky: set[str] = self.state.setdefault("keep:risky-classes", set())
        for node in self.classes:
            risky.add(node.name)

    def guard_names(self) -> set[str]:
        """Names read by the ``if`` tests around the current statement (``args.copy``, ``sys.argv``)."""
        names: set[str] = set()
        for test in self.guards:
            for node in ast.walk(test):
                name = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
                if name:
                    names.add(name)
        return names

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
                if isinstance(stmt.op, ast.BitXor) or (
                    self.loop_depth and isinstance(stmt.op, ast.Add) and ("decoded" in taint)
                ):
                    taint = taint | {"decoded"}
                name = dotted(stmt.target)
                if name:
                    self.scope.taint[name] = self.scope.taint.get(name, EMPTY) | taint
                    self.scope.consts.pop(name, None)
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
                self.guards.append(stmt.test)
                self.loop_depth += isinstance(stmt, ast.While)
                self._block(stmt.body)
                self._block(stmt.orelse)
                self.loop_depth -= isinstance(stmt, ast.While)
                self.guards.pop()
            case ast.For() | ast.AsyncFor():
                taint = self.ev(stmt.iter)
                self._assign(stmt.target, stmt.iter, taint, iterating=True)
                self.loop_depth += 1
                self._block(stmt.body)
                self._block(stmt.orelse)
                self.loop_depth -= 1
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
                            self.scope.hints[name] = self.path_hint(call.args[0])
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
            case ast.Global(names=names):
                self.global_names.update(names)
            case ast.Delete():
                for target in stmt.targets:
                    self._assign_hooks(target, target)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.ev(decorator)
        outer, guards = self.scope, self.guards
        self.scope = outer.child(node.name)
        self.guards = []
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
        self.scope, self.guards = outer, guards
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
        for plugin in self.plugins:
            if plugin.class_def:
                plugin.class_def(self, node)
        for keyword in node.keywords:
            self.ev(keyword.value)
        outer = self.scope
        self.scope = outer.child(outer.function or "")
        self.scope.function = None
        self.classes.append(node)
        self._block(node.body)
        self.classes.pop()
        self.scope = outer
        self.line = node.lineno
        for plugin in self.plugins:
            if plugin.class_end:
                plugin.class_end(self, node)

    def _assign_hooks(self, target: ast.expr, value: ast.expr) -> None:
        for plugin in self.plugins:
            if plugin.assign:
                plugin.assign(self, target, value)

    def _assign(self, target: ast.expr, value: ast.expr, taint: Taint, iterating: bool = False) -> None:
        self._assign_hooks(target, value)
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
        if name.startswith(("self.", "cls.")) or name in self.global_names:
            self.shared_taint[name] = self.shared_taint.get(name, EMPTY) | taint
        self.scope.handles.pop(name, None)
        self.scope.callers.pop(name, None)
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
        if (
            isinstance(value, ast.Call)
            and value.args
            and not iterating
            and self.resolve(value.func)[0] == "operator.methodcaller"
        ):
            method = self.cs(value.args[0])
            if method is not None:
                self.scope.callers[name] = method
        resolved, level = (None, 0) if iterating else self.resolve(value)
        self.scope.assigned_aliases.discard(name)
        self.scope.literal_aliases.discard(name)
        if resolved and isinstance(value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.IfExp)):
            self.scope.aliases[name] = resolved
            if level >= 2 or (
                isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)) and resolved in P.DANGEROUS
            ):
                # A dangerous function renamed by assignment, or a module reached by string tricks.
                self.scope.assigned_aliases.add(name)
            elif level == 1:
                self.scope.literal_aliases.add(name)
        else:
            self.scope.aliases.pop(name, None)

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
                if self.reporting and id(node) not in self.docstrings and len(value) >= 8:
                    for string_hook in self.string_hooks:
                        string_hook(self, node, value)
                return EMPTY
            case ast.Constant():
                return EMPTY
            case ast.Name(id=name):
                taint = self.scope.taint.get(name, EMPTY)
                if name in self.global_names:
                    taint = taint | self.shared_taint.get(name, EMPTY)
                if name in self.pii:
                    taint = taint | {self._pii(name)}
                return taint
            case ast.Attribute(value=value, attr=attr):
                resolved, _ = self.resolve(node)
                if resolved in P.ENV_OBJECTS:
                    return frozenset({"env-bulk"})
                chain = dotted(node)
                taint = self.scope.taint.get(chain, EMPTY) if chain else EMPTY
                if chain and chain.startswith(("self.", "cls.")):
                    taint = taint | self.shared_taint.get(chain, EMPTY)
                taint = taint | self.ev(value)
                if attr in self.pii:
                    taint = taint | {self._pii(attr)}
                return taint
            case ast.Subscript(value=value, slice=key):
                base, _ = self.resolve(value)
                const = self.cs(key)
                if base in P.ENV_OBJECTS:
                    self.ev(key)
                    self.env_read(const.value if const else "?")
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
            case ast.BinOp(op=ast.BitXor()):
                # XOR with a key is the commonest home-made cipher: what comes out is decoded data.
                return self.ev(node.left) | self.ev(node.right) | {"decoded"}
        taint = EMPTY
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                taint |= self.ev(child)
        const = self.cs(node) if isinstance(node, (ast.BinOp, ast.Subscript)) else None
        if const is not None and const.built >= 2:
            taint |= {"decoded"}
        return taint

    # --- calls -------------------------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> Taint:
        name, level = self._methodcaller(node)
        if name is None:
            name, level = self.resolve(node.func)
        func = node.func
        receiver: Taint = EMPTY
        if name in P.ENV_GETTERS:
            key = self.cs(node.args[0]) if node.args else None
            for arg in node.args[1:]:
                self.ev(arg)
            self.env_read(key.value if key else "?")
            return frozenset({f"env:{key.value}" if key else "env:?"})
        receiver_name = ""
        if isinstance(func, ast.Attribute):
            receiver = self.ev(func.value)
            receiver_name = dotted(func.value) or ""
            if receiver_name:
                receiver |= self.scope.taint.get(receiver_name, EMPTY)
        elif not isinstance(func, ast.Name):
            receiver = self.ev(func)
        args = [self.ev(arg) for arg in node.args]
        kwargs = {kw.arg: self.ev(kw.value) for kw in node.keywords}
        every = receiver.union(*args, *kwargs.values())
        if name is None and isinstance(func, ast.Attribute) and func.attr in ("get",) and node.args:
            key = self.cs(node.args[0])
            if key and key.value in self.pii:
                every = every | {self._pii(key.value)}
        site = CallSite(node, name, level, receiver, args, kwargs, every, every, receiver_name)
        if isinstance(func, ast.Attribute) and receiver_name and func.attr in MUTATORS:
            self._mutate(receiver_name, EMPTY.union(*args))
        for call_hook in self.call_hooks:
            call_hook(self, site)
        if name is None:
            summary = self._summary_for(func)
            if summary:
                self._apply_summary(summary, args)
                return summary.returns | site.result
        return site.result

    def _methodcaller(self, node: ast.Call) -> tuple[str | None, int]:
        """``operator.methodcaller("system", cmd)(os)`` calls ``os.system``."""
        func = node.func
        method: Const | None = None
        if isinstance(func, ast.Name):
            method = self.scope.callers.get(func.id)
        elif (
            isinstance(func, ast.Call) and func.args and self.resolve(func.func)[0] == "operator.methodcaller"
        ):
            method = self.cs(func.args[0])
        if method is None or not node.args:
            return None, 0
        base, _ = self.resolve(node.args[0])
        return (f"{base}.{method.value}", 2) if base else (None, 0)

    def _mutate(self, receiver_name: str, taint: Taint) -> None:
        """``chunks.append(part)``, ``fh.write(data)``: the container now holds what was put in it."""
        if not taint:
            return
        if taint & {"downloaded"}:
            taint = taint | {"downloaded-file"}
            if receiver_name in self.scope.handles:
                self.mark_downloaded_path(self.scope.handles[receiver_name])
        self.scope.taint[receiver_name] = self.scope.taint.get(receiver_name, EMPTY) | taint

    def _pii(self, name: str) -> str:
        if self.reporting and (name, self.line) not in self.facts.pii_uses:
            self.facts.pii_uses.append((name, self.line))
        return f"pii:{name}"

    def env_read(self, key: str) -> None:
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

    def function_summary(self, node: ast.expr | None) -> Summary | None:
        return self._summary_for(node) if node is not None else None

    def _apply_summary(self, summary: Summary, args: list[Taint]) -> None:
        for index, kinds in list(summary.param_sinks.items()):
            if index < len(args):
                for kind in sorted(kinds):
                    self.sink(kind, args[index], via_helper=True)
        if summary.risky and (self.is_setup or self.state.get("command-depth")):
            self.mark_risky()

    def sink(self, kind: str, taint: Taint, *, via_helper: bool = False, name: str = "") -> None:
        """Record parameters that reach sinks (for summaries) and let the families judge tainted data there."""
        if self.scope.function is not None:
            for label in taint:
                if label.startswith("param:"):
                    summary = self.summaries.setdefault(self.scope.function, Summary())
                    summary.param_sinks.setdefault(int(label[6:]), set()).add(kind)
        suffix = " (through a helper function)" if via_helper else ""
        for plugin in self.plugins:
            if plugin.sink:
                plugin.sink(self, kind, taint, name, suffix)

    def mark_downloaded_path(self, path_node: ast.expr) -> None:
        const = self.cs(path_node)
        paths: set[str] = self.state.setdefault("downloaded-paths", set())
        if const:
            paths.add(const.value)
        name = dotted(path_node)
        if name:
            self.scope.taint[name] = self.scope.taint.get(name, EMPTY) | {"downloaded-file"}

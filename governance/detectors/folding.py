"""Name resolution and constant folding for the Python analysis.

``resolve`` turns a callee or object into a qualified name through imports and assignments, and says how
indirect the way to it was: 0 plain (``os.system``), 1 through a literal name (``getattr(os, "system")``,
``__import__("os")``), 2 through a *built* name or a renaming assignment (``getattr(os, "sy" + "stem")``,
``s = os.system``). ``cs`` folds string expressions to constants (concatenation, ``join``, ``chr``, reversal,
hex/base64/rot13 of literals), and ``path_hint`` keeps the known parts of a path, naming the unknown parts by
where they come from (``$TEMP``, ``$ENV:APPDATA``, ``$PKG`` for the package's own directory, ``*`` otherwise).
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs

from governance.detectors import patterns as P
from governance.detectors.scope import Const, Scope

MAX_CONST = 20_000
BUILTIN_NAMES = frozenset(
    {"exec", "eval", "compile", "open", "__import__", "getattr", "globals", "locals", "vars", "print",
     "input", "execfile", "setattr", "chr", "ord", "bytes", "str", "dict", "map", "len", "repr"}
)  # fmt: skip
NAMESPACES = ("globals()", "builtins", "builtins.__dict__", "__builtins__")
TEMP_CALLS = frozenset({"tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.mkstemp", "tempfile.mktemp",
                        "tempfile.gettempdirb", "tempfile.NamedTemporaryFile"})  # fmt: skip


class Folding:
    scope: Scope

    # --- names ---------------------------------------------------------------------------------------------
    def resolve(self, node: ast.AST) -> tuple[str | None, int]:
        """Qualified name of a callee or object, and how indirect the way to it was (0, 1 or 2)."""
        match node:
            case ast.Name(id=name):
                if name in self.scope.aliases:
                    level = (
                        2 if name in self.scope.assigned_aliases else int(name in self.scope.literal_aliases)
                    )
                    return self._normalise(self.scope.aliases[name]), level
                if name in self.scope.taint or name in self.scope.consts:
                    return None, 0
                if name in BUILTIN_NAMES or name in ("__builtins__", "builtins"):
                    return ("builtins" if name == "__builtins__" else name), 0
                return None, 0
            case ast.Attribute(value=value, attr=attr):
                base, level = self.resolve(value)
                return (self._normalise(f"{base}.{attr}"), level) if base else (None, 0)
            case ast.Call(func=func, args=args):
                return self._resolve_call(func, args)
            case ast.Subscript(value=value, slice=key):
                base, level = self.resolve(value)
                const = self.cs(key)
                if not base or not const:
                    return None, 0
                # A namespace lookup (globals()["exec"], sys.modules["os"]) is never how honest code calls a
                # function, literal or not.
                level = 2
                if base in NAMESPACES:
                    return self._normalise(const.value), level
                if base == "sys.modules":
                    return const.value, level
                if base.endswith(".__dict__"):
                    return self._normalise(f"{base[: -len('.__dict__')]}.{const.value}"), level
                return None, 0
            case ast.IfExp(body=body, orelse=orelse):
                # ``a if cond else b``: either may run; the more dangerous reading is the one to judge.
                first, second = self.resolve(body), self.resolve(orelse)
                return first if first[0] in P.DANGEROUS or not second[0] else second
        return None, 0

    def _resolve_call(self, func: ast.expr, args: list[ast.expr]) -> tuple[str | None, int]:
        if isinstance(func, ast.IfExp):
            # (a.get if cond else b.get)("exec"): either branch may be the one called.
            first = self._resolve_call(func.body, args)
            return first if first[0] else self._resolve_call(func.orelse, args)
        callee, level = self.resolve(func)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("get", "__getitem__", "__getattribute__")
            and args
        ):
            # globals().get("exec"), vars(builtins).get(...), os.__getattribute__("system")
            base, _ = self.resolve(func.value)
            const = self.cs(args[-1] if func.attr == "__getattribute__" else args[0])
            if base and const:
                if func.attr == "__getattribute__" and len(args) == 2:
                    base, _ = self.resolve(args[0])
                    if not base:
                        return None, 0
                if base in NAMESPACES:
                    return self._normalise(const.value), 2
                if base == "sys.modules":
                    return const.value, 2
                if base.endswith(".__dict__"):
                    return self._normalise(f"{base[: -len('.__dict__')]}.{const.value}"), 2
                if func.attr == "__getattribute__":
                    return self._normalise(f"{base}.{const.value}"), 2
        if callee in ("__import__", "importlib.import_module", "importlib.__import__") and args:
            const = self.cs(args[0])
            return (const.value, 2 if const.built else 1) if const else (None, 0)
        if callee == "getattr" and len(args) >= 2:
            base, base_level = self.resolve(args[0])
            const = self.cs(args[1])
            if base and const:
                # getattr(os, "startfile", None) with a literal and a default probes for a feature.
                literal = 0 if len(args) >= 3 else 1
                return self._normalise(f"{base}.{const.value}"), max(
                    base_level, 2 if const.built else literal
                )
            return None, 0
        if callee in ("eval", "builtins.eval") and args:
            # eval of an attribute chain returns the object itself: ``eval("os.sys" + "tem")``.
            const = self.cs(args[0])
            if const and const.value.replace(".", "").replace("_", "").isalnum():
                head, _, rest = const.value.partition(".")
                base, _ = self.resolve(ast.Name(id=head))
                if base:
                    return self._normalise(f"{base}.{rest}" if rest else base), 2
            return ("eval()", level)
        if isinstance(func, ast.Call) and args:
            # operator.attrgetter("name")(obj) is obj.name
            inner, _ = self.resolve(func.func)
            if inner == "operator.attrgetter" and func.args:
                const = self.cs(func.args[0])
                base, _ = self.resolve(args[0])
                if const and base:
                    return self._normalise(f"{base}.{const.value}"), 2 if const.built else 1
        if callee in ("globals", "locals", "vars"):
            if callee == "vars" and args:
                base, _ = self.resolve(args[0])
                return (f"{base}.__dict__" if base else None), level
            return "globals()", level
        return (f"{callee}()", level) if callee else (None, 0)

    @staticmethod
    def _normalise(name: str) -> str:
        if name in ("builtins.__dict__", "__builtins__.__dict__"):
            return "builtins.__dict__"
        for prefix in ("builtins.", "__builtins__.", "globals()."):
            if name.startswith(prefix):
                return name[len(prefix) :]
        if name.startswith("pathlib.Path."):
            return "Path" + name[len("pathlib.Path") :]
        return name

    # --- constants -----------------------------------------------------------------------------------------
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
        if callee in ("str", "os.fspath", "compile") and args:
            # compile() of a known string is that string, for judging what exec will run.
            return self.cs(args[0], depth + 1)
        if callee in ("os.path.expanduser", "os.path.expandvars", "os.path.abspath", "Path", "Path.expanduser",
                      "os.path.normpath", "os.path.realpath") and args:  # fmt: skip
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
                decoded = try_decode(callee, inner.value, [self.cs(a, depth + 1) for a in args[1:]])
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
                xor = None
                if (
                    isinstance(arg, ast.BinOp)
                    and isinstance(arg.right, ast.Constant)
                    and isinstance(arg.right.value, int)
                ):
                    if isinstance(arg.op, ast.BitXor):
                        xor = arg.right.value
                    else:
                        offset = arg.right.value if isinstance(arg.op, ast.Add) else -arg.right.value
                    arg = arg.left
                if isinstance(arg, ast.Name) and arg.id == gen.target.id:
                    try:
                        return [Const(chr(i ^ xor if xor is not None else i + offset), 2) for i in ints]
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

    # --- paths ---------------------------------------------------------------------------------------------
    def path_hint(self, node: ast.AST | None, depth: int = 0) -> str:
        """A path with its unknown parts named: ``os.path.join(tempfile.gettempdir(), "x.dll")`` → ``$TEMP/x.dll``.

        ``$TEMP`` temporary directories, ``$ENV:NAME`` environment variables, ``$ARGV`` the command line,
        ``$INPUT`` interactive input, ``$CWD`` the working directory, ``$PKG`` the package's own directory
        (from ``__file__``), ``~`` the home directory, ``*`` anything else.
        """
        if node is None or depth > 10:
            return "*"
        const = self.cs(node)
        if const is not None:
            return const.value
        match node:
            case ast.Name(id="__file__"):
                return "$PKG/__file__"
            case ast.Name(id=name):
                return self.scope.hints.get(name, "*")
            case ast.Attribute(value=ast.Name(id=name), attr="name") if name in self.scope.hints:
                return self.scope.hints[name]
            case ast.BinOp(left=left, op=ast.Add() | ast.Div() as op, right=right):
                sep = "/" if isinstance(op, ast.Div) else ""
                return self.path_hint(left, depth + 1) + sep + self.path_hint(right, depth + 1)
            case ast.JoinedStr(values=values):
                return "".join(
                    self.path_hint(v.value if isinstance(v, ast.FormattedValue) else v, depth + 1)
                    for v in values
                )
            case ast.Subscript(value=value, slice=key):
                base, _ = self.resolve(value)
                if base in P.ENV_OBJECTS:
                    name_const = self.cs(key)
                    return f"$ENV:{name_const.value if name_const else '?'}"
                if base == "sys.argv":
                    return "$ARGV"
                return self.path_hint(value, depth + 1)
            case ast.IfExp(body=body, orelse=orelse):
                first = self.path_hint(body, depth + 1)
                return first if first.strip("*/") else self.path_hint(orelse, depth + 1)
            case ast.Call(func=func, args=args):
                return self._path_hint_call(node, func, args, depth)
        return "*"

    def _path_hint_call(self, node: ast.Call, func: ast.expr, args: list[ast.expr], depth: int) -> str:
        callee, _ = self.resolve(func)
        if callee in P.ENV_GETTERS:
            key = self.cs(args[0]) if args else None
            return f"$ENV:{key.value if key else '?'}"
        if callee in ("tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.gettempdirb"):
            return "$TEMP"
        if callee in TEMP_CALLS:
            suffix = next((self.cs(kw.value) for kw in node.keywords if kw.arg == "suffix"), None)
            return "$TEMP/*" + (suffix.value if suffix else "")
        if callee in ("os.getcwd", "Path.cwd"):
            return "$CWD"
        if callee in ("input", "sys.stdin.readline", "sys.stdin.read"):
            return "$INPUT"
        if callee in ("Path.home", "os.path.expanduser") and not args:
            return "~"
        if callee in ("site.getsitepackages", "site.getusersitepackages", "sysconfig.get_paths"):
            return "$SITE"
        if callee == "ctypes.util.find_library":
            return "$SYSLIB"
        if not args:
            if isinstance(func, ast.Attribute) and func.attr in ("parent", "resolve", "absolute"):
                return self.path_hint(func.value, depth + 1)
            return "*"
        if callee == "os.path.join":
            return "/".join(self.path_hint(a, depth + 1) for a in args)
        if callee in ("Path", "os.path.expanduser", "str", "os.fspath", "os.path.abspath", "os.path.dirname",
                      "os.path.realpath", "os.path.normpath", "os.path.expandvars", "Path.expanduser"):  # fmt: skip
            return self.path_hint(args[0], depth + 1)
        return "*"


def try_decode(callee: str, value: str, extra: list[Const | None]) -> str | None:
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
        if callee == "base64.b85decode":
            return base64.b85decode(data).decode("latin-1")
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

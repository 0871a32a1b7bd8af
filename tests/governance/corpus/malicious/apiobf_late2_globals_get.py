# ruff: noqa
# fmt: off
fn = globals().get("__builtins__")
ex = (fn.get if isinstance(fn, dict) else fn.__dict__.get)("ex" + "ec")
ex("print(2)")  # expect: api-obfuscation

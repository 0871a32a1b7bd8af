# ruff: noqa
# fmt: off
"""Held-out: payload decoded inside a lambda and a comprehension."""
import base64 as b, zlib as z

_ = lambda s: z.decompress(b.b64decode(s))
exec(_("eJxLzs8rSc0rUcgsyC8qUcgvyy9RSMsvylUEADLmBRc="))  # expect: exec-base64
[exec(b.b32decode(x)) for x in ["OBZGS3TUFAYSS==="]]  # expect: exec-base64

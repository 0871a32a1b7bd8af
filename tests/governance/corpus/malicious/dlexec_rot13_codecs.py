# ruff: noqa
# fmt: off
"""rot13 through codecs.decode on a variable."""
import codecs

SRC = "vzcbeg bf; bf.flfgrz('vq')"
plain = codecs.decode(SRC, "rot_13")
exec(plain)  # expect: exec-base64

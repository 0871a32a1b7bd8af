# ruff: noqa
# fmt: off
"""argparse namespaces and a registry of commands resolved by name."""
import argparse
import builtins

parser = argparse.ArgumentParser()
parser.add_argument("--verbose", action="store_true")
args = parser.parse_args([])
verbose = vars(args)["verbose"]  # ok: api-obfuscation
say = getattr(builtins, "print")  # ok: api-obfuscation
say("ready")

COMMANDS = {"list": lambda: [], "show": lambda: {}}


def run(command):
    return COMMANDS[command]()  # ok: api-obfuscation


banner = "".join(map(chr, [72, 101, 108, 108, 111]))  # ok: api-obfuscation
codes = bytes.fromhex("48656c6c6f").decode()  # ok: api-obfuscation
reversed_name = "olleh"[::-1]  # ok: api-obfuscation

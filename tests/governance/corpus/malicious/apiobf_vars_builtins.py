# ruff: noqa
# fmt: off
"""The builtins namespace through vars(); the name of eval built from halves."""
import builtins

vars(builtins)["ev" + "al"](input_code := "__import__('os').getcwd()")  # expect: api-obfuscation, dynamic-code

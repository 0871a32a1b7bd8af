# ruff: noqa
# fmt: off
"""The payload passes through helper functions before it runs."""
import base64
import subprocess


def unpack(text):
    return base64.b64decode(text)


def launch(command):
    subprocess.run(command, shell=True)  # expect: shell-command


def run_code(source):
    exec(source)  # expect: dynamic-code


launch(unpack("aWQ="))  # expect: exec-base64
run_code(unpack("cHJpbnQoMSk="))  # expect: exec-base64


class Loader:
    def decode(self, data):
        return base64.b85decode(data)

    def go(self, data):
        stage = self.decode(data)
        exec(stage)  # expect: exec-base64

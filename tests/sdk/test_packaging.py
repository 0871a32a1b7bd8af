"""Both SDKs build and install from a clean checkout, as a partner would get them (issue 15, item 11).

Python: `python -m build` on a copy of sdk/python holding only what git would check out (sdist first,
then the wheel from the sdist), then the wheel, with its `signing` extra, into a fresh venv (no system
site-packages) whose dependencies come from the machine's configured pip index.
TypeScript: `npm ci` and `npm pack` on a copy of sdk/typescript with no dist/ (the `prepack` script must
build it), then the tarball into a fresh npm project: imported at run time by node,
and type-checked by tsc against its declarations."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY_SDK = ROOT / "sdk" / "python"
TS_SDK = ROOT / "sdk" / "typescript"

# What a checkout never holds; used only when git cannot list the files.
_ARTIFACTS = shutil.ignore_patterns(
    "node_modules", "dist", "build", "build-test", "*.egg-info", "__pycache__", "*.pyc", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", "*.tgz", "*.whl", ".venv",
)  # fmt: skip

# The run-time surface of the TypeScript SDK (sdk/typescript/src/index.ts).
TS_EXPORTS = {
    "Client", "keys", "VERSION", "AtomError", "ApiError", "ApiConnectionError", "AuthenticationError",
    "PermissionDeniedError", "NotFoundError", "ConflictError", "PayloadTooLargeError", "ValidationError",
    "RateLimitError", "ServerError", "RecorderError", "PackageError", "UsageRecorder", "buildPackage",
    "signPackage", "validateManifest", "newEventId", "ulidTimestampMs", "DEFAULT_RETRY", "backoff",
    "parseRetryAfter",
}  # fmt: skip


def _clean_env() -> dict[str, str]:
    """The caller's environment without what ties a child to this venv or to the project's settings."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "ATOM_", "DAGSTER_HOME", "DBT_PROFILES_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir)
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 600) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=_clean_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{args} in {cwd}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def _clean_copy(source: Path, target: Path) -> Path:
    """`source` as a fresh checkout would have it: the files git tracks or would track, nothing built."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "."],
        cwd=source, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0 or not listed.stdout:
        shutil.copytree(source, target, ignore=_ARTIFACTS)
        return target
    for name in listed.stdout.decode().split("\0"):
        if name and (source / name).is_file():  # a tracked file deleted in the work tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    return target


def test_the_manifests_declare_what_packing_needs() -> None:
    """Fast guards for the two mistakes item 11 found: no build before `npm pack`, and a setuptools floor
    below the first version that understands `license = "SPDX"`."""
    py = tomllib.loads((PY_SDK / "pyproject.toml").read_text())
    floor = next(r for r in py["build-system"]["requires"] if r.startswith("setuptools"))
    assert re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", floor) and int(floor.split(">=")[1].split(".")[0]) >= 77
    assert py["project"]["optional-dependencies"]["signing"] == ["cryptography>=42"]
    assert sorted(py["project"]["dependencies"]) == ["httpx>=0.27,<1", "pydantic>=2.7,<3"]

    pkg = json.loads((TS_SDK / "package.json").read_text())
    assert "npm run build" in pkg["scripts"]["prepack"]
    assert "dist" in pkg["files"]
    assert pkg["exports"]["."]["types"] == pkg["types"] == "./dist/index.d.ts"
    assert pkg["exports"]["."]["import"] == pkg["main"] == "./dist/index.js"
    assert not pkg.get("dependencies"), "the TypeScript SDK has no run-time dependencies (decision 0410)"
    # The User-Agent's version is the package's.
    assert f'export const VERSION = "{pkg["version"]}";' in (TS_SDK / "src" / "http.ts").read_text()


_PY_CHECK = """
import importlib.metadata as md, importlib.resources as res, json, sys
import atom_sdk
from atom_sdk import keys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
import base64
private_pem, public_pem = keys.generate("ed25519")
signature = keys.sign_bytes(b"wpk bytes", private_pem)
load_pem_public_key(public_pem.encode() if isinstance(public_pem, str) else public_pem).verify(
    base64.b64decode(signature), b"wpk bytes")
print(json.dumps({
    "file": atom_sdk.__file__, "version": atom_sdk.__version__, "dist_version": md.version("atom-sdk"),
    "py_typed": res.files("atom_sdk").joinpath("py.typed").is_file(),
    "distributions": sorted(d.metadata["Name"].lower() for d in md.distributions()),
    "prefix": sys.prefix, "base_prefix": sys.base_prefix,
}))
"""


@pytest.mark.slow
def test_the_python_sdk_builds_and_installs_into_a_fresh_venv(tmp_path: Path) -> None:
    source = _clean_copy(PY_SDK, tmp_path / "src" / "python")
    out = tmp_path / "out"
    # Isolated build, sdist first and the wheel from the sdist, as a release does: the backend
    # (setuptools>=77) comes from the index, not from this venv.
    _run([sys.executable, "-m", "build", "--outdir", out, source], cwd=tmp_path)
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    wheel = wheels[0]
    version = re.search(r'__version__ = "([^"]+)"', (PY_SDK / "src/atom_sdk/__init__.py").read_text())
    assert version and wheel.name == f"atom_sdk-{version[1]}-py3-none-any.whl"

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "atom_sdk/py.typed" in names and "atom_sdk/__init__.py" in names
    assert all(n.startswith(("atom_sdk/", "atom_sdk-")) for n in names), sorted(names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Provides-Extra: signing" in metadata
    assert re.search(r"Requires-Dist: cryptography>=42; extra == .signing.", metadata)
    with tarfile.open(sdists[0]) as tf:
        assert any(n.endswith("src/atom_sdk/py.typed") for n in tf.getnames())

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", f"{wheel}[signing]"], cwd=tmp_path)
    report = json.loads(_run([python, "-I", "-c", _PY_CHECK], cwd=tmp_path).strip().splitlines()[-1])

    assert Path(report["file"]).is_relative_to(venv), report["file"]  # not the repository's editable copy
    assert report["version"] == report["dist_version"] == version[1]
    assert report["py_typed"] is True
    assert report["prefix"] != report["base_prefix"]
    # Nothing of the project leaked in: the SDK, its two dependencies (and theirs), cryptography.
    assert "atom-marketplace" not in report["distributions"]
    assert {"atom-sdk", "httpx", "pydantic", "cryptography"} <= set(report["distributions"])


@pytest.mark.slow
def test_the_lowest_setuptools_the_python_sdk_admits_builds_it(tmp_path: Path) -> None:
    """The floor is not just declared: the oldest release line it lets in (setuptools 77.x) builds the
    wheel, with the SPDX license in its metadata. Under 77 the same file is refused."""
    requires = tomllib.loads((PY_SDK / "pyproject.toml").read_text())["build-system"]["requires"]
    floor = next(r for r in requires if r.startswith("setuptools>="))
    (tmp_path / "floor.txt").write_text(f"setuptools=={floor.split('>=')[1].split('.')[0]}.*\n")
    source = _clean_copy(PY_SDK, tmp_path / "src" / "python")
    out = tmp_path / "out"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--build-constraint", tmp_path / "floor.txt",
         "--wheel-dir", out, source],
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = out.glob("atom_sdk-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        info = {n.rsplit("/", 1)[-1]: zf.read(n).decode() for n in zf.namelist() if ".dist-info/" in n}
        assert "atom_sdk/py.typed" in zf.namelist()
    generator = re.search(r"^Generator: setuptools \((\d+)\.", info["WHEEL"], re.M)
    assert generator and generator[1] == floor.split(">=")[1].split(".")[0], info["WHEEL"]
    assert "License-Expression: Apache-2.0" in info["METADATA"]


def _pack_json(stdout: str) -> dict[str, object]:
    """`npm pack --json` output; lifecycle scripts may print before the JSON array."""
    start = stdout.index("[\n") if "[\n" in stdout else stdout.index("[")
    packed: list[dict[str, object]] = json.loads(stdout[start:])
    assert len(packed) == 1
    return packed[0]


_TS_CONSUMER = """\
import { Client, keys, VERSION, AtomError, type RetryPolicy, type KeyPair } from "@atom-marketplace/sdk";
const client: Client = new Client({ apiKey: "atk_test", baseUrl: "http://127.0.0.1:9" });
const pair: KeyPair = keys.generate("ed25519");
const policy: RetryPolicy | undefined = undefined;
const version: string = VERSION;
const base: typeof AtomError = AtomError;
console.log(typeof client.usage.record, pair.publicPem.length > 0, policy, version, base.name);
"""


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None, reason="node and npm are not installed"
)
def test_the_typescript_sdk_packs_and_installs_into_a_fresh_project(tmp_path: Path) -> None:
    source = _clean_copy(TS_SDK, tmp_path / "src" / "typescript")
    assert not (source / "dist").exists() and not (source / "node_modules").exists()
    npm = ["npm", "--no-audit", "--no-fund", "--prefer-offline"]
    _run([*npm, "ci"], cwd=source)
    out = tmp_path / "out"
    out.mkdir()
    packed = _pack_json(_run([*npm, "pack", "--json", "--pack-destination", out], cwd=source))
    files = {str(f["path"]) for f in packed["files"]}  # type: ignore[attr-defined]
    assert {"package.json", "README.md", "dist/index.js", "dist/index.d.ts"} <= files
    for ts in (source / "src").glob("*.ts"):  # every module compiled, with its declarations
        assert {f"dist/{ts.stem}.js", f"dist/{ts.stem}.d.ts"} <= files, ts.name
    assert not any(f.startswith(("test/", "build-test/", "node_modules/")) for f in files), sorted(files)
    tarball = out / str(packed["filename"])
    assert tarball.is_file()
    version = json.loads((TS_SDK / "package.json").read_text())["version"]

    consumer = tmp_path / "consumer"
    consumer.mkdir()
    _run(["npm", "init", "-y"], cwd=consumer)
    _run([*npm, "install", tarball], cwd=consumer)
    # No run-time dependencies: the SDK is all that was installed.
    installed = json.loads((consumer / "node_modules" / ".package-lock.json").read_text())["packages"]
    assert set(installed) == {"node_modules/@atom-marketplace/sdk"}, sorted(installed)

    names = json.loads(
        _run(["node", "-e", "import('@atom-marketplace/sdk').then(m => console.log(JSON.stringify("
              "{names: Object.keys(m), version: m.VERSION, generate: typeof m.keys.generate})))"],
             cwd=consumer)
    )  # fmt: skip
    assert set(names["names"]) >= TS_EXPORTS, sorted(TS_EXPORTS - set(names["names"]))
    assert names["version"] == version and names["generate"] == "function"

    # The declarations resolve through `exports` for a TypeScript partner (NodeNext resolution).
    dev = json.loads((TS_SDK / "package.json").read_text())["devDependencies"]
    _run([*npm, "install", "--save-dev", f"typescript@{dev['typescript']}", f"@types/node@{dev['@types/node']}"],
         cwd=consumer)  # fmt: skip
    (consumer / "consumer.mts").write_text(_TS_CONSUMER)
    tsc = [
        "node_modules/.bin/tsc", "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution",
        "nodenext", "--target", "es2022", "--types", "node",
    ]  # fmt: skip
    _run([*tsc, "consumer.mts"], cwd=consumer)
    (consumer / "wrong.mts").write_text('import { NoSuchExport } from "@atom-marketplace/sdk";\n')
    wrong = subprocess.run([*tsc, "wrong.mts"], cwd=consumer, capture_output=True, text=True, check=False)
    assert wrong.returncode != 0 and "NoSuchExport" in wrong.stdout  # the types are read, not `any`

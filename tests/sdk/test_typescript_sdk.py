"""Runs the TypeScript SDK's own tests (`npm test`: tsc, then node's test runner, unit and live) inside pytest,
so that `make test` covers both SDKs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).resolve().parents[2] / "sdk" / "typescript"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("npm") is None, reason="node and npm are not installed"),
]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_typescript_sdk_builds_and_passes_its_unit_and_live_tests() -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_HOME", "DBT_PROFILES_DIR"))
    }
    # The live tests start tests/sdk/live_server.py with this interpreter, the project's venv.
    env["ATOM_PYTHON"] = sys.executable
    if not (SDK_DIR / "node_modules" / ".bin" / "tsc").exists():
        installed = _run(["npm", "ci", "--no-audit", "--no-fund"], env)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    result = _run(["npm", "test"], env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout

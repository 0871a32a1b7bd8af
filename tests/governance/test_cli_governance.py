"""`atom scan` and `atom verify` (DESIGN 3.7), called through typer as the registered commands."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import governance
from governance import generate_keypair, sign
from tests.governance.conftest import CLEAN_STEP, MANIFEST, build_zip

app = typer.Typer()
app.command()(governance.scan)
app.command()(governance.verify)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_scan_json_puts_only_the_report_on_stdout(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "post.py"
    path.write_text("import base64\n\nexec(base64.b64decode('cHJpbnQoMSk='))\n")
    result = runner.invoke(app, ["scan", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"] == "post.py" and report["decision"] == "review"
    assert any(f["rule"] == "exec-base64" and f["line"] == 3 for f in report["findings"])


def test_scan_a_directory_and_a_wpk_with_a_signature(runner: CliRunner, tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "wpk.toml").write_text(MANIFEST)
    (tmp_path / "pkg" / "post.py").write_text(CLEAN_STEP)
    directory = json.loads(runner.invoke(app, ["scan", str(tmp_path / "pkg"), "--format", "json"]).stdout)
    assert directory["decision"] == "approve"

    wpk = tmp_path / "slack-notify-1.2.0.wpk"
    wpk.write_bytes(build_zip({"wpk.toml": MANIFEST, "post.py": CLEAN_STEP}))
    pair = generate_keypair()
    (tmp_path / "pub.pem").write_bytes(pair.public_key_pem)
    (tmp_path / "sig").write_text(sign(wpk.read_bytes(), pair.private_key_pem))
    args = [
        "scan",
        str(wpk),
        "--format",
        "json",
        "--key",
        str(tmp_path / "pub.pem"),
        "--signature",
        str(tmp_path / "sig"),
    ]
    report = json.loads(runner.invoke(app, args).stdout)
    assert report["signature"] == {"status": "valid", "key_id": pair.key_id}
    assert report["decision"] == "approve"


def test_scan_table_output_and_bad_input(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_text("import pickle\npickle.loads(b'')\n")
    table = runner.invoke(app, ["scan", str(path)])
    assert table.exit_code == 0 and "unsafe-deserialization" in table.stdout and "P-3" in table.stdout
    assert runner.invoke(app, ["scan", str(tmp_path / "missing.wpk")]).exit_code == 2
    assert runner.invoke(app, ["scan", str(path), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["scan", str(path), "--key", str(path)]).exit_code == 2


@pytest.fixture
def openssl_signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    key = tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key)], check=True
    )
    public = tmp_path / "pub.pem"
    subprocess.run(
        ["openssl", "ec", "-in", str(key), "-pubout", "-out", str(public)], check=True, capture_output=True
    )
    package = tmp_path / "p.wpk"
    package.write_bytes(build_zip({"wpk.toml": MANIFEST}))
    signature = tmp_path / "p.wpk.sig"
    subprocess.run(
        f"openssl dgst -sha256 -sign {key} {package} | base64 > {signature}", shell=True, check=True
    )
    return package, public, signature


def test_verify_accepts_an_openssl_signature(runner: CliRunner, openssl_signed):
    package, public, signature = openssl_signed
    result = runner.invoke(app, ["verify", "--key", str(public), "--signature", str(signature), str(package)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_verify_fails_with_a_reason_on_a_tampered_file_a_wrong_key_or_garbage(
    runner: CliRunner, openssl_signed, tmp_path
):
    package, public, signature = openssl_signed
    tampered = tmp_path / "tampered.wpk"
    tampered.write_bytes(package.read_bytes() + b"x")
    wrong_key = tmp_path / "other.pem"
    wrong_key.write_bytes(generate_keypair().public_key_pem)
    garbage_sig = tmp_path / "garbage.sig"
    garbage_sig.write_text("%%% not base64 %%%")
    garbage_key = tmp_path / "garbage.pem"
    garbage_key.write_text("not a key")

    def verify(key: Path, sig: Path, file: Path):
        return runner.invoke(app, ["verify", "--key", str(key), "--signature", str(sig), str(file)])

    cases = {
        "tampered": (verify(public, signature, tampered), 1, "does not match"),
        "wrong key": (verify(wrong_key, signature, package), 1, "does not match"),
        "garbage signature": (verify(public, garbage_sig, package), 2, "base64"),
        "garbage key": (verify(garbage_key, signature, package), 2, "PEM"),
        "missing file": (verify(public, signature, tmp_path / "nope.wpk"), 2, "not found"),
    }
    for name, (result, code, reason) in cases.items():
        assert result.exit_code == code, (name, result.output)
        assert reason in result.output, (name, result.output)

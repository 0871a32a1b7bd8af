"""Operational-DB rows for the portal's tests: accounts, a publisher with a package, and submissions
whose archives sit in the artifact store, with governance reports in DESIGN 3.6 shape."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from atom.artifacts import store_artifact
from atom.opdb import make_engine, migrate, session_scope
from atom.opdb.models import Package, PackageVersion, Publisher
from atom.opdb.portal import add_user
from atom.opdb.registry import PublisherKey, Submission
from atom.settings import get_settings

APP_FILE = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
MANIFEST = """[package]
name = "slack-notify"
version = "{version}"
publisher = "acme"
description = "Post workflow results to Slack"
license = "Apache-2.0"
[workflow]
entrypoint = "workflow.yaml"
[permissions]
network = ["slack.com"]
"""
STEP_V1 = "import requests\n\n\ndef run(ctx):\n    requests.post('https://slack.com/api', json=ctx)\n"
STEP_V2 = (
    "import base64\nimport requests\n\n\ndef run(ctx):\n    payload = base64.b64decode(ctx['x'])\n"
    "    exec(payload)\n    requests.post('https://slack.com/api', json=ctx)\n"
)


def wpk(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buffer.getvalue()


def package_files(version: str, step: str) -> dict[str, str]:
    return {
        "wpk.toml": MANIFEST.format(version=version),
        "workflow.yaml": "steps:\n  - run: steps/post.py\n",
        "steps/post.py": step,
    }


def risky_report(version: str) -> dict[str, Any]:
    return {
        "target": f"slack-notify-{version}.wpk",
        "sha256": "",
        "risk_score": 0.62,
        "decision": "review",
        "signature": {"status": "valid", "key_id": "key_acme"},
        "findings": [
            {
                "rule": "exec-base64",
                "category": "obfuscation",
                "severity": "high",
                "confidence": "high",
                "file": "steps/post.py",
                "line": 7,
                "message": "exec() of base64-decoded data",
                "recommendation": "Ship the code in clear text",
            }
        ],
        "policies": [
            {"id": "P-3", "name": "Execution safety", "status": "fail", "finding_rules": ["exec-base64"]},
            {"id": "P-2", "name": "Secrets and signing", "status": "pass", "finding_rules": []},
        ],
    }


def engine_url() -> str:
    url = get_settings().database_url
    migrate(url)
    return url


def seed_account(email: str, role: str, password: str) -> None:
    engine = make_engine(engine_url())
    with session_scope(engine) as session:
        add_user(session, email, role, password)
    engine.dispose()


def ensure_account(email: str, role: str) -> str:
    """An enabled account with ``role`` (created or replaced, no password), as ``atom users add`` makes
    it; the portal reads the role from it at every page run. Returns the stored e-mail."""
    engine = make_engine(engine_url())
    with session_scope(engine) as session:
        address = add_user(session, email, role, None, replace=True).email
    engine.dispose()
    return address


def seed_submissions(now: datetime) -> tuple[str, str]:
    """Publisher acme with slack-notify 1.0.0 (approved) and 1.1.0 (in review, risky). Returns the ids."""
    settings = get_settings()
    engine = make_engine(engine_url())
    with session_scope(engine) as session:
        session.add(Publisher(id="pub_acme", name="Acme", created_at=now))
        session.add(
            Package(id="pkg_slack_notify", name="slack-notify", publisher_id="pub_acme", created_at=now)
        )
        session.add(
            PublisherKey(key_id="key_acme", publisher_id="pub_acme", public_key_pem="-", created_at=now)
        )
        session.flush()
        ids = []
        for number, (version, step, status, report) in enumerate(
            [
                (
                    "1.0.0",
                    STEP_V1,
                    "approved",
                    {
                        **risky_report("1.0.0"),
                        "findings": [],
                        "risk_score": 0.05,
                        "decision": "approve",
                        "policies": [],
                    },
                ),
                ("1.1.0", STEP_V2, "in_review", risky_report("1.1.0")),
            ]
        ):
            digest, path = store_artifact(settings.artifacts_dir, wpk(package_files(version, step)))
            submission_id = f"sub_{number + 1}"
            session.add(
                Submission(
                    id=submission_id,
                    publisher_id="pub_acme",
                    package_id="pkg_slack_notify",
                    package_name="slack-notify",
                    version=version,
                    sha256=digest,
                    size_bytes=path.stat().st_size,
                    artifact_path=str(path),
                    signature="sig",
                    signing_key_id="key_acme",
                    manifest_json=json.dumps({"package": {"name": "slack-notify", "version": version}}),
                    status=status,
                    submitted_at=now - (timedelta(days=30) if number == 0 else timedelta(hours=2)),
                    submitted_by_key_id="key_1",
                    report_json=json.dumps(report),
                    decision=report["decision"],
                    risk_score=report["risk_score"],
                    scanned_at=now,
                )
            )
            session.add(
                PackageVersion(
                    package_id="pkg_slack_notify",
                    version=version,
                    status=status,
                    published_at=now,
                    sha256=digest,
                )
            )
            ids.append(submission_id)
    engine.dispose()
    return ids[0], ids[1]


def run_as(role: str, page: str | None = None, *, email: str | None = None, timeout: float = 30) -> AppTest:
    """The portal signed in as ``role`` (an account with that role, its e-mail in the session as the
    sign-in form leaves it), on ``page``
    (a file under app/app_pages/) or the default page."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=timeout)
    at.session_state["atom_identity"] = ensure_account(email or f"{role}@atom.test", role)
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}")
        at.run()
    return at

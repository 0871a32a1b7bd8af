from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"
# The corpora are data to scan, not tests to run (some hold test files of honest packages).
collect_ignore_glob = ["corpus/*", "corpus_setaside/*"]

MANIFEST = """\
[package]
name = "slack-notify"
version = "1.2.0"
publisher = "acme"
[permissions]
network = ["slack.com"]
secrets = ["SLACK_TOKEN"]
filesystem = "scratch"
subprocess = false
[data]
pii_fields = ["email"]
[budget]
max_runtime_s = 300
max_memory_mb = 512
[observability]
health_check = true
"""

CLEAN_STEP = """\
import logging
import os

import requests

log = logging.getLogger(__name__)


def health_check():
    return True


def post(text):
    token = os.environ["SLACK_TOKEN"]
    log.info("posting %d characters", len(text))
    requests.post("https://slack.com/api/chat.postMessage", json={"text": text},
                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
"""


def build_zip(members: dict[str, bytes | str], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = stat.S_IFLNK | 0o777 if name in symlinks else stat.S_IFREG | 0o644
            info.external_attr = mode << 16
            zf.writestr(info, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


@pytest.fixture
def make_wpk(tmp_path: Path) -> Callable[..., Path]:
    def make(members: dict[str, bytes | str], name: str = "pkg-1.0.0.wpk") -> Path:
        path = tmp_path / name
        path.write_bytes(build_zip(members))
        return path

    return make

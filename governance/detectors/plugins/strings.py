"""String literals: URLs of paste sites, tunnels, webhook collectors and IP-lookup services; raw public IPs;
long encoded blobs. Docstrings are skipped (the analysis does not pass them)."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

B64_RE = re.compile(r"^[A-Za-z0-9+/=_\-\s]+$")
HEX_RE = re.compile(r"^(?:[0-9a-fA-F]{2}|\\x[0-9a-fA-F]{2})+$")


def _string(an: Analyzer, node: ast.Constant, value: str) -> None:
    if "://" in value:
        host = P.url_host(value)
        if host:
            if P.WEBHOOK_PATH_RE.search(value) or P.SUSPICIOUS_HOST_RE.search(host):
                an.report("suspicious-url", f"{host}", host=host)
            elif P.is_public_ip(host):
                an.report("raw-ip-url", f"{host}", host=host)
    if len(value) >= an.blob_min_chars and " " not in value.strip():
        compact = "".join(value.split())
        if len(compact) >= an.blob_min_chars and (B64_RE.match(compact) or HEX_RE.match(compact)):
            an.report("encoded-blob", f"{len(compact):,} characters")


PLUGIN = Plugin("strings", string=_string)

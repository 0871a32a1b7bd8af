"""Hard-coded secrets: detect-secrets' 27 plugins (token formats, keywords, entropy) on candidate lines.

detect-secrets costs ~0.4 ms a line, so only lines that can hold a secret (a quoted run of 16+ token
characters, a private-key header, or a secret-like name assigned a literal) reach it. Its allowlist filter is
turned off: a ``# pragma: allowlist secret`` comment is written by the package author, whom we do not trust;
suppressions live on the platform side (governance.suppressions). Entropy hits are kept only on lines that
name a secret, because hashes and test vectors in honest code are high-entropy too (docs/governance-eval.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from governance.findings import Finding, make_finding

CANDIDATE_RE = re.compile(
    r"""(['"`][^'"`\s]{16,}|PRIVATE KEY|(passw|secret|token|api_?key|apikey|auth|credential|pwd)\w*['"]?\s*[:=]\s*[rbf]?['"][^'"]{6,})""",
    re.IGNORECASE,
)
SECRET_NAME_RE = re.compile(
    r"(passw|secret|token|api_?key|apikey|auth|credential|pwd|private)", re.IGNORECASE
)
# The fallback when detect-secrets is disabled or missing: the formats that matter most.
KNOWN_FORMATS = {
    "AWS Access Key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub Token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b"),
    "Private Key": re.compile(r"-----BEGIN ((RSA|EC|DSA|OPENSSH|PGP) )?PRIVATE KEY"),
    "Slack Token": re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    "Stripe Access Key": re.compile(r"\b[rs]k_live_[0-9a-zA-Z]{20,}"),
}
# Keyword and URL-credential hits are weak: in honest code they are documentation examples or placeholders.
WEAK_TYPES = {"Secret Keyword", "Basic Auth Credentials"}
PLACEHOLDER_RE = re.compile(
    r"(pass|secret|example|changeme|change_me|xxx|dummy|test|fake|placeholder|your|redacted|sample|foo|bar"
    r"|<|>|\{|\$|\*\*\*|%s|\.\.\.)",
    re.IGNORECASE,
)
ENTROPY_TYPES = {"Base64 High Entropy String", "Hex High Entropy String"}
IGNORED_TYPES = {"Public IP (ipv4)"}
IGNORED_FILTERS = (
    "detect_secrets.filters.allowlist.is_line_allowlisted",
    "detect_secrets.filters.common.is_invalid_file",
)


@lru_cache(maxsize=1)
def _detect_secrets_available() -> bool:
    try:
        import detect_secrets  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def _settings() -> Iterator[None]:
    from detect_secrets.settings import default_settings

    with default_settings() as settings:
        settings.disable_filters(*IGNORED_FILTERS)
        yield


def scan_secrets(path: str, text: str, *, use_detect_secrets: bool = True) -> list[Finding]:
    lines = text.splitlines()
    candidates = [
        (n, line) for n, line in enumerate(lines, 1) if len(line) < 4000 and CANDIDATE_RE.search(line)
    ]
    if not candidates:
        return []
    found: dict[tuple[str, int], Finding] = {}

    def add(rule: str, number: int, kind: str, weak: bool = False) -> None:
        if (rule, number) not in found:
            found[(rule, number)] = make_finding(
                rule,
                path,
                number,
                source_lines=lines,
                message=kind,
                severity="medium" if weak else None,
                confidence="medium" if weak else None,
            )

    for number, line in candidates:
        for kind, pattern in KNOWN_FORMATS.items():
            if pattern.search(line):
                add("hardcoded-secret", number, kind)
    if use_detect_secrets and _detect_secrets_available():
        from detect_secrets.core.scan import _process_line_based_plugins

        with _settings():
            for secret in _process_line_based_plugins(candidates, path):
                number = secret.line_number
                line = lines[number - 1]
                if secret.type in IGNORED_TYPES:
                    continue
                if secret.type in ENTROPY_TYPES:
                    if SECRET_NAME_RE.search(line):
                        add("high-entropy-string", number, secret.type)
                elif secret.type in WEAK_TYPES:
                    value = secret.secret_value or ""
                    if line.lstrip().startswith("#") or " " in value or PLACEHOLDER_RE.search(value):
                        continue
                    add("hardcoded-secret", number, secret.type, weak=True)
                else:
                    add("hardcoded-secret", number, secret.type)
    # One finding per line: a token-format hit makes the entropy hit on the same line redundant.
    strong = {n for (rule, n) in found if rule == "hardcoded-secret"}
    return [f for (rule, n), f in found.items() if not (rule == "high-entropy-string" and n in strong)]

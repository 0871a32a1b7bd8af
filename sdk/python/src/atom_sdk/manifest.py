"""``wpk.toml`` validation before a package is built (DESIGN 3.4).

The API validates again on upload and is the judge; checking here first means a partner learns
about every mistake at once, offline, instead of one 422 at a time. The rules mirror the server's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

NAME_RE = re.compile(r"^[a-z0-9-]{3,64}$")
# semver.org's official pattern.
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
SECRET_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
FILESYSTEM_MODES = ("none", "read-only", "scratch")


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    publisher: str
    entrypoint: str | None
    raw: dict[str, Any]


def _table(doc: dict[str, Any], key: str, errors: list[str], *, required: bool) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        if required:
            errors.append(f"[{key}] table is missing; add it")
        return {}
    if not isinstance(value, dict):
        errors.append(f"{key} must be a table ([{key}])")
        return {}
    return value


def _text(table: dict[str, Any], where: str, errors: list[str], *, required: bool) -> str:
    _section, key = where.split(".")
    value = table.get(key)
    if value is None:
        if required:
            errors.append(f"{where} is missing; add it")
        return ""
    if not isinstance(value, str):
        errors.append(f"{where} must be a string")
        return ""
    return value


def _strings(table: dict[str, Any], where: str, errors: list[str]) -> list[str]:
    value = table.get(where.split(".")[1], [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f'{where} must be a list of strings, e.g. ["…"]')
        return []
    return value


def validate_manifest(text: str | bytes) -> tuple[Manifest | None, list[str]]:
    """The parsed manifest and every problem found (an empty list when it is valid)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None, ["wpk.toml is not UTF-8; save it as UTF-8"]
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"wpk.toml is not valid TOML: {exc}"]
    errors: list[str] = []
    package = _table(doc, "package", errors, required=True)
    name = _text(package, "package.name", errors, required=True)
    if name and not NAME_RE.match(name):
        errors.append(f"package.name {name!r} must be 3-64 characters of a-z, 0-9 and '-'")
    version = _text(package, "package.version", errors, required=True)
    if version and not SEMVER_RE.match(version):
        errors.append(f"package.version {version!r} must be a semantic version such as 1.2.0")
    publisher = _text(package, "package.publisher", errors, required=True)
    workflow = _table(doc, "workflow", errors, required=False)
    entrypoint = _text(workflow, "workflow.entrypoint", errors, required=False) or None

    permissions = _table(doc, "permissions", errors, required=False)
    for host in _strings(permissions, "permissions.network", errors):
        if not HOST_RE.match(host.lower()):
            errors.append(
                f"permissions.network entry {host!r} must be a host name such as 'slack.com' or "
                "'*.slack.com' (no scheme, path or port)"
            )
    for secret in _strings(permissions, "permissions.secrets", errors):
        if not SECRET_RE.match(secret):
            errors.append(f"permissions.secrets entry {secret!r} must be an UPPER_SNAKE_CASE variable name")
    filesystem = permissions.get("filesystem", "none")
    if filesystem not in FILESYSTEM_MODES:
        errors.append(
            f"permissions.filesystem must be one of {', '.join(FILESYSTEM_MODES)}, got {filesystem!r}"
        )
    if not isinstance(permissions.get("subprocess", False), bool):
        errors.append("permissions.subprocess must be true or false")
    _strings(_table(doc, "data", errors, required=False), "data.pii_fields", errors)
    budget = _table(doc, "budget", errors, required=False)
    for key in ("max_runtime_s", "max_memory_mb"):
        value = budget.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            errors.append(f"budget.{key} must be a positive integer, got {value!r}")
    observability = _table(doc, "observability", errors, required=False)
    if not isinstance(observability.get("health_check", False), bool):
        errors.append("observability.health_check must be true or false")
    return Manifest(name, version, publisher, entrypoint, doc), errors

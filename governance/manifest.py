"""``wpk.toml`` parsing and validation (DESIGN 3.4).

Every problem is reported at once, each as a message that names the key and says what to fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
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
    description: str = ""
    license: str = ""
    entrypoint: str | None = None
    network: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    filesystem: str = "none"
    subprocess: bool = False
    pii_fields: tuple[str, ...] = ()
    max_runtime_s: int | None = None
    max_memory_mb: int | None = None
    health_check: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def allows_host(self, host: str) -> bool:
        """``slack.com`` grants ``slack.com``; ``*.slack.com`` grants its subdomains."""
        host = host.lower().rstrip(".")
        for granted in self.network:
            if granted.startswith("*."):
                if host.endswith(granted[1:]):
                    return True
            elif host == granted:
                return True
        return False


@dataclass(frozen=True)
class ManifestResult:
    manifest: Manifest | None
    errors: list[str]

    @property
    def ok(self) -> bool:
        return self.manifest is not None and not self.errors


def _table(doc: dict[str, Any], key: str, errors: list[str], *, required: bool) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        if required:
            errors.append(f"[{key}] table is missing; add it")
        return {}
    if not isinstance(value, dict):
        errors.append(f"{key} must be a table ([{key}]), not a {type(value).__name__}")
        return {}
    return value


def _string(table: dict[str, Any], section: str, key: str, errors: list[str], *, required: bool) -> str:
    value = table.get(key)
    if value is None:
        if required:
            errors.append(f"{section}.{key} is missing; add it")
        return ""
    if not isinstance(value, str):
        errors.append(f"{section}.{key} must be a string")
        return ""
    return value


def _string_list(table: dict[str, Any], section: str, key: str, errors: list[str]) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(f'{section}.{key} must be a list of strings, e.g. {key} = ["…"]')
        return ()
    return tuple(value)


def _positive_int(table: dict[str, Any], section: str, key: str, errors: list[str]) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.append(f"{section}.{key} must be a positive integer, got {value!r}")
        return None
    return value


def _bool(table: dict[str, Any], section: str, key: str, errors: list[str]) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        errors.append(f"{section}.{key} must be true or false, got {value!r}")
        return False
    return value


def parse_manifest(text: str | bytes) -> ManifestResult:
    """Parse and validate ``wpk.toml``; ``manifest`` is None only when the TOML itself is unreadable."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return ManifestResult(None, ["wpk.toml is not UTF-8; save it as UTF-8"])
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ManifestResult(None, [f"wpk.toml is not valid TOML: {exc}"])
    errors: list[str] = []
    package = _table(doc, "package", errors, required=True)
    name = _string(package, "package", "name", errors, required=True)
    if name and not NAME_RE.match(name):
        errors.append(f"package.name {name!r} must be 3-64 characters of a-z, 0-9 and '-'")
    version = _string(package, "package", "version", errors, required=True)
    if version and not SEMVER_RE.match(version):
        errors.append(f"package.version {version!r} must be a semantic version such as 1.2.0")
    publisher = _string(package, "package", "publisher", errors, required=True)
    workflow = _table(doc, "workflow", errors, required=False)
    entrypoint = _string(workflow, "workflow", "entrypoint", errors, required=False) or None

    permissions = _table(doc, "permissions", errors, required=False)
    network = _string_list(permissions, "permissions", "network", errors)
    for host in network:
        if not HOST_RE.match(host.lower()):
            errors.append(
                f"permissions.network entry {host!r} must be a host name such as 'slack.com' or '*.slack.com'"
                " (no scheme, path or port)"
            )
    secrets = _string_list(permissions, "permissions", "secrets", errors)
    for secret in secrets:
        if not SECRET_RE.match(secret):
            errors.append(f"permissions.secrets entry {secret!r} must be an UPPER_SNAKE_CASE variable name")
    filesystem = permissions.get("filesystem", "none")
    if filesystem not in FILESYSTEM_MODES:
        errors.append(
            f"permissions.filesystem must be one of {', '.join(FILESYSTEM_MODES)}, got {filesystem!r}"
        )
        filesystem = "none"
    subprocess = _bool(permissions, "permissions", "subprocess", errors)

    data = _table(doc, "data", errors, required=False)
    pii_fields = _string_list(data, "data", "pii_fields", errors)
    budget = _table(doc, "budget", errors, required=False)
    max_runtime_s = _positive_int(budget, "budget", "max_runtime_s", errors)
    max_memory_mb = _positive_int(budget, "budget", "max_memory_mb", errors)
    observability = _table(doc, "observability", errors, required=False)
    health_check = _bool(observability, "observability", "health_check", errors)

    manifest = Manifest(
        name=name,
        version=version,
        publisher=publisher,
        description=package.get("description", "") if isinstance(package.get("description"), str) else "",
        license=package.get("license", "") if isinstance(package.get("license"), str) else "",
        entrypoint=entrypoint,
        network=tuple(h.lower() for h in network),
        secrets=secrets,
        filesystem=str(filesystem),
        subprocess=subprocess,
        pii_fields=pii_fields,
        max_runtime_s=max_runtime_s,
        max_memory_mb=max_memory_mb,
        health_check=health_check,
        raw=doc,
    )
    return ManifestResult(manifest, errors)

"""Secrets: values that no log line, error message or ``repr`` may show (DESIGN 4).

A secret setting (a field of :class:`atom.settings.Settings` typed :class:`~pydantic.SecretStr`, or
:class:`SecretUrl` for a URL that holds a password) is found in this order, the first one wins:

1. its environment variable (``STRIPE_API_KEY``);
2. ``<NAME>_FILE``: the path of a file that holds it (a mounted Kubernetes or Docker secret), less one
   trailing newline;
3. HashiCorp Vault or OpenBao: the KV v2 secret at ``ATOM_VAULT_PATH`` (default ``secret/atom``: mount
   ``secret``, path ``atom``), whose keys are named as the environment variables, read once per process
   with ``VAULT_TOKEN`` or an AppRole login (``VAULT_ROLE_ID`` + ``VAULT_SECRET_ID``).

This module only resolves: atom/settings.py, the one reader of the environment, hands it the values.
Every error raised here names the setting, the file or the Vault path, never a secret value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

DEFAULT_VAULT_PATH = "secret/atom"
DEFAULT_VAULT_TIMEOUT_S = 10.0
MASK = "**********"


class SecretsError(RuntimeError):
    """A secret could not be read. The message names where it was looked for, never its value."""


class SecretUrl(SecretStr):
    """A URL with a password in it (``postgresql+psycopg://atom:pw@db/atom``): shown with the password
    masked (``postgresql+psycopg://atom:***@db/atom``), so logs still tell which server is meant."""

    def _display(self) -> str:  # type: ignore[override]
        return mask_url(self.get_secret_value())


def mask_url(url: str) -> str:
    """``url`` with its password hidden, as SQLAlchemy prints it; all masked when it cannot be parsed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return MASK


def url_with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` put in, unless it has one already, names no server, or there is none."""
    if not password:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.password or not parsed.host:  # a password of its own, or a file database (SQLite)
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def read_secret_file(name: str, path: str) -> str:
    """The secret in the file at ``path`` (named by ``<name>_FILE``), less one trailing newline."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretsError(f"{name}_FILE names {path}, which does not exist") from None
    except IsADirectoryError:
        raise SecretsError(f"{name}_FILE names {path}, which is a folder, not a file") from None
    except PermissionError:
        raise SecretsError(f"{name}_FILE names {path}, which this account may not read") from None
    except UnicodeDecodeError:
        raise SecretsError(f"{name}_FILE names {path}, which is not UTF-8 text") from None
    except OSError as exc:
        raise SecretsError(f"{name}_FILE names {path}, which cannot be read ({exc.strerror})") from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise SecretsError(f"{name}_FILE names {path}, which is empty")
    return text


@dataclass(frozen=True)
class VaultConfig:
    """Where the platform's secrets are kept in Vault or OpenBao, and how to sign in there."""

    addr: str
    path: str = DEFAULT_VAULT_PATH
    token: SecretStr | None = None
    role_id: str | None = None
    secret_id: SecretStr | None = None
    approle_mount: str = "approle"
    namespace: str | None = None
    cacert: str | None = None
    timeout_s: float = DEFAULT_VAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if not self.token and not self.role_id:
            raise SecretsError(
                "VAULT_ADDR is set, but neither VAULT_TOKEN nor VAULT_ROLE_ID (with VAULT_SECRET_ID for an "
                "AppRole login) is: set one, or unset VAULT_ADDR to use no vault"
            )
        mount, _, sub = self.path.strip("/").partition("/")
        if not mount or not sub:
            raise SecretsError(
                f"ATOM_VAULT_PATH={self.path!r} must be <mount>/<path> of a KV v2 secret, e.g. secret/atom"
            )

    @property
    def mount(self) -> str:
        return self.path.strip("/").partition("/")[0]

    @property
    def secret_path(self) -> str:
        return self.path.strip("/").partition("/")[2]

    @property
    def where(self) -> str:
        """What an error says about the place it looked: mount, path and server, no credentials."""
        return f"KV v2 secret {self.mount}/{self.secret_path} at {self.addr}"

    @property
    def auth_method(self) -> str:
        return "approle" if self.role_id else "token"

    def _cache_key(self) -> tuple[Any, ...]:
        # The credentials are part of the key (so another token reads again) but only as a hash.
        import hashlib

        def digest(secret: SecretStr | None) -> str:
            return hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else ""

        return (
            self.addr.rstrip("/"),
            self.path.strip("/"),
            self.namespace,
            self.auth_method,
            self.role_id,
            digest(self.token),
            digest(self.secret_id),
        )


_cache: dict[tuple[Any, ...], dict[str, str]] = {}
_cache_lock = threading.Lock()


def clear_vault_cache() -> None:
    """Forget what was read from Vault: the next :func:`read_vault` asks the server again."""
    with _cache_lock:
        _cache.clear()


def read_vault(config: VaultConfig) -> dict[str, str]:
    """Every key of the KV v2 secret at ``config.path``: read from the server once per process and
    configuration, then from memory. Raises :class:`SecretsError` with a message that holds no secret."""
    key = config._cache_key()
    with _cache_lock:
        if key in _cache:
            return dict(_cache[key])
        values = _read_vault_uncached(config)
        _cache[key] = values
        return dict(values)


def _read_vault_uncached(config: VaultConfig) -> dict[str, str]:
    import hvac
    import hvac.exceptions as hv
    import requests

    credentials = [s.get_secret_value() for s in (config.token, config.secret_id) if s]
    client = hvac.Client(
        url=config.addr,
        token=config.token.get_secret_value() if config.token and not config.role_id else None,
        namespace=config.namespace,
        verify=config.cacert or True,
        timeout=config.timeout_s,
    )
    step = "reading the " + config.where
    try:
        if config.role_id:
            step = f"signing in with AppRole (mount {config.approle_mount}) at {config.addr}"
            client.auth.approle.login(
                role_id=config.role_id,
                secret_id=config.secret_id.get_secret_value() if config.secret_id else None,
                mount_point=config.approle_mount,
            )
            step = "reading the " + config.where
        response = client.secrets.kv.v2.read_secret_version(
            path=config.secret_path, mount_point=config.mount, raise_on_deleted_version=True
        )
    except hv.InvalidPath:
        raise SecretsError(
            f"no secret while {step}: write one there (keys named as the settings, e.g. "
            "STRIPE_WEBHOOK_SECRET) or point ATOM_VAULT_PATH at it"
        ) from None
    except hv.Forbidden:
        raise SecretsError(
            f"permission denied while {step}: the {config.auth_method} credentials are wrong or expired, "
            f"or their policy does not allow read on {config.mount}/data/{config.secret_path}"
        ) from None
    except (hv.VaultDown, hv.InternalServerError, hv.BadGateway) as exc:
        reason = scrub(str(exc), credentials) or type(exc).__name__
        raise SecretsError(f"the vault failed while {step}: {reason}") from None
    except hv.VaultError as exc:
        reason = scrub(str(exc), credentials) or type(exc).__name__
        raise SecretsError(f"the vault refused {step}: {reason}") from None
    except requests.exceptions.SSLError:
        raise SecretsError(
            f"TLS failed while {step}: the server's certificate is not trusted (set VAULT_CACERT)"
        ) from None
    except requests.exceptions.Timeout:
        raise SecretsError(f"the vault did not answer within {config.timeout_s:g} s while {step}") from None
    except requests.exceptions.RequestException as exc:
        raise SecretsError(
            f"the vault is unreachable while {step} ({type(exc).__name__}): check VAULT_ADDR and that the "
            "server is up"
        ) from None
    finally:
        client.adapter.close()
    data = ((response or {}).get("data") or {}).get("data")
    if not isinstance(data, dict):
        raise SecretsError(f"the {config.where} holds no key/value data (is the mount KV version 2?)")
    values: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise SecretsError(f"key {name} of the {config.where} is a {type(value).__name__}, not a string")
        values[str(name)] = value
    return values


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by the mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def vault_config(values: Mapping[str, Any]) -> VaultConfig | None:
    """The vault configuration from the settings' raw values (by environment variable name), or
    ``None`` when ``VAULT_ADDR`` is not set (no vault)."""

    def text(name: str) -> str | None:
        value = values.get(name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return str(value) if value not in (None, "") else None

    addr = text("VAULT_ADDR")
    if not addr:
        return None
    token, secret_id = text("VAULT_TOKEN"), text("VAULT_SECRET_ID")
    timeout = text("ATOM_VAULT_TIMEOUT")
    try:
        timeout_s = float(timeout) if timeout else DEFAULT_VAULT_TIMEOUT_S
    except ValueError:
        raise SecretsError(f"ATOM_VAULT_TIMEOUT={timeout!r} is not a number of seconds") from None
    return VaultConfig(
        addr=addr,
        path=text("ATOM_VAULT_PATH") or DEFAULT_VAULT_PATH,
        token=SecretStr(token) if token else None,
        role_id=text("VAULT_ROLE_ID"),
        secret_id=SecretStr(secret_id) if secret_id else None,
        approle_mount=text("ATOM_VAULT_APPROLE_MOUNT") or "approle",
        namespace=text("VAULT_NAMESPACE"),
        cacert=text("VAULT_CACERT"),
        timeout_s=timeout_s,
    )

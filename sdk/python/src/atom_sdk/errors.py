"""Exceptions the SDK raises; every API error carries the status code and the API's own reason."""

from __future__ import annotations

from typing import Any

import httpx


class AtomError(Exception):
    """Base class of every exception raised by ``atom_sdk``."""


class ApiError(AtomError):
    """The API answered with an error status; ``reason`` is the API's explanation, verbatim."""

    def __init__(
        self, status_code: int, reason: str, body: Any = None, *, method: str = "", url: str = ""
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.body = body
        self.method = method
        self.url = url
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status_code}{where}: {reason}")


class AuthenticationError(ApiError):
    """401: no API key, or one the API does not know. Pass ``api_key=`` a key made by `atom keys create`."""


class PermissionDeniedError(ApiError):
    """403: the key is valid but acts outside its subject (another tenant or publisher)."""


class NotFoundError(ApiError):
    """404."""


class ConflictError(ApiError):
    """409: e.g. the package version is already published (versions are immutable)."""


class PayloadTooLargeError(ApiError):
    """413: the upload exceeds the API's size limit."""


class ValidationError(ApiError):
    """422: the request was understood but refused; ``reason`` says what to fix."""


class RateLimitError(ApiError):
    """429 after every retry; ``retry_after`` is the API's last ``Retry-After`` in seconds."""

    def __init__(
        self, status_code: int, reason: str, body: Any = None, *, retry_after: float | None = None, **kw: str
    ) -> None:
        super().__init__(status_code, reason, body, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after every retry."""


class APIConnectionError(AtomError):
    """The API could not be reached (refused, reset, timed out) after every retry."""


class PackageError(AtomError):
    """A package directory or archive cannot be built, signed or published; ``errors`` lists every problem."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        self.errors = errors or [message]
        super().__init__(message if not errors else message + ":\n  - " + "\n  - ".join(errors))


class RecorderError(AtomError):
    """A batch of the usage recorder could not be delivered; ``failed_events`` were not acknowledged."""

    def __init__(self, message: str, failed_events: int) -> None:
        self.failed_events = failed_events
        super().__init__(message)


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def _reason(body: Any, fallback: str) -> str:
    """The explanation from the common error shapes: FastAPI's ``detail`` (text or list), ``reason``,
    ``message``, ``error`` (text or ``{"message"}``)."""
    if isinstance(body, dict):
        for key in ("reason", "detail", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict):
                inner = value.get("reason") or value.get("message") or value.get("detail")
                if isinstance(inner, str) and inner:
                    return inner
            if isinstance(value, list) and value:
                parts = []
                for item in value:
                    if isinstance(item, dict):
                        loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                        msg = item.get("msg") or item.get("reason") or item.get("message") or str(item)
                        parts.append(f"{loc}: {msg}" if loc else str(msg))
                    else:
                        parts.append(str(item))
                return "; ".join(parts)
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return fallback


def error_from_response(response: httpx.Response, retry_after: float | None = None) -> ApiError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    reason = _reason(body, response.reason_phrase or "error")
    kw = {"method": response.request.method, "url": str(response.request.url)}
    status = response.status_code
    if status == 429:
        return RateLimitError(status, reason, body, retry_after=retry_after, **kw)
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, reason, body, **kw)

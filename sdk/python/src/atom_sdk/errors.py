"""Exceptions the SDK raises; every API error carries the status code and the API's own reason."""

from __future__ import annotations

from typing import Any

import httpx


class AtomError(Exception):
    """Base class of every exception raised by ``atom_sdk``."""


class ApiError(AtomError):
    """The API answered with an error status.

    ``reason`` is the API's stable code (``forbidden``, ``bad_signature``, ``invalid_request``…) to branch
    on; ``detail`` is its explanation of what to fix, for people. ``body`` is the parsed answer.
    """

    def __init__(
        self,
        status_code: int,
        reason: str,
        body: Any = None,
        *,
        detail: str = "",
        method: str = "",
        url: str = "",
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.detail = detail or reason
        self.body = body
        self.method = method
        self.url = url
        where = f" ({method} {url})" if method else ""
        text = f"{reason}: {detail}" if detail and detail != reason else reason
        super().__init__(f"{status_code} {text}{where}")


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


class SignatureVerificationError(AtomError):
    """A downloaded package whose ``X-Atom-Signature`` does not verify against any trusted public key of its
    publisher: the bytes are not returned."""


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


def _text(value: Any) -> str:
    """Human text from a ``detail``: a string, or FastAPI's list of ``{"loc","msg"}`` problems."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("detail") or value.get("message") or value.get("reason")
        return inner if isinstance(inner, str) else str(value)
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = item.get("msg") or item.get("message") or item.get("reason") or str(item)
                parts.append(f"{loc}: {msg}" if loc else str(msg))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return "" if value is None else str(value)


def parse_error_body(body: Any, fallback: str) -> tuple[str, str]:
    """``(reason, detail)`` from the API's ``{"reason": code, "detail": text}``, tolerating FastAPI's bare
    ``{"detail": ...}`` and plain-text bodies."""
    if isinstance(body, dict):
        code = body.get("reason")
        detail = _text(body.get("detail", body.get("message", body.get("error"))))
        if isinstance(code, str) and code:
            return code, detail
        if detail:
            return detail, detail
    if isinstance(body, str) and body.strip():
        text = body.strip()[:500]
        return text, text
    return fallback, fallback


def error_from_response(response: httpx.Response, retry_after: float | None = None) -> ApiError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    reason, detail = parse_error_body(body, response.reason_phrase or "error")
    kw = {"detail": detail, "method": response.request.method, "url": str(response.request.url)}
    status = response.status_code
    if status == 429:
        return RateLimitError(status, reason, body, retry_after=retry_after, **kw)
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, reason, body, **kw)

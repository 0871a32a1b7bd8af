"""Metrics (Prometheus), structured JSON logs (structlog) and the request middleware that feeds both.

The middleware is plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which copies every body
through an extra task and measured ~2x slower per request. It also enforces the body size limits while
the body streams in, so an oversized upload is refused after ``limit`` bytes, not after it is spooled.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from atom.settings import Settings, export_to_process

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """One registry per app, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "atom_api_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "atom_api_request_duration_seconds",
            "Request latency by route",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "atom_api_usage_events",
            "Usage events received, by outcome (accepted, duplicate, rejected)",
            ["outcome"],
            registry=self.registry,
        )
        self.uploads = Counter(
            "atom_api_package_uploads",
            "Package uploads by outcome (accepted or the refusal reason)",
            ["outcome"],
            registry=self.registry,
        )


def share_metrics_between_workers(settings: Settings) -> None:
    """Before uvicorn starts its workers: their counters go to files in a fresh folder under the home, so
    /metrics sums every worker (prometheus-client's multiprocess mode reads the variable at import)."""
    directory = settings.home / "api" / "prometheus"
    if directory.exists():
        for stale in directory.glob("*.db"):  # counters of an earlier run of the server
            stale.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    export_to_process(PROMETHEUS_MULTIPROC_DIR=str(directory))


def exposition(settings: Settings, registry: CollectorRegistry) -> tuple[bytes, str]:
    """The /metrics payload: this process's registry, or every worker's files in multiprocess mode."""
    if settings.prometheus_multiproc_dir is None:
        return generate_latest(registry), CONTENT_TYPE_LATEST
    combined = CollectorRegistry()
    MultiProcessCollector(combined, path=str(settings.prometheus_multiproc_dir))
    return generate_latest(combined), CONTENT_TYPE_LATEST


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr: one object per event, with ISO timestamps and the log level."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=lambda obj, **_: orjson.dumps(obj).decode()),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


class _BodyTooLarge(Exception):
    pass


class RequestMiddleware:
    """Request id, body size limit, access log line and request metrics for every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: ApiMetrics,
        body_limits: dict[str, int],
        default_body_limit: int,
        access_log: bool = True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.body_limits = body_limits
        self.default_body_limit = default_body_limit
        self.access_log = access_log
        self.log = structlog.get_logger("atom.api")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        limit = self.body_limits.get(scope["path"], self.default_body_limit)
        status = 500
        response_started = False

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            status = 413
            await _send_too_large(send, limit, request_id)
            self._observe(scope, status, started, request_id)
            return

        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            status = 413
            await _send_too_large(send, limit, request_id)
        except Exception:
            status = 500
            self.log.exception("unhandled_error", request_id=request_id, path=scope["path"])
            if not response_started:
                await _send_json(
                    send,
                    500,
                    {"reason": "internal_error", "detail": f"internal error; request id {request_id}"},
                    request_id,
                )
        finally:
            self._observe(scope, status, started, request_id)

    def _observe(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        # The route template, not the path: /v1/tenants/{tenant_id}/usage, so labels stay few.
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(elapsed)
        if self.access_log:
            state = scope.get("state", {})
            self.log.info(
                "request",
                request_id=request_id,
                method=method,
                route=template,
                path=scope.get("path"),
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                key_id=state.get("key_id"),
                **state.get("log_fields", {}),
            )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, limit: int, request_id: str) -> None:
    await _send_json(
        send,
        413,
        {
            "reason": "too_large",
            "detail": f"request body is larger than {limit:,} bytes; send less per request",
        },
        request_id,
    )


async def _send_json(send: Send, status: int, body: dict[str, Any], request_id: str) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

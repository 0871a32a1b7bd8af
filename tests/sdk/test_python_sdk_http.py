"""The Python SDK's own logic against httpx.MockTransport: retries, backoff, Retry-After, errors.

The live API is exercised in test_python_sdk_live.py; here the transport is scripted so that each
retry rule can be shown to hold (and to fail when removed) without timing a real server.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from atom_sdk import (
    APIConnectionError,
    AsyncClient,
    AuthenticationError,
    Client,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from atom_sdk.retry import delay_for_response, parse_retry_after

RECEIPT = {"accepted": 1, "duplicates": 0, "rejected": 0, "errors": []}


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering the given responses (or raising the given errors) in order."""
    seen: list[httpx.Request] = []
    remaining = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = remaining.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def client_with(transport: httpx.MockTransport, sleeps: list[float], **policy: float) -> Client:
    client = Client("key_test", base_url="http://api.test", transport=transport, retry=RetryPolicy(**policy))  # type: ignore[arg-type]
    client._http._sleep = sleeps.append  # record the waits instead of waiting
    return client


def test_a_503_then_success_is_retried_and_the_retry_carries_the_same_event_id() -> None:
    transport, seen = scripted(httpx.Response(503), httpx.Response(202, json=RECEIPT))
    sleeps: list[float] = []
    receipt = client_with(transport, sleeps).usage.record("ten_acme", "workflow_runs")
    assert receipt.accepted == 1
    assert len(seen) == 2 and len(sleeps) == 1
    assert seen[0].content == seen[1].content  # same id, so the API counts the event once


def test_connection_errors_are_retried_then_raised_as_api_connection_error() -> None:
    transport, seen = scripted(*[httpx.ConnectError("refused")] * 4)
    sleeps: list[float] = []
    with pytest.raises(APIConnectionError, match="after 4 attempt"):
        client_with(transport, sleeps, max_retries=3).usage.record("ten_acme", "workflow_runs")
    assert len(seen) == 4 and len(sleeps) == 3


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=1.0)
    rng = random.Random(3)
    for retry_number, ceiling in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        delays = [policy.backoff(retry_number, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a fixed step


def test_429_waits_at_least_retry_after_seconds() -> None:
    transport, _ = scripted(
        httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "slow down"}),
        httpx.Response(202, json=RECEIPT),
    )
    sleeps: list[float] = []
    client_with(transport, sleeps).usage.record("ten_acme", "workflow_runs")
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 2.0 + 0.1


def test_retry_after_as_an_http_date_is_understood() -> None:
    now = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None


def test_a_retry_after_beyond_the_policy_bound_raises_rate_limit_error_at_once() -> None:
    transport, seen = scripted(
        httpx.Response(
            429, headers={"Retry-After": "3600"}, json={"reason": "rate_limited", "detail": "quota"}
        )
    )
    sleeps: list[float] = []
    with pytest.raises(RateLimitError) as caught:
        client_with(transport, sleeps, max_retry_after=60).usage.record("ten_acme", "workflow_runs")
    assert caught.value.retry_after == 3600 and caught.value.reason == "rate_limited"
    assert caught.value.detail == "quota"
    assert len(seen) == 1 and sleeps == []


def test_retries_are_bounded_and_the_last_5xx_is_raised_with_its_reason() -> None:
    transport, seen = scripted(*[httpx.Response(500, json={"detail": "database is locked"})] * 3)
    sleeps: list[float] = []
    with pytest.raises(ServerError, match="database is locked") as caught:
        client_with(transport, sleeps, max_retries=2).usage.record("ten_acme", "workflow_runs")
    assert caught.value.status_code == 500 and len(seen) == 3


@pytest.mark.parametrize(
    ("status", "body", "error", "reason", "detail"),
    [
        (
            401,
            {"reason": "unauthorized", "detail": "missing or unknown API key"},
            AuthenticationError,
            "unauthorized",
            "missing or unknown API key",
        ),
        (
            403,
            {"reason": "forbidden", "detail": "key acts for ten_a, not ten_b"},
            PermissionDeniedError,
            "forbidden",
            "key acts for ten_a, not ten_b",
        ),
        (
            422,
            {"reason": "invalid_request", "detail": [{"loc": ["body", "events"], "msg": "at most 10000"}]},
            ValidationError,
            "invalid_request",
            "events: at most 10000",
        ),
        # A bare FastAPI answer has no code: its text serves as both.
        (422, {"detail": "publisher is 'x'"}, ValidationError, "publisher is 'x'", "publisher is 'x'"),
    ],
)
def test_client_errors_are_not_retried_and_carry_the_api_reason(
    status: int, body: dict, error: type[Exception], reason: str, detail: str
) -> None:
    transport, seen = scripted(httpx.Response(status, json=body))
    sleeps: list[float] = []
    with pytest.raises(error) as caught:
        client_with(transport, sleeps).usage.record("ten_acme", "workflow_runs")
    assert caught.value.reason == reason  # type: ignore[attr-defined]
    assert caught.value.detail == detail  # type: ignore[attr-defined]
    assert caught.value.status_code == status  # type: ignore[attr-defined]
    assert detail in str(caught.value)
    assert len(seen) == 1 and sleeps == []


def test_every_request_carries_the_bearer_key() -> None:
    transport, seen = scripted(httpx.Response(202, json=RECEIPT))
    client_with(transport, []).usage.record("ten_acme", "workflow_runs")
    assert seen[0].headers["authorization"] == "Bearer key_test"


def test_path_ids_cannot_escape_their_segment() -> None:
    transport, seen = scripted(
        httpx.Response(200, json={"tenant_id": "x", "period": "2026-10", "metrics": []})
    )
    client_with(transport, []).usage.get("../publishers/pub_a", "2026-10")
    assert seen[0].url.raw_path.startswith(b"/v1/tenants/..%2Fpublishers%2Fpub_a/usage")


def test_the_async_client_retries_the_same_way() -> None:
    asyncio.run(_async_client_retries())


async def _async_client_retries() -> None:
    answers = [httpx.ConnectError("reset"), httpx.Response(502), httpx.Response(202, json=RECEIPT)]
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = AsyncClient("key_test", base_url="http://api.test", transport=httpx.MockTransport(handler))
    client._http._sleep = fake_sleep
    receipt = await client.usage.record("ten_acme", "workflow_runs", 3)
    assert receipt.accepted == 1 and len(seen) == 3 and len(sleeps) == 2
    await client.aclose()


def test_delay_is_none_for_a_status_that_is_not_retryable() -> None:
    request = httpx.Request("POST", "http://api.test/v1/usage")
    assert delay_for_response(RetryPolicy(), 0, httpx.Response(400, request=request)) is None
    answer: Callable[[int], float | None] = lambda n: delay_for_response(  # noqa: E731
        RetryPolicy(max_retries=2), n, httpx.Response(503, request=request)
    )
    assert answer(1) is not None and answer(2) is None

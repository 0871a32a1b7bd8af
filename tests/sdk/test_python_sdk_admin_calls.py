"""The Python SDK's admin calls (DESIGN 3.8, issue 15 item 11) against a real ``atom serve``
(tests/sdk/live_server.py): publish price-book versions and read them back, put tenants on plans, end them,
change a tenant's lifecycle state; and the refusals, each as the SDK's typed error with the API's reason."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import date

import pytest
from atom_sdk import (
    AsyncClient,
    Client,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

from tests.sdk.live_server import LiveServer, start

BOOK = """\
currency: usd
metrics:
  workflow_runs: {aggregation: count}
  payments: {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.50"}
  - {id: price_payments, metric: payments, billing_scheme: percentage, percentage: {rate: "2.9"}}
plans:
  - {id: team, amount: "49"}
  - {id: business, amount: "499"}
"""

# Months well after the live server's real today, so that nothing is closed and every call is accepted.
FIRST_MONTH = "2031-01"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("sdk-admin") / "home"
    server = start(home, generate=False, tenants=("ten_acme", "ten_beta", "ten_gamma"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin(live: LiveServer) -> Iterator[Client]:
    with Client(live.admin_key, base_url=live.url) as client:
        yield client


@pytest.fixture(scope="module")
def published(admin: Client) -> str:
    version = admin.price_book.publish(BOOK, effective_from=FIRST_MONTH)
    assert version.effective_from == FIRST_MONTH
    return version.sha256


def test_publish_returns_the_stored_version_with_its_digest(admin: Client, published: str) -> None:
    assert published == hashlib.sha256(BOOK.encode()).hexdigest()
    in_force = admin.price_book.get(period="2031-03")
    assert (in_force.effective_from, in_force.period, in_force.currency) == (FIRST_MONTH, "2031-03", "usd")
    assert in_force.plans == ["team", "business"]
    assert in_force.prices == ["price_runs", "price_payments"]
    assert in_force.yaml == BOOK
    assert [v.effective_from for v in admin.price_book.versions()] == [FIRST_MONTH]


def test_a_price_book_with_mistakes_is_refused_with_every_problem(admin: Client, published: str) -> None:
    broken = BOOK.replace("payments: {aggregation: sum}", "payments: {aggregation: count}").replace(
        'unit_amount: "0.50"', 'unit_amount: "-1"'
    )
    with pytest.raises(ValidationError) as caught:
        admin.price_book.publish(broken, effective_from="2031-02")
    assert caught.value.status_code == 422
    assert caught.value.reason == "invalid_price_book"
    assert "unit_amount must not be negative, got -1" in caught.value.detail
    assert "needs aggregation: sum (it has count)" in caught.value.detail
    assert [v.effective_from for v in admin.price_book.versions()] == [FIRST_MONTH]  # nothing stored


def test_no_price_book_before_the_first_version_is_not_found(admin: Client, published: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        admin.price_book.get(period="2030-12")
    assert caught.value.reason == "no_price_book"


def test_only_an_admin_publishes(live: LiveServer, published: str) -> None:
    with (
        Client(live.key("tenant", "ten_acme"), base_url=live.url) as tenant,
        pytest.raises(PermissionDeniedError),
    ):
        tenant.price_book.publish(BOOK, effective_from="2031-05")


def test_a_mid_month_plan_change_ends_the_old_plan_that_day_then_the_plan_ends(
    admin: Client, published: str
) -> None:
    plan = admin.tenants.set_subscription("ten_acme", "team", date(2031, 1, 10))
    assert [(s.plan_id, s.started_on, s.ended_on) for s in plan.subscriptions] == [
        ("team", date(2031, 1, 10), None)
    ]
    plan = admin.tenants.set_subscription("ten_acme", "business", "2031-02-15")
    assert [(s.plan_id, s.started_on, s.ended_on) for s in plan.subscriptions] == [
        ("team", date(2031, 1, 10), date(2031, 2, 15)),
        ("business", date(2031, 2, 15), None),
    ]
    plan = admin.tenants.end_subscription("ten_acme", "2031-03-01")
    assert [(s.plan_id, s.ended_on) for s in plan.subscriptions] == [
        ("team", date(2031, 2, 15)),
        ("business", date(2031, 3, 1)),
    ]
    assert admin.tenants.subscription("ten_acme") == plan


def test_a_plan_outside_the_price_book_is_refused(admin: Client, published: str) -> None:
    with pytest.raises(ValidationError) as caught:
        admin.tenants.set_subscription("ten_beta", "enterprise", "2031-01-01")
    assert caught.value.reason == "unknown_plan"
    with pytest.raises(NotFoundError):
        admin.tenants.set_subscription("ten_nobody", "team", "2031-01-01")


def test_suspension_keeps_the_plan_and_churn_ends_it(admin: Client, published: str) -> None:
    admin.tenants.set_subscription("ten_beta", "team", "2031-01-01")
    suspended = admin.tenants.set_status("ten_beta", "suspended")
    assert suspended.status == "suspended"
    assert [(s.plan_id, s.ended_on) for s in suspended.subscriptions] == [("team", None)]
    assert admin.tenants.set_status("ten_beta", "active").status == "active"
    churned = admin.tenants.set_status("ten_beta", "churned", effective_on=date(2031, 1, 20))
    assert churned.status == "churned"
    assert [(s.plan_id, s.ended_on) for s in churned.subscriptions] == [("team", date(2031, 1, 20))]
    with pytest.raises(ValidationError):
        admin.tenants.set_status("ten_beta", "asleep")


def test_the_async_client_makes_the_same_calls(live: LiveServer, published: str) -> None:
    async def calls() -> None:
        async with AsyncClient(live.admin_key, base_url=live.url) as client:
            replaced = await client.price_book.publish(BOOK.replace('"49"', '"59"'), effective_from="2031-06")
            assert replaced.effective_from == "2031-06"
            assert (await client.price_book.get(period="2031-07")).sha256 == replaced.sha256
            assert [v.effective_from for v in await client.price_book.versions()] == [FIRST_MONTH, "2031-06"]
            plan = await client.tenants.set_subscription("ten_gamma", "business", "2031-06-05")
            assert [(s.plan_id, s.started_on) for s in plan.subscriptions] == [("business", date(2031, 6, 5))]
            ended = await client.tenants.end_subscription("ten_gamma", date(2031, 6, 20))
            assert ended.subscriptions[0].ended_on == date(2031, 6, 20)
            assert (await client.tenants.set_status("ten_gamma", "suspended")).status == "suspended"
            assert (await client.tenants.subscription("ten_gamma")).status == "suspended"

    asyncio.run(calls())

"""Versioned price book, subscriptions and tenant lifecycle through the API (DESIGN 3.2, 3.8; issue 15)."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from atom.opdb import AuditLog, BillingRun, Subscription, TenantEvent, make_engine, session_scope
from atom.opdb.registry import utcnow
from tests.api.conftest import World

YAML = {"Content-Type": "application/yaml"}

BOOK_2027 = """\
currency: usd
metrics:
  workflow_runs: {aggregation: count}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.003"}
plans:
  - {id: team, amount: "49"}
  - {id: business, amount: "499"}
"""


def _audit(world: World, action: str) -> list[AuditLog]:
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))
    finally:
        engine.dispose()


def _publish(client: TestClient, world: World, text: str, month: str, who: str = "admin"):  # type: ignore[no-untyped-def]
    return client.put(
        f"/v1/price-book?effective_from={month}", content=text.encode(), headers={**world.auth(who), **YAML}
    )


def test_a_published_version_is_in_force_from_its_month_and_the_file_book_before_it(
    client: TestClient, world: World
) -> None:
    answer = _publish(client, world, BOOK_2027, "2027-01")
    assert answer.status_code == 201, answer.text
    assert answer.json()["effective_from"] == "2027-01"
    assert answer.json()["plans"] == ["team", "business"]

    before = client.get("/v1/price-book?period=2026-12", headers=world.auth("admin")).json()
    assert before["effective_from"] is None and before["plans"] == []  # the file price book
    after = client.get("/v1/price-book?period=2027-03", headers=world.auth("admin")).json()
    assert (after["effective_from"], after["period"], after["yaml"]) == ("2027-01", "2027-03", BOOK_2027)

    (entry,) = _audit(world, "price_book.publish")
    assert (entry.actor, entry.target_id, entry.api_key_id) == (
        "admin:ops",
        "2027-01",
        world.key_ids["admin"],
    )
    assert json.loads(entry.details_json)["sha256"] == answer.json()["sha256"]


def test_an_invalid_price_book_is_refused_with_every_problem_saying_what_to_fix(
    client: TestClient, world: World
) -> None:
    broken = "currency: usd\nmetrics:\n  runs: {aggregation: count}\nprices:\n  - {id: p, metric: nope, billing_scheme: per_unit}\n"
    answer = _publish(client, world, broken, "2027-01")
    assert answer.status_code == 422
    body = answer.json()
    assert body["reason"] == "invalid_price_book"
    assert any("unknown metric 'nope'" in p for p in body["detail"])
    assert any("needs unit_amount" in p for p in body["detail"])
    assert _audit(world, "price_book.publish") == []

    other_currency = BOOK_2027.replace("currency: usd", "currency: eur")
    answer = _publish(client, world, other_currency, "2027-01")
    assert answer.status_code == 422 and "one currency" in answer.json()["detail"][0]
    assert (
        client.put(
            "/v1/price-book?effective_from=2027-13",
            content=BOOK_2027,
            headers={**world.auth("admin"), **YAML},
        ).status_code
        == 422
    )
    assert (
        client.put(
            "/v1/price-book?effective_from=2027-01",
            content=BOOK_2027,
            headers={**world.auth("admin"), "Content-Type": "application/json"},
        ).status_code
        == 415
    )


def test_only_an_admin_publishes_and_a_closed_month_is_never_re_rated(
    client: TestClient, world: World
) -> None:
    assert _publish(client, world, BOOK_2027, "2027-01", who="ten_acme").status_code == 403
    engine = make_engine(world.settings.database_url)
    with session_scope(engine) as session:
        session.add(BillingRun(period="2027-02", finalized_at=utcnow(), document_count=0, content_hash="x"))
    engine.dispose()
    answer = _publish(client, world, BOOK_2027, "2027-01")
    assert answer.status_code == 409 and answer.json()["reason"] == "period_closed"
    assert _publish(client, world, BOOK_2027, "2027-03").status_code == 201


def test_a_plan_change_within_a_month_closes_the_old_subscription_and_opens_the_new_one(
    client: TestClient, world: World
) -> None:
    assert _publish(client, world, BOOK_2027, "2027-01").status_code == 201
    admin = world.auth("admin")
    first = client.put(
        "/v1/tenants/ten_acme/subscription",
        json={"plan_id": "team", "effective_on": "2027-01-01"},
        headers=admin,
    )
    assert first.status_code == 200, first.text
    again = client.put(
        "/v1/tenants/ten_acme/subscription",
        json={"plan_id": "team", "effective_on": "2027-01-20"},
        headers=admin,
    )
    assert len(again.json()["subscriptions"]) == 1  # already on team: nothing changes
    change = client.put(
        "/v1/tenants/ten_acme/subscription",
        json={"plan_id": "business", "effective_on": "2027-02-15"},
        headers=admin,
    )
    assert change.status_code == 200, change.text
    held = [(s["plan_id"], s["started_on"], s["ended_on"]) for s in change.json()["subscriptions"]]
    assert held == [("team", "2027-01-01", "2027-02-15"), ("business", "2027-02-15", None)]
    assert change.json()["status"] == "active"

    unknown = client.put(
        "/v1/tenants/ten_acme/subscription",
        json={"plan_id": "gold", "effective_on": "2027-03-01"},
        headers=admin,
    )
    assert unknown.status_code == 422 and "use one of team, business" in unknown.json()["detail"]
    # before 2027-01 the file book is in force, and it has no plans
    early = client.put(
        "/v1/tenants/ten_beta/subscription",
        json={"plan_id": "team", "effective_on": "2026-12-31"},
        headers=admin,
    )
    assert early.status_code == 422
    assert (
        client.put(
            "/v1/tenants/ten_ghost/subscription",
            json={"plan_id": "team", "effective_on": "2027-03-01"},
            headers=admin,
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/v1/tenants/ten_acme/subscription",
            json={"plan_id": "team", "effective_on": "2027-03-01"},
            headers=world.auth("ten_acme"),
        ).status_code
        == 403
    )

    ended = client.delete("/v1/tenants/ten_acme/subscription?effective_on=2027-04-10", headers=admin)
    assert ended.status_code == 200
    assert ended.json()["subscriptions"][-1]["ended_on"] == "2027-04-10"
    assert (
        client.delete("/v1/tenants/ten_acme/subscription?effective_on=2027-05-01", headers=admin).status_code
        == 404
    )
    assert [a.action for a in _audit(world, "tenant.subscription.set")] == ["tenant.subscription.set"] * 2
    assert len(_audit(world, "tenant.subscription.end")) == 1

    # a plan the next version drops cannot be published while a tenant holds it then
    without_business = BOOK_2027.replace('  - {id: business, amount: "499"}\n', "")
    refused = _publish(client, world, without_business, "2027-03")
    assert refused.status_code == 422 and "holds plan 'business'" in refused.json()["detail"][0]


def test_status_changes_are_audited_and_churn_ends_the_plan(client: TestClient, world: World) -> None:
    assert _publish(client, world, BOOK_2027, "2027-01").status_code == 201
    admin = world.auth("admin")
    client.put(
        "/v1/tenants/ten_beta/subscription",
        json={"plan_id": "team", "effective_on": "2027-01-01"},
        headers=admin,
    )
    suspended = client.patch("/v1/tenants/ten_beta", json={"status": "suspended"}, headers=admin)
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert suspended.json()["subscriptions"][0]["ended_on"] is None  # a suspension keeps the plan
    churned = client.patch(
        "/v1/tenants/ten_beta", json={"status": "churned", "effective_on": "2027-03-05"}, headers=admin
    )
    assert churned.json()["status"] == "churned"
    assert churned.json()["subscriptions"][0]["ended_on"] == "2027-03-05"
    assert client.patch("/v1/tenants/ten_beta", json={"status": "gone"}, headers=admin).status_code == 422
    entries = _audit(world, "tenant.status")
    assert [json.loads(e.details_json)["to"] for e in entries] == ["suspended", "churned"]
    engine = make_engine(world.settings.database_url)
    with session_scope(engine) as session:
        states = list(
            session.scalars(
                select(TenantEvent.state).where(TenantEvent.tenant_id == "ten_beta").order_by(TenantEvent.id)
            )
        )
        subs = list(session.scalars(select(Subscription).where(Subscription.tenant_id == "ten_beta")))
    engine.dispose()
    assert states == ["active", "suspended", "churned"]
    assert [s.ended_on for s in subs] == [date(2027, 3, 5)]

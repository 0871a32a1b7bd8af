"""The admin's Price book & plans page (issue 15): versions side by side with a diff, publishing, a tenant's
plan and status; each action audited with the signed-in account."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from atom.opdb import AuditLog, Subscription, Tenant, make_engine, session_scope
from atom.settings import get_settings
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import engine_url, run_as

V1 = 'currency: usd\nmetrics:\n  runs: {aggregation: count}\nprices:\n  - {id: p_runs, metric: runs, billing_scheme: per_unit, unit_amount: "0.5"}\nplans:\n  - {id: team, amount: "31"}\n'
V2 = V1.replace('"0.5"', '"0.75"')


def _rows(model, **where):  # type: ignore[no-untyped-def]
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            rows = list(session.scalars(select(model).filter_by(**where)))
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def _publish(at, month: str, text: str):  # type: ignore[no-untyped-def]
    at.text_input(key="publish_month").set_value(month)
    at.text_area(key="publish_yaml").set_value(text)
    at.button(key="publish_submit").click()
    return at.run()


def test_only_admins_see_the_page(portal_world: PortalHome) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        run_as("finance", "price_book.py")


def test_admin_publishes_versions_sees_the_diff_and_puts_a_tenant_on_a_plan(portal_world: PortalHome) -> None:
    engine_url()
    at = run_as("admin", "price_book.py")
    assert not at.exception
    at = _publish(at, "2027-13", V1)
    assert any("not a month" in e.value for e in at.error)
    at = _publish(at, "2026-01", V1)
    at = _publish(at, "2026-02", V2)
    assert not at.exception and any("from 2026-02" in s.value for s in at.success)
    at.run()
    diff = [c.value for c in at.code if c.language == "diff"]
    assert diff and '-  - {id: p_runs, metric: runs, billing_scheme: per_unit, unit_amount: "0.5"}' in diff[0]
    assert '+  - {id: p_runs, metric: runs, billing_scheme: per_unit, unit_amount: "0.75"}' in diff[0]
    published = _rows(AuditLog, action="price_book.publish")
    assert [(a.actor, a.target_id) for a in published] == [
        ("portal:admin@atom.test", "2026-01"),
        ("portal:admin@atom.test", "2026-02"),
    ]

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        session.add(Tenant(id="ten_new", name="New", created_at=datetime(2026, 1, 1)))
    engine.dispose()
    at.run()
    at.selectbox(key="tenant_pick").set_value("ten_new")
    at.selectbox(key="plan_pick").set_value("team")
    at.date_input(key="plan_day").set_value(datetime(2026, 2, 10).date())
    at.button(key="plan_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert [(s.plan_id, str(s.started_on)) for s in _rows(Subscription, tenant_id="ten_new")] == [
        ("team", "2026-02-10")
    ]
    at.selectbox(key="status_pick").set_value("suspended")
    at.button(key="status_submit").click()
    at.run()
    [entry] = _rows(AuditLog, action="tenant.status")
    assert entry.actor == "portal:admin@atom.test" and json.loads(entry.details_json)["to"] == "suspended"

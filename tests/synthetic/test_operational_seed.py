from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import duckdb
from sqlalchemy import select

from atom.opdb import Package, PackageVersion, Publisher, Subscription, Tenant, TenantEvent, make_engine
from atom.opdb.db import session_scope
from ingest.operational import copy_operational_tables

from .conftest import Generated

# The marketplace core; other areas (billing, registry) copy more tables, empty in these worlds.
CORE_COPIED = {
    "operational_publishers",
    "operational_packages",
    "operational_package_versions",
    "operational_tenants",
    "operational_subscriptions",
    "operational_tenant_events",
}


def test_operational_db_holds_the_catalog_and_tenants_of_the_summary(small: Generated) -> None:
    s = small.summary
    with session_scope(make_engine(small.settings.database_url)) as session:
        assert len(session.scalars(select(Publisher)).all()) == s.publishers >= 10
        packages = session.scalars(select(Package)).all()
        assert len(packages) == s.packages >= 60
        assert all(p.id.startswith("pkg_") and p.name.replace("-", "").isalnum() for p in packages)
        versions = session.scalars(select(PackageVersion)).all()
        per_package = defaultdict(int)
        for v in versions:
            per_package[v.package_id] += 1
        assert set(per_package.values()) <= {1, 2, 3, 4, 5}
        assert len(session.scalars(select(Tenant)).all()) == s.tenants


def test_tenants_exist_in_each_lifecycle_state(small: Generated) -> None:
    with session_scope(make_engine(small.settings.database_url)) as session:
        events = session.scalars(select(TenantEvent).order_by(TenantEvent.occurred_at)).all()
    current: dict[str, str] = {}
    for e in events:
        current[e.tenant_id] = e.state
    everything = {"trialing", "active", "past_due", "churned", "reactivated"}
    assert set(current.values()) == everything
    assert {e.state for e in events} == everything


def test_subscriptions_are_contiguous_plan_histories_with_trials_and_mid_month_changes(
    small: Generated,
) -> None:
    with session_scope(make_engine(small.settings.database_url)) as session:
        subs = session.scalars(
            select(Subscription).order_by(Subscription.tenant_id, Subscription.started_on)
        ).all()
    by_tenant = defaultdict(list)
    for sub in subs:
        by_tenant[sub.tenant_id].append(sub)
    order = ["starter", "team", "business", "enterprise"]
    upgrades = downgrades = 0
    for history in by_tenant.values():
        assert history[0].is_trial
        assert sum(s.ended_on is None for s in history) <= 1
        for before, after in itertools.pairwise(history):
            assert before.ended_on is not None and before.ended_on <= after.started_on  # never overlapping
            if (
                before.ended_on == after.started_on
                and not before.is_trial
                and before.plan_id != after.plan_id
            ):
                if order.index(after.plan_id) > order.index(before.plan_id):
                    upgrades += 1
                else:
                    downgrades += 1
    assert upgrades > 0 and downgrades > 0
    assert any(s.started_on.day != 1 and not s.is_trial for s in subs)


def test_generated_operational_db_copies_into_the_warehouse(small: Generated, tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    counts = copy_operational_tables(conn, small.settings.database_url)
    s = small.summary
    core = {k: v for k, v in counts.items() if k in CORE_COPIED}
    assert core == {
        "operational_publishers": s.publishers,
        "operational_packages": s.packages,
        "operational_package_versions": s.versions,
        "operational_tenants": s.tenants,
        "operational_subscriptions": s.subscriptions,
        "operational_tenant_events": s.tenant_events,
    }

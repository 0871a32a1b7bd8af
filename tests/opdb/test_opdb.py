from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from atom.opdb import (
    Base,
    Package,
    PackageVersion,
    Publisher,
    Subscription,
    Tenant,
    TenantEvent,
    make_engine,
    migrate,
    session_scope,
)
from atom.opdb.db import alembic_config

CORE_TABLES = {"publishers", "packages", "package_versions", "tenants", "subscriptions", "tenant_events"}


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'atom.db'}"


def test_migrate_creates_every_core_table_in_a_fresh_file(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert tables >= CORE_TABLES | {"alembic_version"}
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar_one() >= 1
    # Areas branch off the core revision; migrate() brings every branch to its head, so every table the
    # models declare exists.
    assert tables >= set(Base.metadata.tables)


def test_migrating_twice_is_a_no_op(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.add(Publisher(id="pub_acme", name="Acme", created_at=datetime(2025, 1, 1)))
    migrate(url)
    with session_scope(engine) as session:
        assert session.scalars(select(Publisher.id)).all() == ["pub_acme"]


def test_models_match_the_migrations(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.check(config)  # raises when autogenerate would find a difference


def test_rows_written_are_read_back(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.add(Publisher(id="pub_acme", name="Acme", created_at=datetime(2025, 1, 1, 9, 30)))
        session.add(
            Package(
                id="pkg_slack_notify",
                name="slack-notify",
                publisher_id="pub_acme",
                category="notifications",
                description="Post workflow results to Slack",
                created_at=datetime(2025, 1, 2),
            )
        )
        session.add(
            PackageVersion(
                package_id="pkg_slack_notify",
                version="1.2.0",
                status="approved",
                published_at=datetime(2025, 2, 1),
                sha256=None,
            )
        )
        session.add(
            Tenant(id="ten_acme", name="Acme", segment="smb", country="US", created_at=datetime(2025, 3, 1))
        )
        session.add_all(
            [
                Subscription(
                    id="sub_1",
                    tenant_id="ten_acme",
                    plan_id="team",
                    is_trial=True,
                    started_on=date(2025, 3, 1),
                    ended_on=date(2025, 3, 15),
                ),
                Subscription(
                    id="sub_2",
                    tenant_id="ten_acme",
                    plan_id="team",
                    is_trial=False,
                    started_on=date(2025, 3, 15),
                ),
                TenantEvent(tenant_id="ten_acme", state="trialing", occurred_at=datetime(2025, 3, 1)),
                TenantEvent(tenant_id="ten_acme", state="active", occurred_at=datetime(2025, 3, 15, 8)),
            ]
        )

    with session_scope(make_engine(url)) as session:
        version = session.get(PackageVersion, ("pkg_slack_notify", "1.2.0"))
        assert version is not None and version.status == "approved" and version.sha256 is None
        subs = session.scalars(select(Subscription).order_by(Subscription.started_on)).all()
        assert [(s.is_trial, s.started_on, s.ended_on) for s in subs] == [
            (True, date(2025, 3, 1), date(2025, 3, 15)),
            (False, date(2025, 3, 15), None),
        ]
        states = session.scalars(select(TenantEvent.state).order_by(TenantEvent.occurred_at)).all()
        assert states == ["trialing", "active"]
        assert session.get(Publisher, "pub_acme").created_at == datetime(2025, 1, 1, 9, 30)  # type: ignore[union-attr]


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(_url(tmp_path))
    with engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("pragma busy_timeout")).scalar_one() == 5000
        assert conn.execute(text("pragma foreign_keys")).scalar_one() == 1


def test_a_package_of_an_unknown_publisher_is_refused(database_url: str) -> None:
    url = database_url
    migrate(url)
    with (
        pytest.raises(IntegrityError),
        session_scope(make_engine(url)) as session,
    ):
        session.add(
            Package(id="pkg_x", name="x-pkg", publisher_id="pub_nobody", created_at=datetime(2025, 1, 1))
        )


def test_an_unknown_lifecycle_state_is_refused(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.add(Tenant(id="ten_a", name="A", created_at=datetime(2025, 1, 1)))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(TenantEvent(tenant_id="ten_a", state="sleeping", occurred_at=datetime(2025, 1, 2)))


def test_session_scope_rolls_back_when_the_block_raises(database_url: str) -> None:
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Publisher(id="pub_a", name="A", created_at=datetime(2025, 1, 1)))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.scalars(select(Publisher)).all() == []


def test_postgresql_engines_check_their_connections_before_use(pg_database_url: str) -> None:
    engine = make_engine(pg_database_url)
    try:
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
        with engine.connect() as conn:
            assert conn.execute(text("show server_version")).scalar_one().startswith("15")
    finally:
        engine.dispose()

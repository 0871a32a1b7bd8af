"""Migration 0053 on a database with data, on SQLite and PostgreSQL: a live review lock survives SQLite's
rebuild of ``submissions``, ``info_requested`` is accepted after it and refused below it, and a downgrade
sends an open question back to the queue rather than failing the older check."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from atom.opdb import make_engine, migrate
from atom.opdb.db import alembic_config

NOW = datetime(2026, 12, 7, 9, 0)


def _run(engine: Engine, url: str, action: str, target: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO publishers (id, name, created_at) VALUES ('acme', 'Acme', :now)"), {"now": NOW}
        )
        conn.execute(
            text(
                "INSERT INTO packages (id, name, publisher_id, created_at) VALUES ('pkg_a', 'a-pkg', 'acme', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO publisher_keys (key_id, publisher_id, public_key_pem, created_at) "
                "VALUES ('key_1', 'acme', '-', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO submissions (id, publisher_id, package_id, package_name, version, sha256, size_bytes, "
                "artifact_path, signature, signing_key_id, manifest_json, status, submitted_at, submitted_by_key_id) "
                "VALUES ('sub_1', 'acme', 'pkg_a', 'a-pkg', '1.0.0', 'x', 1, 'p', 's', 'key_1', '{}', 'in_review', "
                ":now, 'k')"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO review_locks (submission_id, locked_by, locked_at, expires_at) "
                "VALUES ('sub_1', 'rita@atom.test', :now, :now)"
            ),
            {"now": NOW},
        )


def _ask(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE submissions SET status = 'info_requested' WHERE id = 'sub_1'"))


def test_0053_keeps_locks_accepts_info_requested_and_downgrades_it_to_the_queue(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        # Everything below 0053: the registry at 0005, the portal's locks (0004) beside it.
        _run(engine, database_url, "upgrade", "0005")
        _run(engine, database_url, "upgrade", "0004")
        _seed(engine)
        with pytest.raises(IntegrityError):
            _ask(engine)

        migrate(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT locked_by FROM review_locks")).scalar_one() == "rita@atom.test"
        _ask(engine)

        _run(engine, database_url, "downgrade", "0005")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM submissions")).scalar_one() == "in_review"
            assert conn.execute(text("SELECT count(*) FROM review_locks")).scalar_one() == 1
        with pytest.raises(IntegrityError):
            _ask(engine)
    finally:
        engine.dispose()

"""Every Alembic revision of the operational DB upgrades and downgrades, one at a time, on SQLite and on
PostgreSQL; and a database taken down to nothing comes back up to the models' schema (a downgrade that
leaves a PostgreSQL type, an index or a sequence behind fails the second climb)."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from atom.opdb import Base, make_engine, migrate
from atom.opdb.db import alembic_config


def _current(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return set(conn.execute(text("select version_num from alembic_version")).scalars())


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _run(engine: Engine, url: str, action: str, target: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)


def _check(engine: Engine, url: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.check(config)  # raises when the schema differs from the models


def test_every_revision_upgrades_and_downgrades_one_step_at_a_time(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    # Base first: each revision comes after every revision it needs (down revisions and depends_on).
    revisions = list(reversed(list(script.walk_revisions())))
    assert len(revisions) >= 6
    engine = make_engine(database_url)
    try:
        climbed: list[tuple[str, set[str]]] = []
        for revision in revisions:
            before = _tables(engine)
            _run(engine, database_url, "upgrade", revision.revision)
            assert revision.revision in _current(engine) or any(
                revision.revision in {r.revision for r in script.iterate_revisions(head, "base")}
                for head in _current(engine)
            )
            climbed.append((revision.revision, before))
        assert _current(engine) == set(script.get_heads())
        assert _tables(engine) == set(Base.metadata.tables)
        _check(engine, database_url)

        # Down again, the last climbed first: each step removes that revision alone.
        for revision_id, tables_before in reversed(climbed):
            _run(engine, database_url, "downgrade", f"{revision_id}@-1")
            current = _current(engine)
            assert revision_id not in current
            assert _tables(engine) == tables_before, revision_id
        assert _current(engine) == set()
        assert _tables(engine) == set()

        # And up again to every head: nothing a downgrade left behind gets in the way.
        engine.dispose()
        migrate(database_url)
        assert _current(engine) == set(script.get_heads())
        _check(engine, database_url)
    finally:
        engine.dispose()

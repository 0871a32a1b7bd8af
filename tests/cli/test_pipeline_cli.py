"""The `atom` command end to end at small scale: ingest, and recovery from a killed build (the demo: test_clean_stops.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.warehouse_turn import WAREHOUSE_TAGS
from tests.billing.conftest import built_home  # noqa: F401 (fixture)
from tests.orchestration.conftest import TODAY

pytestmark = pytest.mark.slow

ATOM = str(Path(sys.executable).parent / "atom")


def atom(home: Path, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
    """``atom <args>`` on ``home``, with ``env`` added to its environment (ATOM_TODAY=...)."""
    return subprocess.run(
        [ATOM, *args], capture_output=True, text=True, timeout=timeout, env=_env(home) | env, check=False
    )


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_"))}
    return {**env, "ATOM_HOME": str(home)}


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_ingest_lands_and_loads_a_file_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert atom(home, "generate", "--scale", "small", "--today", "2026-11-20").returncode == 0
    events = tmp_path / "late.ndjson"
    events.write_text(
        "\n".join(
            json.dumps(e)
            for e in [
                {
                    "id": "cli_1",
                    "tenant_id": _any_tenant(home),
                    "metric": "workflow_runs",
                    "quantity": "1",
                    "timestamp": "2026-10-15T10:00:00Z",
                },
                {
                    "id": "cli_2",
                    "tenant_id": "ten_nobody",
                    "metric": "workflow_runs",
                    "quantity": "1",
                    "timestamp": "2026-10-15T10:00:00Z",
                },
            ]
        )
        + "\nnot json at all\n"
    )
    first = atom(home, "ingest", str(events))
    assert first.returncode == 0, first.stderr[-3000:]
    assert "unknown_tenant 1" in first.stdout and "malformed_record 1" in first.stdout
    rows = query(home / "warehouse.duckdb", "select count(*) from raw.usage_events where event_id = 'cli_1'")
    assert rows == [(1,)]
    # A real Dagster run of the ingest job, recorded in the home's instance, that held the warehouse.
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="ingest_job"))
        assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        assert all(WAREHOUSE_TAGS.items() <= run.tags.items() for run in runs)
        assert instance.get_materialized_partitions(dg.AssetKey(["raw", "usage_events"]))
        assert not instance.event_log_storage.get_concurrency_run_ids()  # its slot was given back

    again = atom(home, "ingest", str(events))  # the same content lands again under a new name
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(
        home / "warehouse.duckdb", "select count(*) from raw.usage_events where event_id = 'cli_1'"
    ) == [(1,)]
    reconciled = query(
        home / "warehouse.duckdb",
        "select count(*) from raw.ingest_batches where received <> loaded + duplicates + quarantined",
    )
    assert reconciled == [(0,)]

    # --format json: the counts of this ingest alone, as a document on stdout (progress stays on stderr).
    tenant = _any_tenant(home)
    more = tmp_path / "more.csv"
    more.write_text(
        "id,tenant_id,metric,quantity,timestamp\n"
        f"cli_1,{tenant},workflow_runs,1,2026-10-15T10:00:00Z\n"  # an exact repeat of the loaded event
        f"cli_3,{tenant},workflow_runs,-2,2026-10-15T10:00:00Z\n"
        f"cli_4,{tenant},workflow_runs,2,2026-10-15T11:00:00Z\n"
    )
    done = atom(home, "ingest", str(more), "--format", "json")
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(done.stdout)
    assert document["success"] and len(document["landed"]) == 1 and len(document["run_ids"]) == 1
    # The landing days this run looked at also hold the batches loaded before, counted apart.
    assert document["usage"].pop("batches_already_loaded") >= 1
    assert document["usage"] == {
        "batches": 1,
        "received": 3,
        "loaded": 1,
        "duplicates": 1,
        "quarantined": 1,
        "quarantined_by_reason": {"negative_quantity": 1},
        "unreadable_files": 0,
    }


def test_with_the_day_pinned_each_file_ingested_lands_on_that_day_and_loads(
    built_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # ATOM_TODAY pins the platform's day (atom/clock.py). Files used to land on the wall clock's day instead:
    # the first ingest loaded that day, which is neither the pinned today nor its yesterday, so it was never
    # looked at again and every later file landed and stayed unloaded, the command saying "received 0".
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    tenant = _any_tenant(home)
    for n in (1, 2):  # the second one used to stay unloaded
        events = tmp_path / f"events-{n}.csv"
        events.write_text(
            f"id,tenant_id,metric,quantity,timestamp\npinned_{n},{tenant},workflow_runs,{n},{TODAY}T09:00:00Z\n"
        )
        done = atom(home, "ingest", str(events), "--format", "json", ATOM_TODAY=TODAY.isoformat())
        assert done.returncode == 0, done.stderr[-3000:]
        document = json.loads(done.stdout)
        assert Path(document["landed"][0]).parent.name == TODAY.isoformat()
        assert (document["usage"]["received"], document["usage"]["loaded"]) == (1, 1), document["usage"]
    loaded = query(
        home / "warehouse.duckdb",
        "select event_id, quantity from raw.usage_events where event_id like 'pinned_%' order by 1",
    )
    assert [(event, int(quantity)) for event, quantity in loaded] == [("pinned_1", 1), ("pinned_2", 2)]


def test_unsupported_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "events.xlsx"
    bad.write_text("nope")
    _initialised(tmp_path / "home")
    result = atom(tmp_path / "home", "ingest", str(bad))
    assert result.returncode != 0
    assert "unsupported file type" in result.stderr and ".parquet" in result.stderr


def test_an_unreadable_file_is_refused_before_anything_lands(tmp_path: Path) -> None:
    good = tmp_path / "good.ndjson"
    good.write_text(
        json.dumps(
            {
                "id": "e1",
                "tenant_id": "t",
                "metric": "m",
                "quantity": "1",
                "timestamp": "2026-10-01T00:00:00Z",
            }
        )
    )
    headless = tmp_path / "no_timestamp.csv"
    headless.write_text("id,tenant_id,metric,quantity\ne1,t1,workflow_runs,1\n")
    home = tmp_path / "home"
    _initialised(home)

    result = atom(home, "ingest", str(good), str(headless))

    assert result.returncode == 2
    assert "nothing landed" in result.stderr and "missing column(s) timestamp" in result.stderr
    assert not list((home / "landing").rglob("*.*")), "neither file landed"


def test_a_file_ingested_before_the_price_book_and_tenants_waits_and_then_loads_once(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from atom.opdb import Tenant, make_engine, session_scope

    home = tmp_path / "home"
    _initialised(home)
    sent = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    events = tmp_path / "early.csv"
    events.write_text(
        "id,tenant_id,metric,quantity,timestamp\n"
        f"early_1,ten_early,workflow_runs,3,{sent.isoformat().replace('+00:00', 'Z')}\n"
    )

    def error_line(result: subprocess.CompletedProcess[str]) -> str:
        assert result.returncode == 1, result.stderr[-3000:]
        return [line for line in result.stderr.splitlines() if line.startswith("error:")][-1]

    # The step's own reason, not Dagster's "Error occurred while executing op", and what to do about it.
    no_book = error_line(atom(home, "ingest", str(events)))
    assert "no price book is published" in no_book and "atom price-book publish" in no_book, no_book
    assert len(list((home / "landing").rglob("*.csv"))) == 1, "the file waits in the landing zone"

    book = tmp_path / "book.yaml"
    book.write_text(
        "currency: usd\nmetrics:\n  workflow_runs: {aggregation: count}\nprices:\n"
        '  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}\n'
    )
    published = atom(home, "price-book", "publish", str(book), "--effective-from", f"{sent:%Y-%m}")
    assert published.returncode == 0, published.stderr[-3000:]
    no_tenants = error_line(atom(home, "ingest"))
    assert "no tenants" in no_tenants and "/v1/tenants" in no_tenants, no_tenants

    engine = make_engine(f"sqlite:///{home / 'atom.db'}")
    try:
        with session_scope(engine) as session:
            session.add(
                Tenant(id="ten_early", name="Early", created_at=datetime.now(UTC).replace(tzinfo=None))
            )
    finally:
        engine.dispose()
    loaded = atom(home, "ingest")  # what waits in the landing zone
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert query(
        home / "warehouse.duckdb", "select event_id, quantity from raw.usage_events order by event_id"
    ) == [("early_1", 3)]
    assert query(home / "warehouse.duckdb", "select received, loaded from raw.ingest_batches") == [(1, 1)]


def _initialised(home: Path) -> None:
    """What `atom init` leaves that commands check for (its migrated operational DB), without its build."""
    from atom.opdb import migrate

    migrate(f"sqlite:///{home / 'atom.db'}")


def _any_tenant(home: Path) -> str:
    import sqlite3

    with sqlite3.connect(home / "atom.db") as conn:
        return conn.execute("select id from tenants order by id limit 1").fetchone()[0]


def test_build_killed_mid_run_then_rerun_equals_one_clean_build(
    tmp_path: Path,
    built_home: Path,  # noqa: F811
) -> None:
    # The clean build to compare with: the run's shared build of the same marketplace (seed 11, built by
    # run_build, which `atom build` runs), read only.
    clean, crashed = built_home, tmp_path / "crashed"
    env = {**_env(crashed), "ATOM_TODAY": TODAY.isoformat()}  # the day the shared home was built as of
    generated = subprocess.run(
        [ATOM, "generate", "--scale", "small", "--seed", "11"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr[-3000:]

    # Kill the build once it has started writing the warehouse (after the reference data, during the usage
    # load or dbt, depending on the machine's speed): wherever it dies, the rerun must converge.
    process = subprocess.Popen(
        [ATOM, "build"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    warehouse = crashed / "warehouse.duckdb"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None and not warehouse.exists():
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, "the build finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    rerun = subprocess.run(
        [ATOM, "build", "--format", "json"], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    built = json.loads(rerun.stdout)  # stdout holds the document alone
    assert built["success"] and not built["up_to_date"] and built["error"] is None
    assert built["snapshot"] == str(crashed / "serving.duckdb") and built["run_ids"]
    assert built["usage"]["received"] == (
        built["usage"]["loaded"] + built["usage"]["duplicates"] + built["usage"]["quarantined"]
    )
    again = subprocess.run(
        [ATOM, "build", "--format", "json"], capture_output=True, text=True, env=env, check=False
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout) == {
        "up_to_date": True,
        "success": True,
        "last_build": {
            "run_id": built["run_ids"][-1],
            "inputs_at": json.loads(again.stdout)["last_build"]["inputs_at"],
        },
        "snapshot": str(crashed / "serving.duckdb"),
    }
    for sql in (
        "select * from raw.usage_events order by tenant_id, event_id",
        "select reason, count(*) from raw.usage_quarantine group by all order by all",
        "select batch_id, received, loaded, duplicates, quarantined from raw.ingest_batches order by batch_id",
    ):
        normalise = (lambda rows: [r[:7] for r in rows]) if "usage_events" in sql else (lambda rows: rows)
        assert normalise(query(warehouse, sql)) == normalise(query(clean / "warehouse.duckdb", sql)), sql
    lines = "select * from marts.fct_invoice_lines order by all"
    assert query(crashed / "serving.duckdb", lines) == query(clean / "serving.duckdb", lines)


def test_generate_over_a_used_home_is_refused_until_replace_starts_it_over(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert atom(home, "generate", "--scale", "small", "--today", "2026-11-20").returncode == 0
    added = subprocess.run(
        [ATOM, "users", "add", "fin@example.com", "--role", "finance", "--password-stdin"],
        input="close-the-month\n",
        capture_output=True,
        text=True,
        env=_env(home),
        check=False,
    )
    assert added.returncode == 0, added.stderr

    refused = atom(home, "generate", "--scale", "small", "--today", "2026-11-20", "--seed", "8")
    assert refused.returncode == 2
    assert "already holds a marketplace" in refused.stderr and "portal_users" in refused.stderr
    assert "--replace" in refused.stderr
    assert _any_tenant(home), "the refused run changed nothing"

    replaced = atom(home, "generate", "--scale", "small", "--today", "2026-11-20", "--seed", "8", "--replace")
    assert replaced.returncode == 0, replaced.stderr[-3000:]
    import sqlite3

    with sqlite3.connect(home / "atom.db") as conn:
        assert conn.execute("select count(*) from portal_users").fetchone() == (0,)
        assert conn.execute("select count(*) from tenants").fetchone()[0] > 0

"""The event log keeps the index database's connection between writes, not a run's (orchestration/event_log.py)."""

from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from sqlalchemy.pool import NullPool

from orchestration.event_log import BatchingSqliteEventLogStorage


@dg.asset(check_specs=[dg.AssetCheckSpec("fine", asset="counted")])
def counted():
    yield dg.MaterializeResult(metadata={"rows": 1})
    yield dg.AssetCheckResult(check_name="fine", passed=True)


def test_a_run_writes_the_index_through_one_kept_connection_and_its_own_database_per_use(
    tmp_path: Path,
) -> None:
    storage = {
        "module": "orchestration.event_log",
        "class": BatchingSqliteEventLogStorage.__name__,
        "config": {"base_dir": str(tmp_path / "runs")},
    }
    with dg.instance_for_test(overrides={"event_log_storage": storage}, temp_dir=str(tmp_path)) as instance:
        log = instance.event_log_storage
        assert isinstance(log, BatchingSqliteEventLogStorage)
        result = dg.materialize([counted], instance=instance)
        assert result.success
        index = log._engines[INDEX_SHARD_NAME].pool
        # Every event of the run went through the same connection of the index (about 20 of them).
        assert not isinstance(index, NullPool) and index.checkedin() == 1  # type: ignore[attr-defined]
        assert isinstance(log._engines[result.run_id].pool, NullPool)
        assert len(instance.get_records_for_run(result.run_id).records) > 10
        # Both sync at WAL checkpoints, not at every commit (1 = NORMAL).
        for shard in (INDEX_SHARD_NAME, result.run_id):
            with log._connect(shard) as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    assert not log._engines  # closed with the instance

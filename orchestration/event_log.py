"""Dagster's SQLite event log, writing a batch of events in one transaction per database.

Before a run Dagster records one "planned" event per asset, asset check and partition, and a single-run
backfill of the daily usage partitions records one materialization per day. Dagster hands these to the
storage as batches (when ``DAGSTER_EVENT_BATCH_SIZE`` is set), but its SQLite storage stores a batch one
event at a time: a new engine, connection and transaction in the run's database and in the index
database per event, ~15 ms each on the 2-core machine. Over six months of partitions that was 11 s of a
10M-event build, and about 1 s with batches (docs/decisions/0002-one-build-job.md). This storage writes a batch with one transaction
per database; the rows it stores are the rows the stock storage stores (tests/orchestration/
test_event_log.py builds the same backfill on both and compares them).

Configured in ``$DAGSTER_HOME/dagster.yaml`` by :mod:`atom.settings`; everything but batches is the stock
storage. It leans on the stock storage's private helpers, so it is pinned with Dagster (1.13.x).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from dagster._core.events import ASSET_EVENTS, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    AssetKeyTable,
    SqlEventLogStorageTable,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import exc as db_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

CHECK_PLANNED = DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
MAX_ENGINES = 64


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """Changes to the stock storage, each measured on the 2-core machine:

    - a batch of events is written with one transaction per database instead of one per event;
    - one SQLAlchemy engine per database file is kept. The stock storage builds and disposes of an engine
      per write, which also throws away SQLAlchemy's cache of compiled statements: a single
      materialization event took 17.7 ms, 10.4 ms with the engine kept;
    - every database syncs to disk at checkpoints, not at each commit (``synchronous=NORMAL``, safe in WAL
      mode; decision 0095);
    - the index database (every event is mirrored there) keeps its connections in the engine's pool. Each
      database is in WAL mode, and closing its last connection checkpoints the WAL into the file: an
      open-write-close took 20.8 ms against 4.0 ms on a kept connection (load 5), twice per event, over
      ~220 events of a build after 10,000 new events at 10M (docs/decisions/0092). Other processes still
      see each write when it commits (WAL). A run's own database still opens a connection per use: the
      webserver follows a run by watching that file change (SqliteEventLogStorageWatchdog), which a
      kept connection would only do at WAL checkpoints.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    # The index keeps its connections; a run's database opens one per use (see the class).
                    **({} if shard == INDEX_SHARD_NAME else {"poolclass": NullPool}),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                sqlalchemy_event.listen(engine, "connect", _synchronous_normal)
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
                while len(self._engines) > MAX_ENGINES:  # a webserver reads many runs' shards
                    self._engines.popitem(last=False)[1].dispose()
            else:
                self._engines.move_to_end(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:  # the index's kept connections close with the instance
            while self._engines:
                self._engines.popitem()[1].dispose()

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> BatchingSqliteEventLogStorage:
        # The stock class builds a SqliteEventLogStorage here whatever the subclass.
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if len(events) < 2 or len({e.run_id for e in events}) != 1 or not all(map(_batchable, events)):
            super().store_event_batch(events)  # one store_event per event
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        # Every batchable event is mirrored in the index database, as store_event does one by one.
        with self.index_transaction() as conn:
            ids = [_inserted_id(conn, row) for row in rows]
            assets = [
                (e, i) for e, i in zip(events, ids, strict=True) if e.dagster_event_type in ASSET_EVENTS
            ]
            if assets:
                self._store_asset_event_tags(conn, [e for e, _ in assets], [i for _, i in assets])
                self._store_asset_entries(conn, assets)
            checks = [
                check_row
                for e, i, row in zip(events, ids, rows, strict=True)
                if e.dagster_event_type == CHECK_PLANNED
                for check_row in self._planned_check_rows(e, i, row["event"])
            ]
            if checks:
                conn.execute(AssetCheckExecutionsTable.insert(), checks)

    def _store_asset_entries(self, conn: Any, events: Sequence[tuple[EventLogEntry, int]]) -> None:
        """One upsert per asset key, leaving the columns the stock storage's per-event upserts leave."""
        has_index_cols = self._has_asset_key_index_cols_on_connection(conn)
        merged: dict[str, dict[str, Any]] = {}
        for event, event_id in events:
            values = self._get_asset_entry_values(event, event_id, has_index_cols)
            if values:
                key = event.get_dagster_event().asset_key.to_string()  # type: ignore[union-attr]
                merged.setdefault(key, {}).update(values)
        for key, values in merged.items():
            try:  # as the stock storage: SQLite rolls back only the failed statement
                conn.execute(AssetKeyTable.insert().values(asset_key=key, **values))
            except db_exc.IntegrityError:
                conn.execute(AssetKeyTable.update().values(**values).where(AssetKeyTable.c.asset_key == key))

    def _planned_check_rows(
        self, event: EventLogEntry, event_id: int, serialized: str
    ) -> list[dict[str, Any]]:
        """The rows ``_store_asset_check_evaluation_planned`` inserts for one planned check."""
        planned = event.get_dagster_event().event_specific_data
        subset = planned.partitions_subset  # type: ignore[union-attr]
        return [
            dict(
                asset_key=planned.asset_key.to_string(),  # type: ignore[union-attr]
                check_name=planned.check_name,  # type: ignore[union-attr]
                partition=partition_key,
                run_id=event.run_id,
                execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
                evaluation_event=serialized,
                evaluation_event_timestamp=self._event_insert_timestamp(event),
                evaluation_event_storage_id=event_id,
            )
            for partition_key in (subset.get_partition_keys() if subset else [None])
        ]


def _synchronous_normal(dbapi_connection: Any, _record: Any) -> None:
    # In WAL mode (every shard is), NORMAL syncs the WAL at checkpoints instead of at every commit: the
    # database cannot be corrupted, and a power cut loses at most the last events, never an application
    # crash. A run's database commits and checkpoints once per event: 2.5 ms an event, 1.5 ms with NORMAL
    # (load 5). What a lost event would have recorded, the next build redoes: loading is idempotent.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _inserted_id(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(SqlEventLogStorageTable.insert(), row)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _batchable(event: EventLogEntry) -> bool:
    if not event.is_dagster_event:
        return False
    if event.dagster_event_type == CHECK_PLANNED:
        return True
    return event.dagster_event_type in ASSET_EVENTS and event.get_dagster_event().asset_key is not None

"""Dagster's run and asset-check outcomes as Prometheus metrics (issue 13 item 8, decision 0090).

``atom orchestrator`` starts it beside Dagster's webserver and daemon (``python -m orchestration.exporter``);
Prometheus scrapes ``/metrics`` on port 9464 (deploy/monitoring/prometheus.yml, job ``atom-orchestration``).
The names are those the alert rules and the dashboard use (deploy/monitoring/alerts.yml, docs/deploy.md):

| metric | labels | from |
|---|---|---|
| ``atom_dagster_runs_total`` | job, status | runs that finished since the exporter started |
| ``atom_dagster_run_duration_seconds`` (histogram) | job | their wall time |
| ``atom_dagster_last_success_timestamp_seconds`` | job | end of the job's last successful run, in all history |
| ``atom_dagster_asset_check_passed`` | asset, check | 1 if the latest evaluation passed, else 0 |
| ``atom_billing_invoice_drift_tenants`` | period | ``tenants_with_drift`` of the latest drift check of each month |
| ``atom_ingest_events_total`` | outcome | events the usage asset loaded, counted duplicates or quarantined |

It tails the instance (its run storage and event log, SQLite or PostgreSQL alike) every few seconds and
keeps ordinary counters, rather than recounting the history on every scrape: a count over retained runs
would fall when Dagster purges old ones, and recounting grows with the history. Counters start at zero
for the jobs it knows, so the first failure after a restart is an increase Prometheus can see (a series
born at 1 is not); gauges are filled from the history at start.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster import DagsterEventType, EventRecordsFilter, RunShardedEventsCursor
from dagster._core.storage.dagster_run import FINISHED_STATUSES
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("atom.exporter")

DEFAULT_PORT = 9464  # OpenTelemetry's Prometheus exporter port, where deploy/monitoring looks
POLL_SECONDS = 5.0
KNOWN_JOBS = ("build_job", "ingest_job", "billing_job", "scan_submission_job")
STATUSES = {
    dg.DagsterRunStatus.SUCCESS: "success",
    dg.DagsterRunStatus.FAILURE: "failure",
    dg.DagsterRunStatus.CANCELED: "canceled",
}
USAGE_KEY = dg.AssetKey(["raw", "usage_events"])  # orchestration/defs/ingest.py
USAGE_OUTCOMES = {"loaded": "loaded", "duplicates": "duplicate", "quarantined": "quarantined"}
DRIFT_CHECK = "invoice_totals_equal_rated_usage"  # orchestration/defs/billing.py
# A build is a few seconds at the demo's scale, minutes at scale; a month close up to an hour.
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))
HISTORY_EVENTS = 5000  # check evaluations read at start to know each check's latest outcome


class DagsterMetrics:
    """The metrics of one Dagster instance, in their own registry; :meth:`poll` brings them up to date."""

    def __init__(self, instance: dg.DagsterInstance, registry: CollectorRegistry | None = None) -> None:
        self.instance = instance
        self.registry = registry or CollectorRegistry()
        self.runs = Counter(
            "atom_dagster_runs",
            "Dagster runs finished, by job and status.",
            ["job", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "atom_dagster_run_duration_seconds",
            "Wall time of finished Dagster runs.",
            ["job"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.last_success = Gauge(
            "atom_dagster_last_success_timestamp_seconds",
            "End of the job's last successful run (Unix time).",
            ["job"],
            registry=self.registry,
        )
        self.check_passed = Gauge(
            "atom_dagster_asset_check_passed",
            "1 if the latest evaluation of the asset check passed, else 0.",
            ["asset", "check"],
            registry=self.registry,
        )
        self.drift = Gauge(
            "atom_billing_invoice_drift_tenants",
            "Tenants whose finalized invoices of the month differ from its rated usage (latest check).",
            ["period"],
            registry=self.registry,
        )
        self.ingest = Counter(
            "atom_ingest_events",
            "Usage events the build loaded, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        for job in KNOWN_JOBS:
            self.duration.labels(job)
            for status in STATUSES.values():
                self.runs.labels(job, status)
        for outcome in USAGE_OUTCOMES.values():
            self.ingest.labels(outcome)
        self._counted: dict[str, float] = {}  # run id -> end time, of runs already counted
        self._last_success: dict[str, float] = {}
        self._since = self._polled = datetime.now(UTC)
        self._check_cursor = self._usage_cursor = 0
        self._start_from_history()

    # -- start ---------------------------------------------------------------------------------------
    def _start_from_history(self) -> None:
        jobs = set(KNOWN_JOBS) | {r.dagster_run.job_name for r in self.instance.get_run_records(limit=200)}
        for job in sorted(jobs):
            latest = self.instance.get_run_records(
                dg.RunsFilter(job_name=job, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
            )
            if latest and latest[0].end_time:
                self._last_success[job] = latest[0].end_time
                self.last_success.labels(job).set(latest[0].end_time)
        # Runs that ended before the start are history: the first poll's overlap must not count them.
        for record in self.instance.get_run_records(
            dg.RunsFilter(statuses=list(FINISHED_STATUSES), updated_after=self._since - timedelta(minutes=2))
        ):
            self._counted[record.dagster_run.run_id] = record.end_time or time.time()
        newest_first = self._events(
            DagsterEventType.ASSET_CHECK_EVALUATION, None, HISTORY_EVENTS, ascending=False
        )
        self._record_checks(reversed(newest_first))
        self._check_cursor = max((r.storage_id for r in newest_first), default=0)
        usage = self._events(
            DagsterEventType.ASSET_MATERIALIZATION, None, 1, ascending=False, asset_key=USAGE_KEY
        )
        self._usage_cursor = max((r.storage_id for r in usage), default=0)  # loads before the start: not ours

    # -- every poll ----------------------------------------------------------------------------------
    def poll(self) -> None:
        polled = datetime.now(UTC)
        self._poll_runs()
        checks = self._events(DagsterEventType.ASSET_CHECK_EVALUATION, self._check_cursor, 1000)
        self._record_checks(checks)
        self._check_cursor = max((r.storage_id for r in checks), default=self._check_cursor)
        loads = self._events(
            DagsterEventType.ASSET_MATERIALIZATION, self._usage_cursor, 1000, asset_key=USAGE_KEY
        )
        self._record_loads(loads)
        self._usage_cursor = max((r.storage_id for r in loads), default=self._usage_cursor)
        self._polled = polled

    def _poll_runs(self) -> None:
        # A minute of overlap: a run's update time and its end time are written a moment apart.
        records = self.instance.get_run_records(
            dg.RunsFilter(statuses=list(FINISHED_STATUSES), updated_after=self._since - timedelta(minutes=1))
        )
        for record in records:
            run = record.dagster_run
            status = STATUSES.get(run.status)
            if status is None or run.run_id in self._counted:
                continue
            ended = record.end_time or time.time()
            self._counted[run.run_id] = ended
            self.runs.labels(run.job_name, status).inc()
            if record.start_time:
                self.duration.labels(run.job_name).observe(max(ended - record.start_time, 0.0))
            if status == "success" and ended > self._last_success.get(run.job_name, 0.0):
                self._last_success[run.job_name] = ended
                self.last_success.labels(run.job_name).set(ended)
        self._since = datetime.now(UTC)
        horizon = time.time() - 3600  # forget counted runs long past the overlap
        self._counted = {run_id: end for run_id, end in self._counted.items() if end > horizon}

    def _events(
        self,
        event_type: DagsterEventType,
        after: int | None,
        limit: int,
        ascending: bool = True,
        asset_key: dg.AssetKey | None = None,
    ) -> list[dg.EventLogRecord]:
        # The SQLite event log keeps a file per run: a cursor names the runs to look in (those updated since
        # the last poll, with a minute's overlap); storages in one table only read its id.
        cursor = None
        if after is not None:
            cursor = RunShardedEventsCursor(id=after, run_updated_after=self._polled - timedelta(minutes=1))
        records = self.instance.get_event_records(
            EventRecordsFilter(event_type=event_type, asset_key=asset_key, after_cursor=cursor),
            limit=limit,
            ascending=ascending,
        )
        return list(records)

    def _record_checks(self, records: Iterable[dg.EventLogRecord]) -> None:
        for record in records:
            event = record.event_log_entry.dagster_event
            evaluation = event.event_specific_data if event else None
            if not isinstance(evaluation, dg.AssetCheckEvaluation):
                continue
            asset = evaluation.asset_key.to_user_string()
            self.check_passed.labels(asset, evaluation.check_name).set(1 if evaluation.passed else 0)
            if evaluation.check_name == DRIFT_CHECK:
                period = self._period_of(record, evaluation)
                drift = evaluation.metadata.get("tenants_with_drift")
                if period and drift is not None:
                    self.drift.labels(period).set(float(drift.value))  # type: ignore[arg-type]

    def _period_of(self, record: dg.EventLogRecord, evaluation: dg.AssetCheckEvaluation) -> str | None:
        partition = evaluation.partition
        if partition is None:
            run = self.instance.get_run_by_id(record.run_id)
            partition = run.tags.get("dagster/partition") if run else None
        return partition[:7] if partition else None  # '2026-10-01' -> '2026-10'

    def _record_loads(self, records: Iterable[dg.EventLogRecord]) -> None:
        seen_runs: set[str] = set()  # a range run repeats the step's totals on every partition's event
        for record in records:
            if record.run_id in seen_runs:
                continue
            seen_runs.add(record.run_id)
            materialization = record.asset_materialization
            if materialization is None:
                continue
            for name, outcome in USAGE_OUTCOMES.items():
                value = materialization.metadata.get(name)
                if value is not None and isinstance(value.value, int):
                    self.ingest.labels(outcome).inc(value.value)


def serve(
    host: str, port: int, poll_seconds: float = POLL_SECONDS, stop: threading.Event | None = None
) -> None:
    """Serve ``/metrics`` on ``host:port`` and poll the instance of ``DAGSTER_HOME`` until ``stop``."""
    stop = stop or threading.Event()
    registry = CollectorRegistry()
    # Listening first: opening a new instance and reading its history can take seconds.
    server, _thread = start_http_server(port, addr=host, registry=registry)
    log.info("serving Dagster metrics on http://%s:%s/metrics", host, port)
    with dg.DagsterInstance.get() as instance:
        metrics = DagsterMetrics(instance, registry)
        log.info("metrics of the Dagster instance at %s are ready", instance.root_directory)
        try:
            while not stop.is_set():
                try:
                    metrics.poll()
                except Exception:  # a locked SQLite file or a restarting database: try again next time
                    log.exception("polling the Dagster instance failed")
                stop.wait(poll_seconds)
        finally:
            server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Dagster run and asset-check outcomes as Prometheus metrics."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--poll-seconds", type=float, default=POLL_SECONDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serve(args.host, args.port, args.poll_seconds, stop)


if __name__ == "__main__":
    main()

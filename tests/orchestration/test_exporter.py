"""The Prometheus exporter of Dagster's outcomes (issue 13 item 8) against a real instance with real runs:
the names and labels are those deploy/monitoring/alerts.yml and the dashboard query."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from orchestration import exporter
from tests.orchestration.conftest import use_home

MONTHS = dg.MonthlyPartitionsDefinition(start_date="2026-01-01", end_offset=0)
INVOICES = dg.AssetKey(["opdb", "invoices"])


@dg.asset(
    key=["raw", "usage_events"],
    check_specs=[dg.AssetCheckSpec("batches_reconcile", asset=dg.AssetKey(["raw", "usage_events"]))],
)
def usage_events():
    yield dg.MaterializeResult(metadata={"loaded": 40, "duplicates": 2, "quarantined": 3})
    yield dg.AssetCheckResult(check_name="batches_reconcile", passed=True)


@dg.asset(
    key=INVOICES,
    partitions_def=MONTHS,
    check_specs=[dg.AssetCheckSpec("invoice_totals_equal_rated_usage", asset=INVOICES)],
)
def invoices():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(
        check_name="invoice_totals_equal_rated_usage",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"tenants_with_drift": 2},
    )


@dg.op
def breaks() -> None:
    raise RuntimeError("the build broke")


DEFS = dg.Definitions(
    assets=[usage_events, invoices],
    jobs=[
        dg.define_asset_job("build_job", selection=[usage_events]),
        dg.define_asset_job("billing_job", selection=[invoices], partitions_def=MONTHS),
    ],
)
BROKEN = dg.GraphDefinition("build_job", node_defs=[breaks]).to_job()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_runs_checks_drift_and_loads_of_a_real_instance_are_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    with dg.DagsterInstance.get() as instance:
        before = instance  # a success before the exporter starts: its time is known, it is not counted
        assert DEFS.resolve_job_def("build_job").execute_in_process(instance=before).success
        metrics = exporter.DagsterMetrics(instance)
        started = _samples(exporter_text(metrics))
        assert started[("atom_dagster_runs_total", (("job", "build_job"), ("status", "failure")))] == 0
        assert started[("atom_dagster_last_success_timestamp_seconds", (("job", "build_job"),))] > 0
        assert (
            started[
                (
                    "atom_dagster_asset_check_passed",
                    (("asset", "raw/usage_events"), ("check", "batches_reconcile")),
                )
            ]
            == 1
        )

        assert DEFS.resolve_job_def("build_job").execute_in_process(instance=instance).success
        assert not BROKEN.execute_in_process(instance=instance, raise_on_error=False).success
        billing = DEFS.resolve_job_def("billing_job")
        assert billing.execute_in_process(instance=instance, partition_key="2026-10-01").success
        metrics.poll()
        metrics.poll()  # nothing is counted twice
        samples = _samples(exporter_text(metrics))

    runs = "atom_dagster_runs_total"
    assert samples[(runs, (("job", "build_job"), ("status", "success")))] == 1
    assert samples[(runs, (("job", "build_job"), ("status", "failure")))] == 1
    assert samples[(runs, (("job", "billing_job"), ("status", "success")))] == 1
    assert samples[("atom_dagster_run_duration_seconds_count", (("job", "build_job"),))] == 2
    assert samples[("atom_dagster_run_duration_seconds_bucket", (("job", "build_job"), ("le", "+Inf")))] == 2
    assert (
        samples[("atom_dagster_last_success_timestamp_seconds", (("job", "billing_job"),))]
        > started[("atom_dagster_last_success_timestamp_seconds", (("job", "build_job"),))]
    )
    check = (("asset", "opdb/invoices"), ("check", "invoice_totals_equal_rated_usage"))
    assert samples[("atom_dagster_asset_check_passed", check)] == 0
    assert samples[("atom_billing_invoice_drift_tenants", (("period", "2026-10"),))] == 2
    # Only the load after the start: 40 loaded, 2 duplicates, 3 quarantined.
    assert samples[("atom_ingest_events_total", (("outcome", "loaded"),))] == 40
    assert samples[("atom_ingest_events_total", (("outcome", "duplicate"),))] == 2
    assert samples[("atom_ingest_events_total", (("outcome", "quarantined"),))] == 3


def exporter_text(metrics: exporter.DagsterMetrics) -> str:
    from prometheus_client import generate_latest

    return generate_latest(metrics.registry).decode()


def test_the_exporter_serves_metrics_over_http_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    port, stop = _free_port(), threading.Event()
    thread = threading.Thread(target=exporter.serve, args=("127.0.0.1", port, 0.2, stop), daemon=True)
    thread.start()
    ready = 'atom_dagster_runs_total{job="build_job",status="failure"} 0.0'
    assert ready in _scrape_until(port, ready)  # counting from zero once it has read the instance
    with dg.DagsterInstance.get() as instance:
        assert not BROKEN.execute_in_process(instance=instance, raise_on_error=False).success
    text = _scrape_until(port, 'atom_dagster_runs_total{job="build_job",status="failure"} 1.0')
    stop.set()
    thread.join(timeout=10)
    assert 'atom_dagster_runs_total{job="build_job",status="failure"} 1.0' in text
    assert not thread.is_alive()


def _scrape_until(port: int, wanted: str, timeout_s: float = 90) -> str:
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                text = response.read().decode()
        except OSError:
            pass
        if wanted in text:
            break
        time.sleep(0.2)
    return text

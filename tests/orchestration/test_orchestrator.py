"""`atom orchestrator`'s Dagster webserver reads what atom's in-process runs wrote, through the same
instance configuration (the batching event log of orchestration/event_log.py) in another process."""

import json
import socket
import urllib.request
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from cli.services import start_orchestrator, stop
from orchestration.partitions import partition_range_tags
from tests.orchestration.conftest import use_home

pytestmark = pytest.mark.slow

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-02-01")


@dg.asset(
    key=dg.AssetKey(["raw", "days_seen"]), partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run()
)
def days_seen(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"days": len(context.partition_keys)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_the_webserver_reads_runs_and_partitions_written_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = use_home(monkeypatch, tmp_path / "home")  # exports DAGSTER_EVENT_BATCH_SIZE too
    settings.ensure_dirs()
    job = dg.Definitions(
        assets=[days_seen], jobs=[dg.define_asset_job("days_job", partitions_def=DAYS)]
    ).resolve_job_def("days_job")
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        run = job.execute_in_process(
            instance=instance, tags=partition_range_tags(date(2026, 1, 1), date(2026, 1, 20))
        )
    assert run.success

    port = _free_port()
    processes = start_orchestrator("127.0.0.1", port)
    try:
        runs = _graphql(port, "{ runsOrError { ... on Runs { results { runId status } } } }")
        materialized = _graphql(
            port,
            '{ assetOrError(assetKey: {path: ["raw", "days_seen"]}) '
            "{ ... on Asset { assetMaterializations(limit: 100) { partition runId } } } }",
        )
    finally:
        stop(processes)

    assert runs["runsOrError"]["results"] == [{"runId": run.run_id, "status": "SUCCESS"}]
    events = materialized["assetOrError"]["assetMaterializations"]
    assert {e["runId"] for e in events} == {run.run_id}
    assert sorted(e["partition"] for e in events) == [f"2026-01-{d:02d}" for d in range(1, 21)]

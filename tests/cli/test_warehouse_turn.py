"""One writer of the warehouse (DESIGN 2, issue 13 item 5): a build and a billing run started together,
each in its own `atom` process, both succeed; a run waits its turn with a message instead of failing on
DuckDB's file lock, and a run whose process died does not hold the warehouse forever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from atom.settings import Settings, get_settings
from orchestration.warehouse_turn import HOST_TAG, PID_TAG, WAREHOUSE_TAGS, in_process_tags, wait_for_turn
from tests.billing.conftest import CLOSED, billing_home, built_home  # noqa: F401 (fixtures)

ATOM = str(Path(sys.executable).parent / "atom")


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_"))}
    return {**env, "ATOM_HOME": str(settings.home), "ATOM_TODAY": os.environ["ATOM_TODAY"]}


@pytest.mark.slow
def test_a_build_and_a_billing_run_started_together_both_succeed(billing_home: Settings) -> None:  # noqa: F811
    env = _env(billing_home)
    logs = billing_home.home.parent
    # --since reloads every landing day of a month: the build holds the warehouse for several steps.
    with open(logs / "build.err", "w") as build_log, open(logs / "billing.out", "w") as billing_log:
        build = subprocess.Popen([ATOM, "build", "--since", "2026-10-01"], env=env, stderr=build_log)
        billing = subprocess.Popen(
            [ATOM, "billing", "run", "--period", CLOSED],
            env=env,
            stdout=billing_log,
            stderr=subprocess.STDOUT,
        )
        build.wait(timeout=600)
        billing.wait(timeout=600)
    build_err, billing_out = (logs / "build.err").read_text(), (logs / "billing.out").read_text()
    billing_err = billing_out

    assert "Conflicting lock" not in build_err + billing_err
    assert build.returncode == 0, build_err[-3000:]
    assert billing.returncode == 0, billing_err[-3000:]
    assert f"{CLOSED}:" in billing_out and "finalized" in billing_out
    with dg.DagsterInstance.from_config(str(billing_home.dagster_home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(tags=WAREHOUSE_TAGS))
        assert {run.job_name for run in runs} >= {"build_job", "billing_job"}
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        # Every slot of the pool was given back.
        assert not instance.event_log_storage.get_concurrency_run_ids()


def _holder(instance: dg.DagsterInstance, pid: int | None) -> dg.DagsterRun:
    """A build run, in progress, that a process ``pid`` on this host executes in-process; with no ``pid``,
    one the orchestrator's daemon launched (no process of ours runs it)."""
    run = instance.create_run_for_job(
        dg.GraphDefinition("build_job", node_defs=[]).to_job(),
        tags={**in_process_tags(), PID_TAG: str(pid)} if pid is not None else WAREHOUSE_TAGS,
    )
    instance.handle_new_event(
        dg.EventLogEntry(
            error_info=None,
            level="debug",
            user_message="",
            run_id=run.run_id,
            timestamp=0.0,
            dagster_event=dg.DagsterEvent("PIPELINE_START", "build_job"),
        )
    )
    return instance.get_run_by_id(run.run_id)  # type: ignore[return-value]


def test_a_run_waits_for_the_running_build_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.orchestration.conftest import use_home

    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    sleeper = subprocess.Popen(["sleep", "60"])
    messages: list[str] = []
    with dg.DagsterInstance.from_config(str(get_settings().dagster_home)) as instance:
        holder = _holder(instance, sleeper.pid)
        assert holder.status == dg.DagsterRunStatus.STARTED and holder.tags[HOST_TAG]
        with pytest.raises(TimeoutError, match=holder.run_id):
            wait_for_turn(instance, messages.append, poll_seconds=0.1, timeout_seconds=0.5)
        assert messages == [f"waiting for the running build {holder.run_id} to finish…"]

        # The holder's process dies without finishing its run (kill -9): its turn ends with it.
        sleeper.kill()
        sleeper.wait()
        assert wait_for_turn(instance, messages.append, poll_seconds=0.1, timeout_seconds=5) < 5
        assert instance.get_run_by_id(holder.run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]


def test_a_build_left_running_by_a_stopped_orchestrator_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopping `atom orchestrator` during a build left the run STARTED in Dagster's storage: the sensor
    skipped on every tick and `atom build` waited forever. While the daemon beats, its run is left alone;
    once it has not beaten for two minutes, or when the next orchestrator starts, the run is failed."""
    import time

    from dagster._daemon.types import DaemonHeartbeat

    from orchestration.warehouse_turn import DAEMON_GONE_SECONDS, release_runs_of_a_stopped_orchestrator
    from tests.orchestration.conftest import use_home

    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    with dg.DagsterInstance.from_config(str(get_settings().dagster_home)) as instance:
        running = _holder(instance, None)
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "SENSOR", "daemon-1", errors=[]))
        with pytest.raises(TimeoutError, match=running.run_id):
            wait_for_turn(instance, lambda _: None, poll_seconds=0.1, timeout_seconds=0.3)

        # The daemon fell silent (the orchestrator was stopped): the run stops holding the warehouse.
        instance.add_daemon_heartbeat(
            DaemonHeartbeat(time.time() - DAEMON_GONE_SECONDS - 1, "SENSOR", "daemon-1", errors=[])
        )
        assert wait_for_turn(instance, lambda _: None, poll_seconds=0.1, timeout_seconds=5) < 5
        assert instance.get_run_by_id(running.run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]

        # Restarted at once: the new orchestrator releases what the last one left, heartbeat or not.
        left = _holder(instance, None)
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "SENSOR", "daemon-1", errors=[]))
        assert release_runs_of_a_stopped_orchestrator(instance) == [left.run_id]
        assert instance.get_run_by_id(left.run_id).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]

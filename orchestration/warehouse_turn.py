"""One writer of the warehouse at a time (DESIGN 2), whoever starts the run (decision 0090).

DuckDB admits one read-write process per file, and a second one fails outright ("Conflicting lock is
held"). Dagster does the serialising, with the instance configuration ``atom`` writes
(atom/settings.py ``WAREHOUSE_CONCURRENCY_YAML``):

- every step that opens the warehouse is in the pool ``warehouse`` (one slot). Slots are claimed in the
  instance's storage, atomically, by every executor, the in-process one of ``atom build`` and
  ``atom billing run`` included: a step waits for the slot instead of failing on the file lock;
- the jobs that write it carry the tag ``atom/warehouse``, limited to one run at a time by the queued run
  coordinator, so a month close launched from the portal waits in the queue while a build runs.

Runs executed in the CLI's process do not pass through the queue, so before starting one the CLI waits
here for the runs that hold the warehouse, saying which ("waiting for the running build <id> to
finish…"). The pool is what makes it safe when two start in the same instant; this wait is what makes
the wait visible. A run whose process died (kill -9, a crash) would hold its slot and block every later
run: an in-process run on this host whose process is gone is marked failed, which frees its slot.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import dagster as dg
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

WAREHOUSE_POOL = "warehouse"
WAREHOUSE_TAG = "atom/warehouse"
WAREHOUSE_TAGS = {WAREHOUSE_TAG: "write"}
PID_TAG, HOST_TAG = "atom/pid", "atom/host"
POLL_SECONDS = 1.0
DAEMON_GONE_SECONDS = 120

JOB_NOUNS = {"build_job": "build", "ingest_job": "ingest", "billing_job": "billing run"}


def in_process_tags() -> dict[str, str]:
    """Tags of a run executed in this process: who holds the warehouse, so a dead holder can be found."""
    return {**WAREHOUSE_TAGS, PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


# The console logger of a run in a command's own process says nothing, errors included: the command prints
# a failed step's own message once (its summary's error), where Dagster's logger printed it three times with
# its stack, between the progress bar and the summary. Every event still goes to the run's history.
CONSOLE_SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def execute_here(job: dg.JobDefinition, **kwargs: Any) -> dg.ExecuteInProcessResult:
    """``job.execute_in_process(**kwargs)`` with a silent console (:data:`CONSOLE_SILENT`, unless
    ``run_config`` is given), leaving this process's signal handlers as it found them.

    Dagster points SIGTERM at SIGINT's handler for the run, and again on the way out. In a process that
    ignores SIGINT (started in the background, by nohup, by a test runner's worker) SIGTERM was then ignored
    until something set it again: `atom demo`, stopped while it started the portal after its build, went on
    running (tests/cli/test_clean_stops.py)."""
    main = threading.current_thread() is threading.main_thread()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)} if main else {}
    try:
        return job.execute_in_process(**{"run_config": CONSOLE_SILENT, **kwargs})
    finally:
        for signum, handler in saved.items():
            if handler is not None:  # None: set outside Python, nothing to put back
                signal.signal(signum, handler)


def warehouse_holders(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs that write the warehouse and have not finished (queued ones wait their turn too: not holders)."""
    statuses = [s for s in IN_PROGRESS_RUN_STATUSES if s != dg.DagsterRunStatus.QUEUED]
    return list(instance.get_runs(dg.RunsFilter(statuses=statuses, tags=WAREHOUSE_TAGS)))


def _process_is_gone(run: dg.DagsterRun) -> bool:
    pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
    if pid is None or host != socket.gethostname() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another account's
        return False
    return False


def daemon_is_gone(instance: dg.DagsterInstance, now: float | None = None) -> bool:
    """No Dagster daemon has beaten for ``DAEMON_GONE_SECONDS`` (it beats every 30 s): ``atom orchestrator``
    is stopped, and the runs its daemon launched stopped with it (it takes its children down)."""
    beats = [beat.timestamp for beat in instance.get_daemon_heartbeats().values()]
    return not beats or (now or time.time()) - max(beats) > DAEMON_GONE_SECONDS


def reap_dead_holders(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs that hold the warehouse though nothing runs them, freeing their pool slots:
    in-process runs of this host whose process is gone, and runs the daemon launched when no daemon is
    alive any more (an orchestrator stopped during a build would otherwise block every later one)."""
    reaped = []
    daemon_gone: bool | None = None
    for run in warehouse_holders(instance):
        if PID_TAG in run.tags:
            gone, why = _process_is_gone(run), f"its process {run.tags[PID_TAG]} is gone"
        else:
            daemon_gone = daemon_is_gone(instance) if daemon_gone is None else daemon_gone
            gone, why = daemon_gone, "the orchestrator that launched it stopped"
        if gone:
            instance.report_run_failed(run, f"{why} (atom: stale holder)")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            reaped.append(run.run_id)
    return reaped


def release_runs_of_a_stopped_orchestrator(instance: dg.DagsterInstance) -> list[str]:
    """At ``atom orchestrator``'s start no daemon of this home runs yet (one orchestrator per home): the
    last one's heartbeats go, so the runs it launched and left in progress (stopped or killed during a
    build) are marked failed at once instead of blocking the sensor and every ``atom build``."""
    instance.wipe_daemon_heartbeats()
    return reap_dead_holders(instance)


def describe(run: dg.DagsterRun) -> str:
    return f"{JOB_NOUNS.get(run.job_name, run.job_name)} {run.run_id}"


def wait_for_turn(
    instance: dg.DagsterInstance,
    notify: Callable[[str], None],
    poll_seconds: float = POLL_SECONDS,
    timeout_seconds: float | None = None,
) -> float:
    """Block until no other run holds the warehouse; ``notify`` once per run waited for. Returns the
    seconds waited."""
    started = time.monotonic()
    announced: set[str] = set()
    while True:
        reap_dead_holders(instance)
        holders = [run for run in warehouse_holders(instance) if run.tags.get(PID_TAG) != str(os.getpid())]
        if not holders:
            return time.monotonic() - started
        for run in holders:
            if run.run_id not in announced:
                announced.add(run.run_id)
                notify(f"waiting for the running {describe(run)} to finish…")
        if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
            raise TimeoutError(f"the warehouse is still held by {', '.join(map(describe, holders))}")
        time.sleep(poll_seconds)

"""Long-running services: the orchestrator (Dagster webserver + daemon), the portal, and ``atom demo``."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from atom.settings import PROJECT_ROOT, apply_to_process_env, get_settings, subprocess_env
from cli.console import err, fail

DEFINITIONS_MODULE = "orchestration.definitions"
# How long a service gets to finish on its own after SIGTERM before its whole process group is killed:
# a container runtime allows 10 s by default (docker stop, Kubernetes' grace period is 30 s).
STOP_GRACE_SECONDS = 6.0
# Dagster's run and asset-check metrics (orchestration/exporter.py), where deploy/monitoring scrapes them.
METRICS_PORT = 9464
METRICS_PORT_HELP = "Port of the Prometheus metrics of Dagster's runs and checks (0: none)."
PORTAL_METRICS_PORT = 9465
PORTAL_METRICS_PORT_HELP = "Port of the Prometheus metrics of the portal's page times (0: none)."
# Set in each service's environment, one value per service, and inherited by everything it starts: what
# stop() finds the service's family by once a parent has exited and its children went to init.
SERVICE_MARK = "ATOM_SERVICE_MARK"
_marks: dict[int, str] = {}  # service pid -> its mark, for the services this process started


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def orchestrator_commands(host: str, port: int, metrics_port: int | None = None) -> dict[str, list[str]]:
    """The webserver serves the UI; the daemon is what makes schedules and sensors fire; the exporter
    serves run and asset-check outcomes to Prometheus (orchestration/exporter.py) when given a port."""
    exporter = [sys.executable, "-m", "orchestration.exporter", "--host", host, "--port", str(metrics_port)]
    return {
        "dagster-webserver": [
            _bin("dagster-webserver"),
            "-m",
            DEFINITIONS_MODULE,
            "--host",
            host,
            "--port",
            str(port),
        ],
        "dagster-daemon": [_bin("dagster-daemon"), "run", "-m", DEFINITIONS_MODULE],
        **({"metrics-exporter": exporter} if metrics_port else {}),
    }


def portal_command(host: str, port: int) -> dict[str, list[str]]:
    return {
        "portal": [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app" / "streamlit_app.py"),
            "--server.address",
            host,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            # A back office, not a Streamlit sandbox: no "Deploy" button or developer menu for its users.
            "--client.toolbarMode",
            "viewer",
        ]
    }


def start(commands: dict[str, list[str]], log_dir: Path, **env: str) -> list[subprocess.Popen[bytes]]:
    """Start each named service in the background, its output appended to ``<log_dir>/<name>.log``;
    ``env`` adds variables to the settings every child gets."""
    settings = get_settings()
    settings.ensure_dirs()
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = []
    for name, command in commands.items():
        mark = f"{name}-{uuid.uuid4().hex}"
        with open(log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy of the descriptor
            processes.append(
                subprocess.Popen(
                    command,
                    env=subprocess_env(settings, **env, **{SERVICE_MARK: mark}),
                    cwd=PROJECT_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    # Its own process group, so that stop() reaches what it starts in turn (Dagster's
                    # code servers, Streamlit's watchers) and a terminal's Ctrl-C reaches it once, from us.
                    start_new_session=True,
                )
            )
        _marks[processes[-1].pid] = mark
    return processes


class Terminated(KeyboardInterrupt):
    """SIGTERM (a container runtime's stop, ``kill``) or SIGHUP, raised where the command is, like Ctrl-C."""


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_wakeup: tuple[int, int] | None = None  # the pipe Python's C signal handler writes each signal's number to


def stop_on_sigterm() -> None:
    """From here on SIGTERM and SIGHUP unwind this process as Ctrl-C does, so its ``finally`` blocks stop
    the services it started instead of leaving them orphaned (Python's default for SIGTERM is to die on
    the spot). Each signal's number also goes down a pipe that :func:`pause` watches (see there)."""

    def interrupt(signum: int, _frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    global _wakeup
    if _wakeup is None:
        _wakeup = os.pipe()
        for fd in _wakeup:
            os.set_blocking(fd, False)
    signal.set_wakeup_fd(_wakeup[1], warn_on_full_buffer=False)


def pause(seconds: float) -> None:
    """Sleep ``seconds``, or less when a stop signal comes, and raise it here, on the main thread.

    A stop signal that reached this process but did not raise where the command waits is raised again: one
    that came while a library's handler was in place (Dagster's notes SIGTERM and carries on), or one whose
    exception was lost (a handler run inside a finaliser has its exception printed and dropped). Python's C
    handler writes every signal's number to the wakeup pipe whatever the Python handler does, and this
    waits on that pipe. `atom demo` once went on running after a SIGTERM in the full suite, its main
    thread in this wait with no signal pending (tests/cli/test_clean_stops.py). Its cause was not found;
    this closes the ways a signal that reached Python's handler can be lost before the wait."""
    if _wakeup is None:
        time.sleep(seconds)
        return
    ready, _, _ = select.select([_wakeup[0]], [], [], seconds)
    if ready:
        with contextlib.suppress(BlockingIOError):
            for signum in os.read(_wakeup[0], 512):
                if signum in STOP_SIGNALS:
                    signal.raise_signal(signum)  # its handler runs now, on this thread: it raises


def wait_until_up(url: str, processes: list[subprocess.Popen[bytes]], timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except OSError:
            pause(0.5)
    return False


def supervise(
    processes: list[subprocess.Popen[bytes]], announce: Callable[[], None] = lambda: None
) -> NoReturn:
    """``announce`` the services, then block until Ctrl-C, SIGTERM or until one service dies; then stop
    them all (a signal that comes while announcing stops them too) and exit: 0 when asked to stop, 1 when a
    service died."""
    code = 1
    try:
        stop_on_sigterm()  # in the try: setting a handler runs those of signals already come
        announce()
        while all(p.poll() is None for p in processes):
            pause(0.5)
        failed = [str(p.args) for p in processes if p.poll() is not None]
        err.print(f"[red]a service stopped: {failed}; see the logs under {get_settings().home / 'logs'}[/]")
    except KeyboardInterrupt as exc:
        err.print(f"stopping ({exc or 'Ctrl-C'})…")
        code = 0
    finally:
        stop(processes)
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Everything is stopped and said: end here. Tearing down the interpreter (Dagster, dbt and SQLAlchemy
    loaded) took 4-5 s on a busy machine, which a container runtime counts against its grace period."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def exit_when_stopped() -> Iterator[None]:
    """A command that starts services: stopped while starting them (SIGTERM, Ctrl-C), it stops what it
    started on the way out (each start's ``except``/``finally``) and then exits at once."""
    stop_on_sigterm()
    try:
        yield
    except KeyboardInterrupt as exc:
        err.print(f"stopped ({exc or 'Ctrl-C'})")
        _exit_now(0)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # start() made each service the leader of its own group


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, from /proc (Linux; elsewhere none are known). Dagster starts its
    code servers in sessions of their own, out of reach of the service's process group."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = _stat(entry)
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def marked(marks: set[str]) -> set[int]:
    """Every live process whose environment carries one of ``marks`` as SERVICE_MARK: a service and all it
    started, wherever they were re-parented. A code server Dagster's webserver spawns while it is being
    stopped is not below the webserver any more by the time it is looked for (issue 14's note)."""
    if not marks:
        return set()
    wanted = {f"{SERVICE_MARK}={m}".encode() for m in marks}
    found: set[int] = set()
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError):
            if wanted & set((entry / "environ").read_bytes().split(b"\0")):
                found.add(int(entry.name))
    return found


def _wait_gone(pids: set[int], timeout: float) -> None:
    """Wait until none of ``pids`` runs (a zombie has stopped running), for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = {pid for pid in pids if _running(pid)}
        if pids:
            time.sleep(0.02)


def _running(pid: int) -> bool:
    try:
        return _stat(Path(f"/proc/{pid}"))[0] != "Z"
    except (OSError, ValueError, IndexError):
        return False


def _stat(entry: Path) -> list[str]:
    """The fields of /proc/<pid>/stat after "pid (comm) ": state, ppid, ..."""
    stat = (entry / "stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def _ignore(signums: tuple[signal.Signals, ...]) -> dict[int, Any]:
    """Ignore ``signums``; returns their handlers until now. ``signal.signal`` first runs the handlers of
    signals already come: one raising then (a second Ctrl-C or SIGTERM) must not stop the stopping."""
    previous: dict[int, Any] = {}
    for signum in signums:
        while signum not in previous:
            with contextlib.suppress(KeyboardInterrupt):
                previous[signum] = signal.signal(signum, signal.SIG_IGN)
    return previous


def _send(pids: set[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def stop(processes: list[subprocess.Popen[bytes]], grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to each service's process group (Dagster, uvicorn and Streamlit all shut down cleanly on
    it); SIGKILL to the groups of what still runs ``grace_seconds`` later, and to anything a service left
    behind in its group. A second signal meanwhile does not interrupt the stopping."""
    previous = _ignore(STOP_SIGNALS)
    try:
        # Taken before they are told to stop: a child whose parent exits is re-parented out of our sight,
        # except by its mark, which also finds what a service starts while it is being stopped.
        marks = {_marks[p.pid] for p in processes if p.pid in _marks}
        below = {pid for p in processes for pid in descendants(p.pid)} | marked(marks)
        for p in processes:
            if p.poll() is None:
                _signal_group(p, signal.SIGTERM)
        _send(below, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for p in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(deadline - time.monotonic(), 0.1))
        for p in processes:
            below |= descendants(p.pid)
            _signal_group(p, signal.SIGKILL)  # the group outlives its leader when a grandchild lingers
        below |= marked(marks)
        _send(below, signal.SIGKILL)  # what left the group (its own session): Dagster's code servers
        for p in processes:
            p.wait()
            _marks.pop(p.pid, None)
        # A signal is delivered when its target next runs: on a busy machine a killed process can still be
        # running a moment later. Return once they are gone, so that their ports and files are free.
        _wait_gone(below, timeout=grace_seconds)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def exposure_warning(host: str) -> str | None:
    """What to say when Dagster's UI is bound beyond this machine: it has no sign-in of its own, and anyone
    who reaches it can launch builds and billing runs (docs/security.md)."""
    if is_loopback(host):
        return None
    return (
        f"the orchestrator's UI on {host} has no authentication: anyone who reaches it can launch builds "
        "and billing runs. Keep it on 127.0.0.1 behind an authenticating proxy (docs/security.md)."
    )


def start_orchestrator(
    host: str, port: int, metrics_port: int | None = None
) -> list[subprocess.Popen[bytes]]:
    from atom.opdb import migrate
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.dbt import dbt_project

    warning = exposure_warning(host)
    if warning:
        err.print(f"[yellow]warning:[/] {warning}")
    migrate(get_settings().database_url)  # sensors read the operational DB from their first tick
    ensure_manifest(dbt_project().manifest_path)  # parse once here, not in each Dagster process
    settings = get_settings()
    settings.ensure_dirs()
    apply_to_process_env(settings)  # DAGSTER_PG_URL for a PostgreSQL instance
    import dagster as dg

    from orchestration.warehouse_turn import describe, release_runs_of_a_stopped_orchestrator

    # A new home's SQLite storage is created by whoever opens it first: here, once, rather than by the
    # webserver, the daemon and the exporter at the same instant ("table runs already exists").
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for run_id in release_runs_of_a_stopped_orchestrator(instance):
            run = instance.get_run_by_id(run_id)
            err.print(
                f"[yellow]marked failed:[/] {describe(run) if run else run_id}, left running by a stopped orchestrator"
            )
    processes = start(orchestrator_commands(host, port, metrics_port), get_settings().home / "logs")
    _await_start(processes, f"http://{host}:{port}/server_info", "the orchestrator")
    return processes


def _await_start(processes: list[subprocess.Popen[bytes]], url: str, what: str) -> None:
    """Wait until ``url`` answers; stop the processes (and fail) if it never does or if we are stopped."""
    try:
        up = wait_until_up(url, processes)
    except BaseException:
        stop(processes)
        raise
    if not up:
        stop(processes)
        fail(f"{what} did not start; see {get_settings().home / 'logs'}")


def start_portal(
    host: str,
    port: int,
    dagster_url: str | None = None,
    metrics_port: int | None = None,
    dagster_metrics_url: str | None = None,
) -> list[subprocess.Popen[bytes]]:
    """The portal; ``dagster_url`` is where it launches billing runs (DAGSTER_URL, DESIGN 4); ``metrics_port``
    where it serves its page times to Prometheus (app/page_metrics.py)."""
    env = {"DAGSTER_URL": dagster_url} if dagster_url else {}
    if metrics_port:
        env["ATOM_PORTAL_METRICS_PORT"] = str(metrics_port)
    if dagster_metrics_url:  # linked from the Governance & pipeline page
        env["ATOM_METRICS_URL"] = dagster_metrics_url
    processes = start(portal_command(host, port), get_settings().home / "logs", **env)
    _await_start(processes, f"http://{host}:{port}/_stcore/health", "the portal")
    return processes


def orchestrator(
    host: Annotated[
        str, typer.Option(help="Interface to bind. Dagster's UI has no sign-in: keep it on loopback.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of Dagster's web UI.")] = 3000,
    metrics_port: Annotated[int, typer.Option(help=METRICS_PORT_HELP)] = METRICS_PORT,
) -> None:
    """Dagster's webserver and daemon together: schedules and sensors run only while this runs."""
    with exit_when_stopped():
        processes = start_orchestrator(host, port, metrics_port)

        def announce() -> None:
            err.print(f"orchestrator: http://{host}:{port} (Ctrl-C to stop)")
            if metrics_port:
                err.print(f"metrics: http://{host}:{metrics_port}/metrics")

        supervise(processes, announce)


def portal(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the portal.")] = 8501,
    metrics_port: Annotated[int, typer.Option(help=PORTAL_METRICS_PORT_HELP)] = PORTAL_METRICS_PORT,
) -> None:
    """The Streamlit portal, reading the serving snapshot."""
    with exit_when_stopped():
        processes = start_portal(host, port, metrics_port=metrics_port)
        supervise(processes, lambda: err.print(f"portal: http://{host}:{port} (Ctrl-C to stop)"))


def demo(
    scale: Annotated[str, typer.Option(help="small, default or large.")] = "default",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic marketplace.")] = 7,
    no_portal: Annotated[bool, typer.Option("--no-portal", help="Stop after the pipeline.")] = False,
    host: Annotated[str, typer.Option(help="Interface for the portal and orchestrator.")] = "127.0.0.1",
    portal_port: Annotated[int, typer.Option(help="Port of the portal.")] = 8501,
    orchestrator_port: Annotated[int, typer.Option(help="Port of Dagster's web UI.")] = 3000,
    metrics_port: Annotated[int, typer.Option(help=METRICS_PORT_HELP)] = METRICS_PORT,
    portal_metrics_port: Annotated[int, typer.Option(help=PORTAL_METRICS_PORT_HELP)] = PORTAL_METRICS_PORT,
) -> None:
    """Generate the demo marketplace (starting ATOM_HOME over), run the whole pipeline, then start the portal
    and the orchestrator with one sign-in account per role."""
    from cli.pipeline import build, generate
    from cli.users import create_demo_accounts

    with exit_when_stopped():
        started = time.monotonic()
        generate(scale=scale, seed=seed, today=None, replace=True)  # a demo always starts over
        _fill_review_queue(seed)
        build(since=None)
        err.print(
            f"[green]pipeline done in {time.monotonic() - started:.0f} s[/]; snapshot: {get_settings().serving_path}"
        )
        if no_portal:
            return
        accounts = create_demo_accounts()
        # The portal launches billing through this orchestrator, never in its own process (DESIGN 2).
        processes = start_orchestrator(host, orchestrator_port, metrics_port)
        try:
            processes += start_portal(
                host,
                portal_port,
                dagster_url=f"http://{host}:{orchestrator_port}",
                metrics_port=portal_metrics_port,
                dagster_metrics_url=f"http://{host}:{metrics_port}/metrics" if metrics_port else None,
            )
        except BaseException:
            stop(processes)
            raise

        def announce() -> None:
            err.print(
                f"\n[bold]portal[/]        http://{host}:{portal_port}  (Overview: revenue, active tenants, events, quarantine)\n"
                f"[bold]orchestrator[/]  http://{host}:{orchestrator_port}  (asset graph, runs, the 30-minute build schedule)\n"
                + (
                    f"[bold]metrics[/]       http://{host}:{metrics_port}/metrics  (Dagster runs and checks)\n"
                    if metrics_port
                    else ""
                )
                + (
                    f"                http://{host}:{portal_metrics_port}/metrics  (portal page times)\n"
                    if portal_metrics_port
                    else ""
                )
            )
            err.print(_accounts_table(accounts))
            err.print("Ctrl-C stops both.")

        supervise(processes, announce)


def _accounts_table(accounts: list[tuple[str, str, str]]) -> Table:
    """The demo's sign-in accounts, one per role; passwords are new on every demo and shown only here."""
    from app.navigation import pages_for

    table = Table(title="Sign in to the portal with one of these (new passwords on every `atom demo`)")
    for column in ("e-mail", "role", "password", "pages"):
        table.add_column(column)
    for email, role, password in accounts:
        table.add_row(email, role, password, ", ".join(spec.title for spec in pages_for(role)))
    return table


DEMO_SUBMISSIONS = 12


def _fill_review_queue(seed: int) -> None:
    """Publish signed package releases and scan them the way the orchestrator's sensor does, so the demo's
    review console and governance charts have a queue and decisions to show."""
    from collections import Counter

    from atom.opdb import make_engine, session_scope
    from ingest.review import scan_submission
    from ingest.synthetic.submissions import seed_submissions

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with err.status("Publishing and scanning the demo's package submissions"):
            with session_scope(engine) as session:
                created = seed_submissions(session, settings.artifacts_dir, count=DEMO_SUBMISSIONS, seed=seed)
            with session_scope(engine) as session:
                outcomes = [scan_submission(session, settings, item.submission_id) for item in created]
    finally:
        engine.dispose()
    statuses = Counter(outcome.status for outcome in outcomes)
    err.print(
        f"{len(outcomes)} package submissions scanned: "
        + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    )

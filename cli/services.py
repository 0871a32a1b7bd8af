"""Long-running services: the orchestrator (Dagster webserver + daemon), the portal, and ``atom demo``."""

from __future__ import annotations

import ipaddress
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atom.settings import PROJECT_ROOT, get_settings, subprocess_env
from cli.console import err, fail

DEFINITIONS_MODULE = "orchestration.definitions"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def orchestrator_commands(host: str, port: int) -> dict[str, list[str]]:
    """The webserver serves the UI; the daemon is what makes schedules and sensors fire."""
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
        with open(log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy of the descriptor
            processes.append(
                subprocess.Popen(
                    command,
                    env=subprocess_env(settings, **env),
                    cwd=PROJECT_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes


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
            time.sleep(0.5)
    return False


def supervise(processes: list[subprocess.Popen[bytes]]) -> None:
    """Block until Ctrl-C or until one service dies; then stop them all."""
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        failed = [str(p.args) for p in processes if p.poll() is not None]
        err.print(f"[red]a service stopped: {failed}; see the logs under {get_settings().home / 'logs'}[/]")
    except KeyboardInterrupt:
        err.print("stopping…")
    finally:
        stop(processes)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask each service to stop as Ctrl-C does; kill what still runs 20 s later."""
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


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


def start_orchestrator(host: str, port: int) -> list[subprocess.Popen[bytes]]:
    from atom.opdb import migrate
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.dbt import dbt_project

    warning = exposure_warning(host)
    if warning:
        err.print(f"[yellow]warning:[/] {warning}")
    migrate(get_settings().database_url)  # sensors read the operational DB from their first tick
    ensure_manifest(dbt_project().manifest_path)  # parse once here, not in each Dagster process
    processes = start(orchestrator_commands(host, port), get_settings().home / "logs")
    if not wait_until_up(f"http://{host}:{port}/server_info", processes):
        supervise(processes)
        fail(f"the orchestrator did not start; see {get_settings().home / 'logs'}")
    return processes


def start_portal(host: str, port: int, dagster_url: str | None = None) -> list[subprocess.Popen[bytes]]:
    """The portal; ``dagster_url`` is where it launches billing runs (DAGSTER_URL, DESIGN 4)."""
    env = {"DAGSTER_URL": dagster_url} if dagster_url else {}
    processes = start(portal_command(host, port), get_settings().home / "logs", **env)
    if not wait_until_up(f"http://{host}:{port}/_stcore/health", processes):
        supervise(processes)
        fail(f"the portal did not start; see {get_settings().home / 'logs'}")
    return processes


def orchestrator(
    host: Annotated[
        str, typer.Option(help="Interface to bind. Dagster's UI has no sign-in: keep it on loopback.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of Dagster's web UI.")] = 3000,
) -> None:
    """Dagster's webserver and daemon together: schedules and sensors run only while this runs."""
    processes = start_orchestrator(host, port)
    err.print(f"orchestrator: http://{host}:{port} (Ctrl-C to stop)")
    supervise(processes)


def portal(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the portal.")] = 8501,
) -> None:
    """The Streamlit portal, reading the serving snapshot."""
    processes = start_portal(host, port)
    err.print(f"portal: http://{host}:{port} (Ctrl-C to stop)")
    supervise(processes)


def demo(
    scale: Annotated[str, typer.Option(help="small, default or large.")] = "default",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic marketplace.")] = 7,
    no_portal: Annotated[bool, typer.Option("--no-portal", help="Stop after the pipeline.")] = False,
    host: Annotated[str, typer.Option(help="Interface for the portal and orchestrator.")] = "127.0.0.1",
    portal_port: Annotated[int, typer.Option(help="Port of the portal.")] = 8501,
    orchestrator_port: Annotated[int, typer.Option(help="Port of Dagster's web UI.")] = 3000,
) -> None:
    """Generate the demo marketplace (starting ATOM_HOME over), run the whole pipeline, then start the portal
    and the orchestrator with one sign-in account per role."""
    from cli.pipeline import build, generate
    from cli.users import create_demo_accounts

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
    processes = start_orchestrator(host, orchestrator_port) + start_portal(
        host, portal_port, dagster_url=f"http://{host}:{orchestrator_port}"
    )
    err.print(
        f"\n[bold]portal[/]        http://{host}:{portal_port}  (Overview: revenue, active tenants, events, quarantine)\n"
        f"[bold]orchestrator[/]  http://{host}:{orchestrator_port}  (asset graph, runs, the 30-minute build schedule)\n"
    )
    err.print(_accounts_table(accounts))
    err.print("Ctrl-C stops both.")
    supervise(processes)


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

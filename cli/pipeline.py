"""``atom generate``, ``atom ingest`` and ``atom build``: from synthetic data to a published snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from atom import clock
from atom.freshness import renew_record
from atom.settings import Settings, get_settings
from cli.console import OutputFormat, err, fail, out, print_json, step_progress

if TYPE_CHECKING:
    from orchestration.run import BuildSummary


def waiting(message: str) -> None:
    """What a build or billing run waits for: the run that holds the warehouse (DESIGN 2, decision 0090)."""
    err.print(f"[yellow]{message}[/]")


SCALES = ("small", "default", "large")


def generate(
    scale: Annotated[
        str, typer.Option(help="small (~50k events, seconds), default (~2M) or large (~50M).")
    ] = "default",
    seed: Annotated[int, typer.Option(help="Same seed and --today give byte-identical output.")] = 7,
    today: Annotated[
        str | None, typer.Option(help="Pretend today is this date (YYYY-MM-DD); default: today, UTC.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Start the home over first when it was already built or used: deletes its warehouse, "
            "snapshot, landing zone, artifacts, run history and operational DB (accounts, keys, invoices).",
        ),
    ] = False,
) -> None:
    """Generate the synthetic marketplace: publishers, packages, tenants, plans, price book and usage.

    Usage covers the six whole months before today plus this month so far, landed in the landing zone
    day by day, with a small share of duplicate, late and malformed events on purpose.
    """
    from ingest.synthetic import generate as run_generate

    if scale not in SCALES:
        fail(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}", 2)
    today_date = _parse_day(today) if today else None
    settings = get_settings()
    settings.ensure_dirs()
    _make_room(settings, replace)
    with step_progress(f"Generating the {scale} marketplace") as progress:
        summary = run_generate(settings, scale=scale, seed=seed, today=today_date, progress=progress)
    table = Table(title=f"Generated into {settings.home}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in vars(summary).items():
        if isinstance(value, dict):
            for key, count in value.items():
                table.add_row(f"{name}: {key}", f"{count:,}")
        elif isinstance(value, int):
            table.add_row(name.replace("_", " "), f"{value:,}")
    err.print(table)


def _make_room(settings: Settings, replace: bool) -> None:
    from atom.home import occupied_by, start_over

    held = occupied_by(settings)
    if not held:
        return
    if not replace:
        fail(
            f"{settings.home} already holds a marketplace ({'; '.join(held)}); a new one would mix with it. "
            "Pass --replace to start this home over, or point ATOM_HOME at an empty directory.",
            2,
        )
    err.print(f"starting {settings.home} over: removing {'; '.join(held)}")
    start_over(settings)


USAGE_COUNTS = ("batches", "received", "loaded", "duplicates", "quarantined")
FORMAT_OPTION = typer.Option(
    "--format",
    help="table, or json: stdout holds only a document of the counts and the outcome (also on failure).",
)


def ingest(
    files: Annotated[
        list[Path] | None, typer.Argument(help="NDJSON, CSV or Parquet event files to land and load.")
    ] = None,
    format: Annotated[OutputFormat, FORMAT_OPTION] = OutputFormat.table,
) -> None:
    """Land the given event files (or what waits in the landing zone) and load them into the warehouse.

    Prints received / loaded / duplicates / quarantined. Loading the same file twice changes nothing.
    """
    import duckdb

    from ingest.landing import land_file
    from ingest.loader import unreadable_files
    from orchestration.ingest_run import run_ingest

    settings = get_settings()
    settings.ensure_dirs()
    # Refuse what the loader could not read before anything lands: nothing half-done to clean up.
    with duckdb.connect() as scratch:
        refused = unreadable_files(scratch, files or [])
    if refused:
        fail("nothing landed; fix these file(s) and run again:\n  " + "\n  ".join(refused.values()), 2)
    landed = [land_file(settings.landing_dir, path) for path in files or []]
    if landed:
        err.print(f"landed {len(landed)} file(s) in {settings.landing_dir}")
    with step_progress("Loading usage") as progress:
        summary = run_ingest(progress, notify=waiting)
    if format == "json":
        print_json({"landed": [str(path) for path in landed], **run_document(summary)})
    else:
        _print_usage_summary(summary.usage)
    _warn(summary)
    if not summary.success or summary.checks_failed:
        fail(summary.error or f"checks failed: {', '.join(summary.checks_failed)}")


def build(
    since: Annotated[
        str | None,
        typer.Option(
            help="Reload every landing day from this one (YYYY-MM-DD); default: days not yet loaded."
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild every model from the raw tables, incremental ones included (same marts as the "
            "incremental path), even when nothing changed.",
        ),
    ] = False,
    format: Annotated[OutputFormat, FORMAT_OPTION] = OutputFormat.table,
) -> None:
    """One build through Dagster: ingest, dbt (rating, invoices, marts), serving snapshot.

    Its cost follows what is new: usage models recompute only the tenant-days and months new batches
    reach, and when nothing landed and nothing changed since the last build it returns at once.
    """
    from orchestration.build_inputs import BuildInputs

    settings = get_settings()
    if settings.atom_engine == "spark" and not settings.atom_spark_thrift_url:
        from atom.spark_lake import local_session_problem

        # Before anything loads: a machine without Java would fail at the dbt step, after the ingest.
        if problem := local_session_problem(settings.java_home):
            fail(problem, 2)
    days = None
    if since:
        first, today = _parse_day(since), utc_today()
        # Landing days are the daily partitions: from ATOM_PARTITIONS_START up to today.
        start = _parse_day(settings.atom_partitions_start[:10])
        if not start <= first <= today:
            fail(
                f"--since {first} is outside the landing days a build loads: {start} "
                f"(ATOM_PARTITIONS_START) to {today} (today)",
                2,
            )
        days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    inputs = BuildInputs.read(settings)
    last = inputs.unchanged_since_last_build(settings)
    if last is not None and not since and not full_refresh:
        renew_record(settings, last, inputs.read_at)
        if format == "json":
            print_json(
                {
                    "up_to_date": True,
                    "success": True,
                    "last_build": {
                        "run_id": last.run_id,
                        "inputs_at": f"{last.inputs_at:%Y-%m-%dT%H:%M:%S}Z",
                    },
                    "snapshot": str(settings.serving_path),
                }
            )
        err.print(
            f"Up to date: nothing landed or changed since the build of {last.inputs_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(run {last.run_id}); snapshot {settings.serving_path}. `atom build --full-refresh` rebuilds anyway."
        )
        return

    from orchestration.run import run_build

    with step_progress("Building") as progress:
        summary = run_build(progress, days=days, notify=waiting, full_refresh=full_refresh, inputs=inputs)
    if format == "json":
        print_json(
            {
                "up_to_date": False,
                "full_refresh": full_refresh,
                **run_document(summary),
                "snapshot": str(settings.serving_path),
            }
        )
    else:
        _print_usage_summary(summary.usage)
    _warn(summary)
    loaded_days = f"{summary.days[0]}..{summary.days[-1]}" if summary.days else "none"
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in summary.stage_seconds.items())
    refreshed = " (full refresh)" if full_refresh else ""
    err.print(
        f"{len(summary.run_ids)} Dagster run(s), landing days {loaded_days}: {len(summary.materialized)} assets "
        f"in {summary.seconds:.1f} s{refreshed} ({stages}); snapshot {settings.serving_path}"
    )
    if not summary.success:
        fail(f"build failed: {summary.error}")
    if summary.checks_failed:
        fail(f"build finished but checks failed: {', '.join(summary.checks_failed)}")


def run_document(summary: BuildSummary) -> dict[str, object]:
    """What ``--format json`` prints of an ingest or a build: the usage counts as the table shows them, the
    Dagster runs and the outcome."""
    from orchestration.run import contiguous_ranges

    usage = summary.usage
    return {
        "success": summary.success and not summary.checks_failed,
        "error": summary.error,
        "usage": {
            **{c: usage.get(c, 0) for c in USAGE_COUNTS},
            "quarantined_by_reason": {
                k.removeprefix("reason:"): v for k, v in sorted(usage.items()) if k.startswith("reason:")
            },
            "unreadable_files": usage.get("unreadable_files", 0),
            "batches_already_loaded": usage.get("batches_already_loaded", 0),
        },
        # Runs of consecutive days, first and last: six months of days one by one would drown the counts.
        "landing_days": [[a.isoformat(), b.isoformat()] for a, b in contiguous_ranges(summary.days)],
        "run_ids": summary.run_ids,
        "assets_materialized": len(summary.materialized),
        "checks_failed": summary.checks_failed,
        "checks_warned": summary.checks_warned,
        "warnings": summary.warnings,
        "stage_seconds": {stage: round(seconds, 3) for stage, seconds in summary.stage_seconds.items()},
        "seconds": round(summary.seconds, 3),
    }


def _print_usage_summary(usage: dict[str, int]) -> None:
    table = Table(title="Usage events")
    for column in USAGE_COUNTS:
        table.add_column(column, justify="right")
    table.add_row(*(f"{usage.get(c, 0):,}" for c in USAGE_COUNTS))
    out.print(table)
    reasons = {k.removeprefix("reason:"): v for k, v in usage.items() if k.startswith("reason:")}
    if reasons:
        out.print("quarantined by reason: " + ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items())))


def _warn(summary: BuildSummary) -> None:
    """The runs' warnings (their console is silent), then the count of unreadable files set aside."""
    for message in summary.warnings:
        err.print(f"[yellow]warning[/]: {escape(message)}")
    usage = summary.usage
    if usage.get("unreadable_files"):
        err.print(
            f"[yellow]warning[/]: {usage['unreadable_files']} landed file(s) could not be read as usage and were "
            f"set aside, each with its reason, in {get_settings().rejected_dir}"
        )


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not a date: use YYYY-MM-DD", 2)


def utc_today() -> date:
    return clock.today()

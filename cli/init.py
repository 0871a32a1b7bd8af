"""``atom init``: an empty home for real use (DESIGN 3.7), and the check every other command makes first."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import typer

from atom.settings import get_settings
from cli.console import err, fail, step_progress

F = TypeVar("F", bound=Callable[..., Any])


def needs_home(command: F) -> F:
    """``command`` refuses to run in a home that was never initialised (cli/main.py wraps its commands)."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        require_initialised_home()
        return command(*args, **kwargs)

    return cast(F, checked)


def with_home_check(group: typer.Typer, exempt: tuple[str, ...] = ()) -> typer.Typer:
    """Every command of ``group`` but ``exempt`` ones needs an initialised home."""
    for info in group.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        if info.callback is not None and name not in exempt:
            info.callback = needs_home(info.callback)
    return group


def require_initialised_home() -> None:
    """Stop with what to run when the home was never initialised."""
    from atom.home import is_initialised

    settings = get_settings()
    if not is_initialised(settings):
        fail(
            f"{settings.home} is not an initialised ATOM home (no operational DB at "
            f"{settings.database_url_display}). Run `atom init` to set up an empty home for real use, or "
            "`atom demo` for a synthetic marketplace; set ATOM_HOME to use another home.",
            2,
        )


def init() -> None:
    """Set up an empty home for real use: migrations, an empty warehouse and serving snapshot, no data.

    Safe to run again: it migrates and rebuilds the empty tables, and never deletes what the home holds.
    Prints the next steps (an admin key, the services to start)."""
    from atom.opdb import migrate
    from orchestration.run import run_build

    settings = get_settings()
    started = time.monotonic()
    settings.ensure_dirs()
    migrate(settings.database_url)
    err.print(f"operational DB migrated: {settings.database_url_display}")
    with step_progress("Building the empty warehouse and snapshot") as progress:
        summary = run_build(progress)
    if not summary.success:
        fail(f"the first build failed: {summary.error}")
    err.print(
        f"initialised {settings.home} in {time.monotonic() - started:.0f} s: warehouse "
        f"{settings.warehouse_path}, snapshot {settings.serving_path} (every table of the serving contract, empty)"
    )
    typer.echo(
        "\n".join(
            [
                "Next steps (docs/operator-guide.md):",
                "  1. an admin API key:       atom keys create --role admin --subject ops",
                "  2. a portal account:       atom users add you@example.com --role admin",
                "  3. start the services:     atom serve   (API)   |   atom orchestrator   (schedules)   |   atom portal",
                "  4. publish a price book:   atom price-book publish price_book.yaml --effective-from YYYY-MM",
                "     then tenants, subscriptions and usage through the API; `atom build`; `atom billing run`.",
            ]
        )
    )

"""The ``atom`` command: every subcommand has --help, clear errors and progress on long work."""

from __future__ import annotations

import sys
import warnings

import typer

from atom.permissions import restrict_umask
from atom.secrets import SecretsError
from atom.settings import SettingsError, get_settings
from cli import api, billing, governance, init, pipeline, price_book, services, users
from cli.console import fail

# Dagster marks some of the parameters we use (backfill policies, sensor owners) as beta; the CLI's users
# cannot act on that, so it stays out of their terminal.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview).*")

app = typer.Typer(
    name="atom",
    help="ATOM Marketplace: generate, ingest, rate, orchestrate and serve a marketplace of workflow packages.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def private_files(ctx: typer.Context) -> None:
    """ATOM Marketplace: generate, ingest, rate, orchestrate and serve a marketplace of workflow packages."""
    # Before any subcommand: everything this process and its children (the API's workers, Dagster, the
    # portal, dbt) create under ATOM_HOME is private to this account (atom/permissions.py).
    restrict_umask()
    # Settings are resolved once, up front: a secret file or vault that cannot be read (DESIGN 4), or a
    # variable with a value the platform cannot use (ATOM_ENGINE=sparks), is a clear message and a non-zero
    # exit, not a traceback halfway through a command. Help needs no settings: `--help` works anywhere.
    # (Click has taken the subcommand's arguments off the context by now: the command line tells.)
    if "--help" in sys.argv[1:] or ctx.resilient_parsing:
        return
    try:
        get_settings()
    except (SecretsError, SettingsError) as exc:
        fail(str(exc))


app.command()(init.init)
app.command()(pipeline.generate)
# A command run in a home that was never initialised says so and what to run, instead of failing halfway
# (issue 15: `atom ingest` there ended in a Dagster step error). The check runs when the command does, so
# --help works anywhere.
needs_home = init.needs_home
app.command("ingest")(needs_home(pipeline.ingest))
app.command("build")(needs_home(pipeline.build))
app.add_typer(init.with_home_check(billing.app, exempt=("preview",)), name="billing")
app.add_typer(init.with_home_check(price_book.price_book_app), name="price-book")
app.command()(governance.scan)
app.command()(governance.verify)
app.command("serve")(needs_home(api.serve))
app.add_typer(init.with_home_check(api.keys_app), name="keys")
app.add_typer(init.with_home_check(users.users_app), name="users")
app.command("orchestrator")(needs_home(services.orchestrator))
app.command("portal")(needs_home(services.portal))
app.command()(services.demo)

if __name__ == "__main__":
    app()

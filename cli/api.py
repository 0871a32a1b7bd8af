"""``atom serve`` (the intake API) and ``atom keys create|revoke`` (API keys, DESIGN 3.7, 3.8)."""

from __future__ import annotations

from typing import Annotated

import typer

from atom.settings import get_settings
from cli.console import err, fail

keys_app = typer.Typer(
    help="API keys: each acts for one tenant, one publisher, or as admin.", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes. /metrics counts every worker; limits and recent ids are shared "
            "through Redis when ATOM_REDIS_URL is set, else each worker keeps its own.",
        ),
    ] = 1,
) -> None:
    """Run the intake API (OpenAPI at /openapi.json, liveness at /healthz, metrics at /metrics)."""
    import uvicorn

    from atom.opdb import migrate

    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.database_url)
    if workers > 1:
        from ingest.api.observability import share_metrics_between_workers

        share_metrics_between_workers(settings)
    err.print(f"intake API on http://{host}:{port} (docs at /docs, spec at /openapi.json)")
    uvicorn.run(
        "ingest.api.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the API writes its own structured access log (ingest/api/observability.py)
        log_level="warning",
        # On SIGTERM (docker stop, a rolling update) requests in flight get 5 s to finish, then the server
        # and its workers exit: well inside a runtime's 10 s grace period (issue 13 item 7).
        timeout_graceful_shutdown=5,
    )


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help="admin, tenant or publisher.")],
    subject: Annotated[
        str, typer.Option(help="The tenant id, the publisher id, or a label for an admin key.")
    ],
) -> None:
    """Create an API key and print it once, alone on the last line (only its hash is stored)."""
    from atom.opdb import make_engine, migrate, session_scope
    from ingest.api.keys import KeyError_, create_api_key

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            row, secret = create_api_key(session, role, subject)
    except KeyError_ as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    err.print(f"created {row.role} key {row.id} for {row.subject}; store it now, it is not shown again")
    typer.echo(secret)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id (key_…), not the secret.")]) -> None:
    """Revoke an API key; the API refuses it within seconds (its key cache lives 2 s)."""
    from atom.opdb import make_engine, session_scope
    from ingest.api.keys import KeyError_, revoke_api_key

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            revoke_api_key(session, key_id)
    except KeyError_ as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    err.print(f"revoked {key_id}")

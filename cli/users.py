"""``atom users``: portal accounts (DESIGN 3.7)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cli.console import err, fail, out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

users_app = typer.Typer(help="Portal accounts: who may sign in, with which role.", no_args_is_help=True)


@users_app.callback()
def users() -> None:
    """Portal accounts: who may sign in, with which role."""
    # A callback keeps `users` a command group whatever the number of its commands.


def _read_password(password_stdin: bool, no_password: bool) -> str | None:
    if no_password:
        return None
    if password_stdin:
        # One line, as `docker login --password-stdin` reads it; the trailing newline is not part of it.
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@users_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The account's e-mail address, its sign-in name.")],
    role: Annotated[str, typer.Option(help="admin, reviewer, finance or analyst.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    no_password: Annotated[
        bool,
        typer.Option(
            "--no-password", help="An account that signs in through OIDC only (ATOM_OIDC_PROVIDER)."
        ),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Update the role and password of an existing account.")
    ] = False,
) -> None:
    """Create a portal account; the password is stored as an argon2id hash only."""
    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.portal import PortalUserError, add_user, audit
    from atom.settings import get_settings

    if password_stdin and no_password:
        fail("--password-stdin and --no-password exclude each other: choose one", 2)
    password = _read_password(password_stdin, no_password)
    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            user = add_user(session, email, role, password, replace=replace)
            audit(
                session,
                "cli",
                "portal_user.replace" if replace else "portal_user.add",
                "portal_user",
                user.email,
                {"role": user.role, "has_password": password is not None},
            )
    except PortalUserError as exc:
        fail(str(exc), 2)
    finally:
        engine.dispose()
    err.print(f"{user.email} may now sign in to the portal as {user.role}")
    out.print(user.email)


@users_app.command("role")
def role(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="admin, reviewer, finance or analyst.")],
) -> None:
    """Change an account's role. Every open portal session of the account gets the new role at its next
    page run; a user who may no longer review loses the review locks they hold."""
    from atom.opdb.portal import audit, set_role

    def change(session: Session) -> str:
        user, previous, released = set_role(session, email, new_role)
        audit(
            session,
            "cli",
            "portal_user.role",
            "portal_user",
            user.email,
            {"from": previous, "to": user.role, "review_locks_released": released},
        )
        return f"{user.email} is now {user.role} (was {previous}); open sessions follow at their next click"

    out.print(_in_transaction(change), markup=False)


@users_app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The account's e-mail address.")]) -> None:
    """Disable an account: it can no longer sign in (password or single sign-on), and every open portal
    session of it is signed out at its next page run. `atom users add EMAIL --replace` enables it again."""
    from atom.opdb.portal import audit, disable_user

    def change(session: Session) -> str:
        user, was_enabled, released = disable_user(session, email)
        audit(
            session,
            "cli",
            "portal_user.disable",
            "portal_user",
            user.email,
            {"role": user.role, "was_enabled": was_enabled, "review_locks_released": released},
        )
        if not was_enabled:
            return f"{user.email} was already disabled"
        return f"{user.email} is disabled; open sessions are signed out at their next click"

    out.print(_in_transaction(change), markup=False)


def _in_transaction(change: Callable[[Session], str]) -> str:
    """Run ``change`` in one transaction of the operational DB; a PortalUserError exits with code 2."""
    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.portal import PortalUserError
    from atom.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            return change(session)
    except PortalUserError as exc:
        fail(escape(str(exc)), 2)
    finally:
        engine.dispose()


DEMO_ROLES = ("admin", "reviewer", "finance", "analyst")


def create_demo_accounts(domain: str = "atom.demo") -> list[tuple[str, str, str]]:
    """One account per role for ``atom demo`` (``<role>@<domain>``, a fresh random password each time,
    existing demo accounts replaced); returns ``(email, role, password)`` to print once."""
    import secrets

    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.portal import add_user, audit
    from atom.settings import get_settings

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    created = []
    try:
        with session_scope(engine) as session:
            for role in DEMO_ROLES:
                password = secrets.token_urlsafe(12)
                user = add_user(session, f"{role}@{domain}", role, password, replace=True)
                audit(
                    session,
                    "cli",
                    "portal_user.replace",
                    "portal_user",
                    user.email,
                    {"role": role, "demo": True},
                )
                created.append((user.email, role, password))
    finally:
        engine.dispose()
    return created

"""``atom price-book publish``: the same as ``PUT /v1/price-book`` (DESIGN 3.7, 3.8), through the same
billing function: validated, refused for closed months, audited."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atom.settings import get_settings
from cli.console import err, fail

price_book_app = typer.Typer(help="Price-book versions (DESIGN 3.2).", no_args_is_help=True)


@price_book_app.command("publish")
def publish(
    file: Annotated[Path, typer.Argument(help="The price book's YAML (DESIGN 3.2).")],
    effective_from: Annotated[
        str, typer.Option("--effective-from", help="YYYY-MM: the first month this version rates.")
    ],
) -> None:
    """Validate FILE and store it as the price-book version that rates months from --effective-from on."""
    from atom.opdb import make_engine, migrate, session_scope
    from billing.price_book import PriceBookVersionError, publish_price_book

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}", 2)
    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            version = publish_price_book(
                session, text, effective_from, actor="cli", file_path=settings.price_book_path
            )
    except PriceBookVersionError as exc:
        listing = "\n".join(f"  - {problem}" for problem in exc.problems)
        fail(f"{file}: not published ({exc.reason}):\n{listing}", 2 if exc.status == 422 else 1)
    finally:
        engine.dispose()
    book = version.book
    err.print(
        f"published {file} as the price book from {version.effective_from} (sha256 {version.sha256[:12]}…): "
        f"{book.currency}, {len(book.metrics)} metric(s), {len(book.prices)} price(s), "
        f"plans {', '.join(p.id for p in book.plans) or 'none'}; it rates from the next build on"
    )

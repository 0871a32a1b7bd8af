"""``atom billing``: rating previews (and, with the billing issue, monthly finalization)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from atom.cli.console import err, fail, out

app = typer.Typer(help="Rate usage and work with invoices.", no_args_is_help=True)


@app.command()
def preview(
    price_book: Annotated[Path, typer.Option("--price-book", help="Price book YAML (DESIGN 3.2).")],
    usage: Annotated[
        list[Path], typer.Option("--usage", help="Usage file (NDJSON, CSV, Parquet); repeatable.")
    ],
    period: Annotated[str, typer.Option(help="Calendar month to rate, YYYY-MM (UTC).")],
    format: Annotated[
        str, typer.Option("--format", help="json (stdout holds only the document) or table.")
    ] = "table",
) -> None:
    """Rate usage with no side effects, through the same dbt models a build runs, in a scratch warehouse."""
    from atom.dbt_cli import DbtError
    from atom.preview import PreviewError, preview_invoices
    from ingest.landing import UnsupportedFileError
    from ingest.loader import IngestFileError
    from ingest.price_book import PriceBookError

    if format not in ("json", "table"):
        fail(f"unknown format {format!r}: use json or table", 2)
    if not price_book.is_file():
        fail(f"price book not found: {price_book}", 2)
    try:
        with err.status("Rating usage through the dbt models in a scratch warehouse"):
            result = preview_invoices(price_book, usage, period)
    except PriceBookError as exc:
        fail(f"price book {price_book} is invalid:\n{exc}", 2)
    except (PreviewError, UnsupportedFileError, IngestFileError) as exc:
        fail(str(exc), 2)
    except DbtError as exc:
        fail(str(exc))
    summary = (
        f"usage: {result.received:,} received, {result.loaded:,} loaded, "
        f"{result.duplicates:,} duplicates, {result.quarantined:,} quarantined"
    )
    if result.quarantine_reasons:
        summary += " (" + ", ".join(f"{k} {v}" for k, v in sorted(result.quarantine_reasons.items())) + ")"
    err.print(summary)
    document = result.document
    if format == "json":
        typer.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"Invoice preview {document['period']} ({document['currency']})")
    for column in ("tenant", "price", "metric", "package", "quantity", "amount", "partner payout"):
        table.add_column(
            column, justify="right" if column in {"quantity", "amount", "partner payout"} else "left"
        )
    for invoice in document["invoices"]:
        for line in invoice["lines"]:
            table.add_row(
                invoice["tenant_id"],
                line["price_id"],
                line["metric"],
                line["package_id"] or "",
                line["quantity"],
                line["amount"],
                line["partner_payout"],
            )
        table.add_row(
            invoice["tenant_id"],
            "[bold]total[/]",
            "",
            "",
            "",
            f"[bold]{invoice['total']}[/]",
            "",
            end_section=True,
        )
    out.print(table)

"""``atom billing``: rating previews (and, with the billing issue, monthly finalization)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.console import OutputFormat, err, fail, out, print_json

app = typer.Typer(help="Rate usage and work with invoices.", no_args_is_help=True)


@app.command()
def preview(
    price_book: Annotated[Path, typer.Option("--price-book", help="Price book YAML (DESIGN 3.2).")],
    usage: Annotated[
        list[Path], typer.Option("--usage", help="Usage file (NDJSON, CSV, Parquet); repeatable.")
    ],
    period: Annotated[str, typer.Option(help="Calendar month to rate, YYYY-MM (UTC).")],
    format: Annotated[
        OutputFormat, typer.Option("--format", help="json (stdout holds only the document) or table.")
    ] = OutputFormat.table,
) -> None:
    """Rate usage with no side effects, through the same dbt models a build runs, in a scratch warehouse."""
    from atom.dbt_cli import DbtError
    from billing.price_book import PriceBookError
    from ingest.landing import UnsupportedFileError
    from ingest.loader import IngestFileError
    from ingest.preview import PreviewError, preview_invoices

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
        print_json(document)
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


@app.command()
def run(
    period: Annotated[str, typer.Option(help="Calendar month to close, YYYY-MM (UTC); a past month.")],
) -> None:
    """Finalize a month (the Dagster partition finance launches), send it to Stripe and pay partners.

    Without STRIPE_API_KEY the Stripe requests go to the dry-run outbox. Running it again is safe: a closed
    month keeps its invoices and Stripe sees each request once.
    """
    from billing.periods import PeriodError, parse_period

    try:
        parse_period(period)
    except PeriodError as exc:
        fail(str(exc), 2)
    from cli.pipeline import waiting
    from orchestration.defs.billing import run_billing_partition
    from orchestration.run import quiet_console

    try:
        with err.status(f"Running billing_job for {period}"), quiet_console():
            summary = run_billing_partition(period, notify=waiting)
    except ValueError as exc:
        fail(str(exc), 2)
    invoices = summary.metadata.get("opdb/invoices", {})
    stripe = summary.metadata.get("opdb/stripe_requests", {})
    payouts = summary.metadata.get("opdb/partner_payouts", {})
    if not summary.success:
        fail(f"billing run {summary.run_id} failed: {summary.error}")
    state = "finalized" if invoices.get("newly_finalized") else "already closed, unchanged"
    out.print(
        f"{period}: {invoices.get('invoices', 0)} invoice(s), {invoices.get('credit_notes', 0)} credit note(s) "
        f"({state}); Stripe ({stripe.get('mode')}): {stripe.get('requests_sent', 0)} request(s) sent, "
        f"{stripe.get('already_synced', 0)} document(s) already there; payouts to {payouts.get('publishers', 0)} partner(s)"
    )
    for name in summary.checks_warned:
        err.print(f"[yellow]warning:[/] check {name} did not pass")
    out.print(f"Dagster run {summary.run_id}")
    if summary.checks_failed:
        fail("checks failed: " + ", ".join(summary.checks_failed))


@app.command()
def invoices(
    period: Annotated[str, typer.Option(help="Calendar month, YYYY-MM (UTC).")],
    format: Annotated[
        OutputFormat, typer.Option("--format", help="json (stdout holds only the document) or table.")
    ] = OutputFormat.table,
) -> None:
    """List the finalized invoices and credit notes of a month (DESIGN 3.7)."""
    from atom.opdb import make_engine, migrate
    from atom.settings import get_settings
    from billing.documents import invoices_document
    from billing.periods import PeriodError

    url = get_settings().database_url
    migrate(url)
    engine = make_engine(url)
    try:
        document = invoices_document(engine, period)
    except PeriodError as exc:
        fail(str(exc), 2)
    finally:
        engine.dispose()
    if format == "json":
        print_json(document)
        return
    if not document["invoices"]:
        err.print(f"no finalized invoices for {period}: run `atom billing run --period {period}`")
    table = Table(title=f"Invoices {period}")
    for column in ("number", "tenant", "status", "lines", "total", "stripe"):
        table.add_column(column, justify="right" if column in {"lines", "total"} else "left")
    for invoice in document["invoices"]:
        table.add_row(
            invoice["number"],
            invoice["tenant_id"],
            invoice["status"],
            str(len(invoice["lines"])),
            f"{invoice['total']} {invoice['currency']}",
            invoice["stripe_invoice_id"] or "",
        )
    out.print(table)

"""Copy the operational DB's marketplace tables into the warehouse's ``raw.operational_*`` tables.

The copy is whole, not incremental: these tables are small (thousands of rows) and a full replace in one
DuckDB transaction means dbt never sees a half-updated set (a tenant without its subscriptions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import Session

from atom.opdb import (
    CreditNote,
    Install,
    Invoice,
    InvoiceLine,
    Package,
    PackageVersion,
    PartnerAccount,
    PartnerPayout,
    Publisher,
    Submission,
    Subscription,
    Tenant,
    TenantEvent,
    make_engine,
)
from atom.opdb.billing import InvoicePayment
from billing.money import from_minor
from ingest.raw_schema import create_raw_schema

_TS = pa.timestamp("us")


# raw table -> (select returning columns in the raw table's order, arrow schema of those columns)
def _sources() -> dict[str, tuple[Select[Any], pa.Schema]]:
    return {
        "operational_publishers": (
            select(Publisher.id, Publisher.name, Publisher.created_at).order_by(Publisher.id),
            pa.schema([("publisher_id", pa.string()), ("name", pa.string()), ("created_at", _TS)]),
        ),
        "operational_packages": (
            select(
                Package.id, Package.name, Package.publisher_id, Package.category, Package.created_at
            ).order_by(Package.id),
            pa.schema(
                [
                    ("package_id", pa.string()),
                    ("name", pa.string()),
                    ("publisher_id", pa.string()),
                    ("category", pa.string()),
                    ("created_at", _TS),
                ]
            ),
        ),
        "operational_package_versions": (
            select(
                PackageVersion.package_id,
                PackageVersion.version,
                PackageVersion.status,
                PackageVersion.published_at,
            ).order_by(PackageVersion.package_id, PackageVersion.published_at),
            pa.schema(
                [
                    ("package_id", pa.string()),
                    ("version", pa.string()),
                    ("status", pa.string()),
                    ("published_at", _TS),
                ]
            ),
        ),
        "operational_tenants": (
            select(Tenant.id, Tenant.name, Tenant.segment, Tenant.country, Tenant.created_at).order_by(
                Tenant.id
            ),
            pa.schema(
                [
                    ("tenant_id", pa.string()),
                    ("name", pa.string()),
                    ("segment", pa.string()),
                    ("country", pa.string()),
                    ("created_at", _TS),
                ]
            ),
        ),
        "operational_subscriptions": (
            select(
                Subscription.id,
                Subscription.tenant_id,
                Subscription.plan_id,
                Subscription.is_trial,
                Subscription.started_on,
                Subscription.ended_on,
            ).order_by(Subscription.tenant_id, Subscription.started_on),
            pa.schema(
                [
                    ("subscription_id", pa.string()),
                    ("tenant_id", pa.string()),
                    ("plan_id", pa.string()),
                    ("is_trial", pa.bool_()),
                    ("started_on", pa.date32()),
                    ("ended_on", pa.date32()),
                ]
            ),
        ),
        "operational_tenant_events": (
            select(TenantEvent.tenant_id, TenantEvent.state, TenantEvent.occurred_at).order_by(
                TenantEvent.tenant_id, TenantEvent.occurred_at, TenantEvent.id
            ),
            pa.schema([("tenant_id", pa.string()), ("state", pa.string()), ("occurred_at", _TS)]),
        ),
    }


def _read(session: Session, statement: Select[Any], schema: pa.Schema) -> pa.Table:
    rows = session.execute(statement).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(values), type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


_AMOUNT = pa.decimal128(38, 6)
_QUANTITY = pa.decimal128(38, 9)


def _money(minor: int, minor_units: int) -> Decimal:
    """Minor units as the marts' DECIMAL(38, 6) money."""
    return from_minor(minor, minor_units).quantize(Decimal("0.000001"))


def _billing_tables(session: Session) -> dict[str, pa.Table]:
    """Billing's documents and payouts (atom/opdb/billing.py), money turned from integer minor units into
    exact decimals. A database that predates the billing migration gives empty tables, not a failed build."""
    present = set(inspect(session.connection()).get_table_names())
    invoices_schema = pa.schema(
        [
            ("invoice_number", pa.string()),
            ("document_type", pa.string()),
            ("tenant_id", pa.string()),
            ("period", pa.string()),
            ("status", pa.string()),
            ("currency", pa.string()),
            ("minor_units", pa.int32()),
            ("total_amount", _AMOUNT),
            ("issued_on", pa.date32()),
            ("due_on", pa.date32()),
            ("finalized_at", _TS),
            ("status_changed_at", _TS),
            ("stripe_invoice_id", pa.string()),
            ("paid_amount", _AMOUNT),
        ]
    )
    payments_schema = pa.schema(
        [
            ("payment_id", pa.int64()),
            ("invoice_number", pa.string()),
            ("tenant_id", pa.string()),
            ("currency", pa.string()),
            ("minor_units", pa.int32()),
            ("amount", _AMOUNT),
            ("paid_at", _TS),
            ("stripe_event_id", pa.string()),
            ("recorded_at", _TS),
        ]
    )
    lines_schema = pa.schema(
        [
            ("invoice_number", pa.string()),
            ("line_number", pa.int32()),
            ("tenant_id", pa.string()),
            ("kind", pa.string()),
            ("period", pa.string()),
            ("price_id", pa.string()),
            ("plan_id", pa.string()),
            ("metric_id", pa.string()),
            ("package_id", pa.string()),
            ("publisher_id", pa.string()),
            ("quantity", _QUANTITY),
            ("amount", _AMOUNT),
            ("partner_payout_amount", _AMOUNT),
            ("platform_fee_amount", _AMOUNT),
        ]
    )
    payouts_schema = pa.schema(
        [
            ("publisher_id", pa.string()),
            ("period", pa.string()),
            ("currency", pa.string()),
            ("gross_amount", _AMOUNT),
            ("platform_fee_amount", _AMOUNT),
            ("payout_amount", _AMOUNT),
            ("stripe_transfer_id", pa.string()),
            ("created_at", _TS),
        ]
    )
    accounts_schema = pa.schema([("publisher_id", pa.string()), ("stripe_account_id", pa.string())])
    invoices: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    payouts: list[tuple[Any, ...]] = []
    accounts: list[tuple[Any, ...]] = []
    if {"invoices", "invoice_lines"} <= present:
        places: dict[str, int] = {}
        for inv in session.scalars(select(Invoice).order_by(Invoice.number)):
            places[inv.number] = inv.minor_units
            invoices.append(
                (
                    inv.number,
                    inv.document_type,
                    inv.tenant_id,
                    inv.period,
                    inv.status,
                    inv.currency,
                    inv.minor_units,
                    _money(inv.total_minor, inv.minor_units),
                    inv.issued_on,
                    inv.due_on,
                    inv.finalized_at,
                    inv.status_changed_at,
                    inv.stripe_invoice_id,
                    _money(inv.amount_paid_minor, inv.minor_units),
                )
            )
        for line in session.scalars(
            select(InvoiceLine).order_by(InvoiceLine.invoice_number, InvoiceLine.line_number)
        ):
            mu = places[line.invoice_number]
            lines.append(
                (
                    line.invoice_number,
                    line.line_number,
                    line.tenant_id,
                    line.kind,
                    line.period,
                    line.price_id,
                    line.plan_id,
                    line.metric_id,
                    line.package_id,
                    line.publisher_id,
                    Decimal(line.quantity),
                    _money(line.amount_minor, mu),
                    _money(line.partner_payout_minor, mu),
                    _money(line.platform_fee_minor, mu),
                )
            )
    if "invoice_payments" in present:
        for pay, tenant_id, currency, mu in session.execute(
            select(InvoicePayment, Invoice.tenant_id, Invoice.currency, Invoice.minor_units)
            .join(Invoice, Invoice.number == InvoicePayment.invoice_number)
            .order_by(InvoicePayment.id)
        ).tuples():
            payments.append(
                (
                    pay.id,
                    pay.invoice_number,
                    tenant_id,
                    currency,
                    mu,
                    _money(pay.amount_minor, mu),
                    pay.paid_at,
                    pay.stripe_event_id,
                    pay.recorded_at,
                )
            )
    if "partner_payouts" in present:
        # Payout amounts share the minor units of the invoices they come from (one price-book currency).
        mu_by_currency = {row[5]: row[6] for row in invoices}
        for p in session.scalars(
            select(PartnerPayout).order_by(PartnerPayout.period, PartnerPayout.publisher_id)
        ):
            mu = mu_by_currency.get(p.currency, 2)
            payouts.append(
                (
                    p.publisher_id,
                    p.period,
                    p.currency,
                    _money(p.gross_minor, mu),
                    _money(p.platform_fee_minor, mu),
                    _money(p.payout_minor, mu),
                    p.stripe_transfer_id,
                    p.created_at,
                )
            )
    if "partner_accounts" in present:
        accounts = [
            (a.publisher_id, a.stripe_account_id)
            for a in session.scalars(select(PartnerAccount).order_by(PartnerAccount.publisher_id))
        ]
    credit_notes_schema = pa.schema(
        [
            ("credit_note_number", pa.string()),
            ("invoice_number", pa.string()),
            ("tenant_id", pa.string()),
            ("period", pa.string()),
            ("currency", pa.string()),
            ("minor_units", pa.int32()),
            ("amount", _AMOUNT),
            ("reason", pa.string()),
            ("issued_on", pa.date32()),
            ("created_at", _TS),
        ]
    )
    installs_schema = pa.schema(
        [
            ("install_id", pa.int64()),
            ("tenant_id", pa.string()),
            ("package_id", pa.string()),
            ("version", pa.string()),
            ("installed_at", _TS),
        ]
    )
    credit_notes: list[tuple[Any, ...]] = []
    installs: list[tuple[Any, ...]] = []
    if "credit_notes" in present:
        credit_notes = [
            (
                n.number,
                n.invoice_number,
                n.tenant_id,
                n.period,
                n.currency,
                n.minor_units,
                _money(n.amount_minor, n.minor_units),
                n.reason,
                n.issued_on,
                n.created_at,
            )
            for n in session.scalars(select(CreditNote).order_by(CreditNote.number))
        ]
    if "installs" in present:
        installs = [
            (i.id, i.tenant_id, i.package_id, i.version, i.installed_at)
            for i in session.scalars(select(Install).order_by(Install.id))
        ]
    return {
        "operational_credit_notes": _table(credit_notes, credit_notes_schema),
        "operational_installs": _table(installs, installs_schema),
        "operational_invoices": _table(invoices, invoices_schema),
        "operational_invoice_lines": _table(lines, lines_schema),
        "operational_invoice_payments": _table(payments, payments_schema),
        "operational_partner_payouts": _table(payouts, payouts_schema),
        "operational_partner_accounts": _table(accounts, accounts_schema),
    }


_RISK_SCORE = pa.decimal128(9, 6)
_SUBMISSIONS_SCHEMA = pa.schema(
    [
        ("submission_id", pa.string()),
        ("publisher_id", pa.string()),
        ("package_id", pa.string()),
        ("package_name", pa.string()),
        ("version", pa.string()),
        ("status", pa.string()),
        ("decision", pa.string()),
        ("risk_score", _RISK_SCORE),
        ("rules_version", pa.string()),
        ("submitted_at", _TS),
        ("scanned_at", _TS),
        ("decided_at", _TS),
        ("reviewed_by", pa.string()),
    ]
)
_FINDINGS_SCHEMA = pa.schema(
    [
        ("submission_id", pa.string()),
        ("finding_number", pa.int32()),
        ("rule", pa.string()),
        ("category", pa.string()),
        ("severity", pa.string()),
        ("confidence", pa.string()),
        ("file", pa.string()),
        ("line", pa.int32()),
    ]
)
_POLICIES_SCHEMA = pa.schema(
    [
        ("submission_id", pa.string()),
        ("policy_id", pa.string()),
        ("policy_name", pa.string()),
        ("status", pa.string()),
    ]
)


def _risk_score(value: float | None) -> Decimal | None:
    # The operational DB stores a float; str() gives its shortest exact-looking form before rounding.
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _governance_tables(session: Session) -> dict[str, pa.Table]:
    """Submissions with their latest report's findings and policy results exploded into rows (DESIGN 3.6).

    Exploded here rather than in dbt so the warehouse needs no JSON array functions (DESIGN 4). A database
    without the registry migration gives empty tables."""
    submissions: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    policies: list[tuple[Any, ...]] = []
    if "submissions" in set(inspect(session.connection()).get_table_names()):
        for sub in session.scalars(select(Submission).order_by(Submission.submitted_at, Submission.id)):
            report: dict[str, Any] = json.loads(sub.report_json) if sub.report_json else {}
            submissions.append(
                (
                    sub.id,
                    sub.publisher_id,
                    sub.package_id,
                    sub.package_name,
                    sub.version,
                    sub.status,
                    sub.decision,
                    _risk_score(sub.risk_score),
                    report.get("rules_version"),
                    sub.submitted_at,
                    sub.scanned_at,
                    sub.decided_at,
                    sub.reviewed_by,
                )
            )
            for index, finding in enumerate(report.get("findings") or []):
                if not finding.get("rule"):
                    raise ValueError(
                        f"Submission {sub.id!r}: finding {index} of its report has no 'rule'; rescan it "
                        "with the current governance rules (ingest.review) to rewrite the report."
                    )
                line = finding.get("line")
                findings.append(
                    (
                        sub.id,
                        index + 1,
                        finding["rule"],
                        finding.get("category"),
                        finding.get("severity"),
                        finding.get("confidence"),
                        finding.get("file"),
                        None if line is None else int(line),
                    )
                )
            for index, policy in enumerate(report.get("policies") or []):
                if not policy.get("id") or not policy.get("status"):
                    raise ValueError(
                        f"Submission {sub.id!r}: policy {index} of its report lacks 'id' or 'status'; rescan "
                        "it with the current governance rules (ingest.review) to rewrite the report."
                    )
                policies.append((sub.id, policy["id"], policy.get("name"), policy["status"]))
    return {
        "operational_submissions": _table(submissions, _SUBMISSIONS_SCHEMA),
        "operational_submission_findings": _table(findings, _FINDINGS_SCHEMA),
        "operational_submission_policies": _table(policies, _POLICIES_SCHEMA),
    }


def _table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(values), type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def read_operational_tables(database_url: str) -> dict[str, pa.Table]:
    """The operational DB's current rows, shaped as the ``raw.operational_*`` tables, read in one snapshot."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            tables = {table: _read(session, stmt, schema) for table, (stmt, schema) in _sources().items()}
            tables.update(_billing_tables(session))
            tables.update(_governance_tables(session))
            return tables
    finally:
        engine.dispose()


def copy_operational_tables(
    conn: duckdb.DuckDBPyConnection,
    database_url: str,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Replace every ``raw.operational_*`` table with the operational DB's rows; returns rows per table.

    All tables change in one DuckDB transaction: a failure leaves the previous copy whole.
    """
    create_raw_schema(conn)
    tables = read_operational_tables(database_url)
    counts: dict[str, int] = {}
    conn.execute("BEGIN TRANSACTION")
    try:
        for table, data in tables.items():
            view = f"_atom_src_{table}"
            columns = ", ".join(data.schema.names)
            conn.register(view, data)
            try:
                conn.execute(f"DELETE FROM raw.{table}")
                conn.execute(f"INSERT INTO raw.{table} ({columns}) SELECT {columns} FROM {view}")
            finally:
                conn.unregister(view)
            counts[table] = data.num_rows
            if on_table is not None:
                on_table(table, data.num_rows)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return counts

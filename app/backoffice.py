"""Reads of the operational DB for the portal's pages: invoices, billing months, payouts, plan history,
and the submissions' governance reports flattened for charts.

Not cached: these tables change under the portal's own actions (a billing run, a review), and the
queries touch at most a few thousand rows. Money arrives as integer minor units (atom/opdb/billing.py)
and leaves as ``Decimal``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.formatting import minor_units, money
from atom.opdb.billing import BillingRun, Invoice, PartnerAccount, PartnerPayout, StripeRequest
from atom.opdb.marketplace_ops import CreditNote
from atom.opdb.models import Publisher, Subscription
from atom.opdb.portal import Identity, audit
from atom.opdb.registry import AuditLog, Submission
from atom.settings import get_settings
from billing.corrections import (
    CREDITABLE,
    VOIDABLE,
    CorrectionError,
    CreditNoteResult,
    VoidResult,
    issue_credit_note,
    void_invoice,
)
from billing.money import from_minor
from billing.stripe_gateway import StripeGateway, make_gateway


def _amount_due(invoice: Invoice, credited_minor: int) -> int:
    """What the tenant still owes on a document (decision 0703): total less credit notes less payments,
    never below zero; nothing once it is paid or void, nor on a credit-note document."""
    if invoice.document_type != "invoice" or invoice.status in ("paid", "void"):
        return 0
    return max(invoice.total_minor - credited_minor - invoice.amount_paid_minor, 0)


def invoices(session: Session, *, period: str | None = None, tenant_id: str | None = None) -> pd.DataFrame:
    """Finalized documents with their status and Stripe state, newest first."""
    query = select(Invoice)
    if period is not None:
        query = query.where(Invoice.period == period)
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    rows = session.scalars(query.order_by(Invoice.period.desc(), Invoice.number)).all()
    credited: dict[str, int] = {
        number: int(total)
        for number, total in session.execute(
            select(CreditNote.invoice_number, func.sum(CreditNote.amount_minor)).group_by(
                CreditNote.invoice_number
            )
        ).tuples()
    }
    # One grouped scan of the ledger rather than an IN list, which SQLite caps at 32,766 variables.
    modes: dict[str, str] = (
        {
            number: mode
            for number, mode in session.execute(
                select(StripeRequest.invoice_number, func.max(StripeRequest.mode))
                .where(StripeRequest.invoice_number.is_not(None))
                .group_by(StripeRequest.invoice_number)
            ).tuples()
            if number is not None
        }
        if rows
        else {}
    )
    return pd.DataFrame(
        [
            {
                "Number": r.number,
                "Type": r.document_type,
                "Tenant": r.tenant_id,
                "Month": r.period,
                "Status": r.status,
                "Currency": r.currency.upper(),
                "Total": money(from_minor(r.total_minor, r.minor_units), r.currency),
                "Credited": money(from_minor(credited.get(r.number, 0), r.minor_units), r.currency),
                "Paid": money(from_minor(r.amount_paid_minor, r.minor_units), r.currency),
                "Amount due": money(
                    from_minor(_amount_due(r, credited.get(r.number, 0)), r.minor_units), r.currency
                ),
                "Issued": r.issued_on,
                "Due": r.due_on,
                "Stripe": _stripe_state(r.stripe_invoice_id, modes.get(r.number)),
                "Stripe invoice": r.stripe_invoice_id or "",
            }
            for r in rows
        ],
        columns=[
            "Number",
            "Type",
            "Tenant",
            "Month",
            "Status",
            "Currency",
            "Total",
            "Credited",
            "Paid",
            "Amount due",
            "Issued",
            "Due",
            "Stripe",
            "Stripe invoice",
        ],
    )


def _stripe_state(stripe_invoice_id: str | None, mode: str | None) -> str:
    if mode is None:
        return "not sent"
    if mode == "dry_run":
        return "dry run (no STRIPE_API_KEY)"
    return "sent" if stripe_invoice_id else mode


def billing_runs(session: Session) -> dict[str, BillingRun]:
    return {run.period: run for run in session.scalars(select(BillingRun))}


def partner_payouts(session: Session) -> pd.DataFrame:
    rows = session.scalars(
        select(PartnerPayout).order_by(PartnerPayout.period.desc(), PartnerPayout.publisher_id)
    ).all()
    return pd.DataFrame(
        [
            {
                "Month": r.period,
                "Publisher": r.publisher_id,
                "Currency": r.currency.upper(),
                "Gross": money(from_minor(r.gross_minor, minor_units(r.currency)), r.currency),
                "Platform fee": money(from_minor(r.platform_fee_minor, minor_units(r.currency)), r.currency),
                "Payout": money(from_minor(r.payout_minor, minor_units(r.currency)), r.currency),
                "Stripe transfer": r.stripe_transfer_id or "dry run / not sent",
            }
            for r in rows
        ],
        columns=["Month", "Publisher", "Currency", "Gross", "Platform fee", "Payout", "Stripe transfer"],
    )


def uncollectible_by_tenant(session: Session) -> dict[str, int]:
    """Failed payments per tenant: documents Stripe reported uncollectible."""
    return {
        tenant: number
        for tenant, number in session.execute(
            select(Invoice.tenant_id, func.count())
            .where(Invoice.status == "uncollectible")
            .group_by(Invoice.tenant_id)
        ).tuples()
    }


def plan_history(session: Session, tenant_id: str) -> pd.DataFrame:
    rows = session.scalars(
        select(Subscription).where(Subscription.tenant_id == tenant_id).order_by(Subscription.started_on)
    ).all()
    return pd.DataFrame(
        [{"Plan": r.plan_id, "Trial": r.is_trial, "From": r.started_on, "Until": r.ended_on} for r in rows],
        columns=["Plan", "Trial", "From", "Until"],
    )


# --- corrections by finance (issue 15, decision 0710): void, credit notes, payout accounts ---
# Each change and its audit row commit in one transaction (the caller's session), as the API does.


def stripe_gateway() -> StripeGateway:
    """The settings' Stripe: live with STRIPE_API_KEY, the dry-run outbox without."""
    settings = get_settings()
    key = settings.stripe_api_key
    return make_gateway(key.get_secret_value() if key else None, settings.stripe_api_base)


def correctable_invoices(session: Session) -> pd.DataFrame:
    """Invoices an operator can still void or credit, with what is left to credit, newest first."""
    rows = session.scalars(
        select(Invoice)
        .where(Invoice.document_type == "invoice", Invoice.status.in_(CREDITABLE))
        .order_by(Invoice.period.desc(), Invoice.number)
    ).all()
    credited: dict[str, int] = {
        number: int(total)
        for number, total in session.execute(
            select(CreditNote.invoice_number, func.sum(CreditNote.amount_minor)).group_by(
                CreditNote.invoice_number
            )
        ).tuples()
    }
    return pd.DataFrame(
        [
            {
                "Number": r.number,
                "Tenant": r.tenant_id,
                "Month": r.period,
                "Status": r.status,
                "Currency": r.currency,
                "Total": money(from_minor(r.total_minor, r.minor_units), r.currency),
                "Left to credit": money(
                    from_minor(r.total_minor - credited.get(r.number, 0), r.minor_units), r.currency
                ),
                # Stripe refuses to void an invoice with payments; credit what is left instead (0703).
                "Voidable": r.status in VOIDABLE and r.amount_paid_minor == 0,
            }
            for r in rows
        ],
        columns=["Number", "Tenant", "Month", "Status", "Currency", "Total", "Left to credit", "Voidable"],
    )


def void_as(session: Session, identity: Identity, number: str, gateway: StripeGateway) -> VoidResult:
    """Void ``number`` as the signed-in finance user; :class:`CorrectionError` says why not."""
    result = void_invoice(session, gateway, number)
    audit(
        session,
        identity.email,
        "invoice.void",
        "invoice",
        number,
        {"role": identity.role, "via": "portal", "stripe_mode": result.stripe_mode},
    )
    return result


def credit_as(
    session: Session, identity: Identity, number: str, amount: str, reason: str, gateway: StripeGateway
) -> CreditNoteResult:
    """A credit note against ``number`` as the signed-in finance user."""
    result = issue_credit_note(session, gateway, number, amount, reason, actor=identity.email)
    audit(
        session,
        identity.email,
        "invoice.credit_note",
        "invoice",
        number,
        {
            "role": identity.role,
            "via": "portal",
            "credit_note": result.number,
            "amount": result.amount,
            "reason": result.reason,
        },
    )
    return result


ACCOUNT_PATTERN = r"^acct_[A-Za-z0-9]{1,250}$"


def set_payout_account(
    session: Session, identity: Identity, publisher_id: str, account_id: str
) -> str | None:
    """Point ``publisher_id``'s payouts at a Stripe Connect account; returns the previous one."""
    account_id = account_id.strip()
    if not re.match(ACCOUNT_PATTERN, account_id):
        raise CorrectionError(422, "bad_account", f"{account_id!r} is not a Stripe account id (acct_...)")
    if session.get(Publisher, publisher_id) is None:
        raise CorrectionError(404, "not_found", f"no publisher {publisher_id}")
    row = session.get(PartnerAccount, publisher_id)
    previous = row.stripe_account_id if row else None
    if row is None:
        session.add(PartnerAccount(publisher_id=publisher_id, stripe_account_id=account_id))
    else:
        row.stripe_account_id = account_id
    audit(
        session,
        identity.email,
        "publisher.payout_account",
        "publisher",
        publisher_id,
        {"role": identity.role, "via": "portal", "stripe_account_id": account_id, "previous": previous},
    )
    return previous


def payout_accounts(session: Session) -> pd.DataFrame:
    accounts = {a.publisher_id: a.stripe_account_id for a in session.scalars(select(PartnerAccount))}
    publishers = session.scalars(select(Publisher).order_by(Publisher.id)).all()
    return pd.DataFrame(
        [
            {
                "Publisher": p.id,
                "Name": p.name,
                "Stripe account": accounts.get(p.id) or "not connected (dry run)",
            }
            for p in publishers
        ],
        columns=["Publisher", "Name", "Stripe account"],
    )


# --- governance reports, flattened ---


def submissions_frame(session: Session) -> pd.DataFrame:
    """One row per submission with its outcome and, when a reviewer decided, when."""
    decided = {
        target: at
        for target, at in session.execute(
            select(AuditLog.target_id, func.max(AuditLog.occurred_at))
            .where(
                AuditLog.target_type == "submission", AuditLog.action.in_(["review.approve", "review.reject"])
            )
            .group_by(AuditLog.target_id)
        ).all()
    }
    rows = session.execute(
        select(
            Submission.id,
            Submission.package_name,
            Submission.version,
            Submission.status,
            Submission.decision,
            Submission.risk_score,
            Submission.submitted_at,
            Submission.scanned_at,
            Submission.reviewed_by,
        )
    ).all()
    return pd.DataFrame(
        [
            {
                "submission_id": r.id,
                "package": r.package_name,
                "version": r.version,
                "status": r.status,
                "scanner_decision": r.decision,
                "risk_score": r.risk_score,
                "submitted_at": r.submitted_at,
                "scanned_at": r.scanned_at,
                "reviewed_by": r.reviewed_by,
                "reviewed_at": decided.get(r.id),
            }
            for r in rows
        ],
        columns=[
            "submission_id",
            "package",
            "version",
            "status",
            "scanner_decision",
            "risk_score",
            "submitted_at",
            "scanned_at",
            "reviewed_by",
            "reviewed_at",
        ],
    )


def findings_frame(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(findings, policies)``: one row per finding (rule, category, severity) and per policy result,
    each with the submission's week, from the stored governance reports."""
    findings, policies = [], []
    for sub_id, submitted_at, report_json in session.execute(
        select(Submission.id, Submission.submitted_at, Submission.report_json).where(
            Submission.report_json.is_not(None)
        )
    ):
        report = json.loads(report_json)
        week = _week(submitted_at)
        for f in report.get("findings", []):
            findings.append(
                {
                    "submission_id": sub_id,
                    "week": week,
                    "rule": f.get("rule"),
                    "category": f.get("category"),
                    "severity": f.get("severity"),
                }
            )
        for p in report.get("policies", []):
            policies.append(
                {
                    "submission_id": sub_id,
                    "week": week,
                    "policy": f"{p.get('id')} {p.get('name', '')}".strip(),
                    "status": p.get("status"),
                }
            )
    return (
        pd.DataFrame(findings, columns=["submission_id", "week", "rule", "category", "severity"]),
        pd.DataFrame(policies, columns=["submission_id", "week", "policy", "status"]),
    )


def _week(moment: datetime) -> str:
    monday = moment.date().toordinal() - moment.weekday()
    return datetime.fromordinal(monday).date().isoformat()

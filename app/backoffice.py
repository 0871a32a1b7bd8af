"""Reads of the operational DB for the portal's pages: invoices, billing months, payouts, plan history,
and the submissions' governance reports flattened for charts.

Not cached: these tables change under the portal's own actions (a billing run, a review), and the
queries touch at most a few thousand rows. Money arrives as integer minor units (atom/opdb/billing.py)
and leaves as ``Decimal``.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.formatting import minor_units
from atom.opdb.billing import BillingRun, Invoice, PartnerPayout, StripeRequest
from atom.opdb.models import Subscription
from atom.opdb.registry import AuditLog, Submission
from billing.money import from_minor


def invoices(session: Session, *, period: str | None = None, tenant_id: str | None = None) -> pd.DataFrame:
    """Finalized documents with their status and Stripe state, newest first."""
    query = select(Invoice)
    if period is not None:
        query = query.where(Invoice.period == period)
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    rows = session.scalars(query.order_by(Invoice.period.desc(), Invoice.number)).all()
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
                "Total": from_minor(r.total_minor, r.minor_units),
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
                "Gross": from_minor(r.gross_minor, minor_units(r.currency)),
                "Platform fee": from_minor(r.platform_fee_minor, minor_units(r.currency)),
                "Payout": from_minor(r.payout_minor, minor_units(r.currency)),
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

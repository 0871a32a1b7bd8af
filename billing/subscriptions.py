"""Subscriptions and a tenant's lifecycle (DESIGN 3.2.8, 3.8; issue 15 item 3), and dunning.

The operational DB's ``subscriptions`` rows are what rating prorates (dbt ``int_subscriptions_split_monthly``
and ``int_recurring_lines_prorated``): a tenant holds ``plan_id`` over ``[started_on, ended_on)``. Putting a
tenant on a plan from a day closes whatever it held on that day (``ended_on`` = that day) and opens the new
subscription from it, so a change within a month is charged by day for each plan; subscriptions that would
only have started on or after that day are replaced. Ending a subscription closes it the same way.

A tenant's state is the one of its latest ``tenant_events`` row (``dim_tenants.current_state``). The
operator sets ``active``, ``suspended`` or ``churned``; dunning sets ``past_due`` and ``suspended`` and, when
the invoices are paid, takes its own states back to ``active`` (never an operator's). Churning ends the
tenant's plan on the day it takes effect, so MRR shows the churn; a suspension keeps the plan (a suspended
tenant still owes it) and only stops its service. Every change is audited in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atom.clock import now, today
from atom.opdb.billing import BillingRun, Invoice
from atom.opdb.marketplace_ops import CreditNote
from atom.opdb.models import Subscription, Tenant, TenantEvent
from atom.opdb.registry import AuditLog
from billing.periods import period_of
from billing.price_book import all_versions, version_in_force

OPERATOR_STATES = ("active", "suspended", "churned")
DUNNING_ACTOR = "system:dunning"
UNPAID_STATUSES = ("finalized",)


class LifecycleError(ValueError):
    """A change that cannot be made as asked; ``status`` is the HTTP answer the API gives."""

    def __init__(self, status: int, reason: str, detail: Any) -> None:
        self.status = status
        self.reason = reason
        self.detail = detail
        super().__init__(str(detail))


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` as the audit log shows it (``admin:ops``, ``cli``, ``system:dunning``)."""

    name: str
    api_key_id: str | None = None
    request_id: str | None = None


def _audit(session: Session, actor: Actor, action: str, tenant_id: str, details: dict[str, Any]) -> None:
    session.add(
        AuditLog(
            occurred_at=_now(),
            api_key_id=actor.api_key_id,
            actor=actor.name,
            action=action,
            target_type="tenant",
            target_id=tenant_id,
            details_json=orjson.dumps(details, option=orjson.OPT_SORT_KEYS, default=str).decode(),
            request_id=actor.request_id,
        )
    )


def _now() -> datetime:
    return now().replace(tzinfo=None)


def _tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise LifecycleError(404, "not_found", f"no tenant {tenant_id}: create it first (POST /v1/tenants)")
    return tenant


def _refuse_closed(session: Session, day: date) -> None:
    period = period_of(day)
    closed = session.scalars(select(BillingRun.period).where(BillingRun.period >= period)).all()
    if closed:
        raise LifecycleError(
            409,
            "period_closed",
            f"{', '.join(sorted(closed))} already closed: a change effective on {day} would rewrite a "
            f"finalized month; make it effective after {max(closed)}",
        )


def subscriptions_of(session: Session, tenant_id: str) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(Subscription.tenant_id == tenant_id).order_by(Subscription.started_on)
        )
    )


def _cut_at(session: Session, tenant_id: str, day: date) -> list[str]:
    """Close what the tenant holds on ``day`` at ``day`` and drop what would start on or after it."""
    changed = []
    for sub in subscriptions_of(session, tenant_id):
        if sub.started_on >= day:
            session.delete(sub)
            changed.append(f"removed {sub.id} ({sub.plan_id} from {sub.started_on})")
        elif sub.ended_on is None or sub.ended_on > day:
            sub.ended_on = day
            changed.append(f"ended {sub.id} ({sub.plan_id}) on {day}")
    session.flush()
    return changed


def current_state(session: Session, tenant_id: str) -> str | None:
    return session.scalars(
        select(TenantEvent.state)
        .where(TenantEvent.tenant_id == tenant_id)
        .order_by(TenantEvent.occurred_at.desc(), TenantEvent.id.desc())
        .limit(1)
    ).first()


def _record_state(session: Session, tenant_id: str, state: str) -> None:
    session.add(TenantEvent(tenant_id=tenant_id, state=state, occurred_at=_now()))


def set_subscription(
    session: Session,
    tenant_id: str,
    plan_id: str,
    effective_on: date,
    actor: Actor,
    price_book_file: Path | None = None,
) -> Subscription:
    """The tenant holds ``plan_id`` from ``effective_on`` on, replacing any other plan (DESIGN 3.8).

    ``plan_id`` must be a plan of the price book in force in ``effective_on``'s month (422 otherwise, with
    the plans it defines). Putting a tenant on the plan it already holds from that day is a no-op."""
    _tenant(session, tenant_id)
    period = period_of(effective_on)
    version = version_in_force(all_versions(session, price_book_file), period)
    if version is None:
        raise LifecycleError(
            422,
            "no_price_book",
            f"no price book is in force in {period}: publish one first "
            f"(PUT /v1/price-book?effective_from={period} or atom price-book publish)",
        )
    plans = [plan.id for plan in version.book.plans]
    if plan_id not in plans:
        raise LifecycleError(
            422,
            "unknown_plan",
            f"plan {plan_id!r} is not in the price book in force in {period} "
            f"(effective from {version.effective_from or 'the beginning'}): "
            f"use one of {', '.join(plans) or '(none: the price book defines no plans)'}",
        )
    _refuse_closed(session, effective_on)
    held = subscriptions_of(session, tenant_id)
    last = held[-1] if held else None
    if (
        last
        and (last.plan_id, last.ended_on, last.is_trial) == (plan_id, None, False)
        and last.started_on <= effective_on
    ):
        return last  # already on that plan from an earlier day: nothing changes
    changed = _cut_at(session, tenant_id, effective_on)
    sub = Subscription(
        id=f"sub_{uuid.uuid4().hex[:20]}",
        tenant_id=tenant_id,
        plan_id=plan_id,
        is_trial=False,
        started_on=effective_on,
        ended_on=None,
    )
    session.add(sub)
    if current_state(session, tenant_id) in (None, "churned"):
        _record_state(session, tenant_id, "active")
    _audit(
        session,
        actor,
        "tenant.subscription.set",
        tenant_id,
        {
            "plan_id": plan_id,
            "effective_on": effective_on.isoformat(),
            "subscription_id": sub.id,
            "changes": changed,
        },
    )
    session.flush()
    return sub


def end_subscription(session: Session, tenant_id: str, effective_on: date, actor: Actor) -> list[str]:
    """The tenant holds no plan from ``effective_on`` on (404 when it holds none then or later)."""
    _tenant(session, tenant_id)
    open_then = [
        s for s in subscriptions_of(session, tenant_id) if s.ended_on is None or s.ended_on > effective_on
    ]
    if not open_then:
        raise LifecycleError(
            404, "no_subscription", f"tenant {tenant_id} holds no plan on or after {effective_on}"
        )
    _refuse_closed(session, effective_on)
    changed = _cut_at(session, tenant_id, effective_on)
    _audit(
        session,
        actor,
        "tenant.subscription.end",
        tenant_id,
        {"effective_on": effective_on.isoformat(), "changes": changed},
    )
    return changed


def set_status(
    session: Session, tenant_id: str, status: str, actor: Actor, effective_on: date | None = None
) -> str | None:
    """Record the tenant's lifecycle state; returns the state it had. ``churned`` also ends its plan on
    ``effective_on`` (default today). Setting the state it already has records nothing."""
    if status not in OPERATOR_STATES and actor.name != DUNNING_ACTOR:
        raise LifecycleError(422, "unknown_status", f"status must be one of {', '.join(OPERATOR_STATES)}")
    _tenant(session, tenant_id)
    before = current_state(session, tenant_id)
    if before == status:
        return before
    details: dict[str, Any] = {"from": before, "to": status}
    if status == "churned":
        day = effective_on or today()
        if any(s.ended_on is None or s.ended_on > day for s in subscriptions_of(session, tenant_id)):
            _refuse_closed(session, day)
            details["subscription_changes"] = _cut_at(session, tenant_id, day)
            details["effective_on"] = day.isoformat()
    _record_state(session, tenant_id, status)
    _audit(session, actor, "tenant.status", tenant_id, details)
    session.flush()
    return before


# ---------------------------------------------------------------------------------------------------------
# dunning


@dataclass(frozen=True)
class DunningChange:
    tenant_id: str
    from_state: str | None
    to_state: str
    days_overdue: int


def _last_status_actor(session: Session, tenant_id: str) -> str | None:
    return session.scalars(
        select(AuditLog.actor)
        .where(
            AuditLog.target_type == "tenant",
            AuditLog.target_id == tenant_id,
            AuditLog.action == "tenant.status",
        )
        .order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc())
        .limit(1)
    ).first()


def run_dunning(session: Session, on: date, past_due_days: int, suspend_days: int) -> list[DunningChange]:
    """Tenants with a finalized invoice unpaid ``past_due_days`` after its due date become ``past_due``;
    ``suspend_days`` after that, ``suspended``. A tenant that dunning moved and that owes nothing overdue
    any more is ``active`` again. Churned tenants and an operator's own suspension are left alone.

    An invoice is unpaid while something of it is still owed: its total less the credit notes against it
    and the payments received (decision 0703). One credited in full, or paid in part and credited for the
    rest, leaves its tenant alone, though its status stays ``finalized``."""
    credited = (
        select(CreditNote.invoice_number, func.sum(CreditNote.amount_minor).label("minor"))
        .group_by(CreditNote.invoice_number)
        .subquery()
    )
    owed = Invoice.total_minor - Invoice.amount_paid_minor - func.coalesce(credited.c.minor, 0)
    overdue: dict[str, int] = {}
    for invoice in session.scalars(
        select(Invoice)
        .outerjoin(credited, credited.c.invoice_number == Invoice.number)
        .where(Invoice.status.in_(UNPAID_STATUSES), Invoice.document_type == "invoice", owed > 0)
    ):
        days = (on - invoice.due_on).days
        if days >= past_due_days:
            overdue[invoice.tenant_id] = max(days, overdue.get(invoice.tenant_id, 0))
    changes = []
    actor = Actor(DUNNING_ACTOR)
    tenant_ids = set(overdue) | set(
        session.scalars(select(TenantEvent.tenant_id).where(TenantEvent.state.in_(("past_due", "suspended"))))
    )
    for tenant_id in sorted(tenant_ids):
        state = current_state(session, tenant_id)
        if state == "churned":
            continue
        days = overdue.get(tenant_id, -1)
        if days < 0:
            target = "active" if state in ("past_due", "suspended") else None
        else:
            target = "suspended" if days >= past_due_days + suspend_days else "past_due"
        if target is None or target == state:
            continue
        by_dunning = state in (None, "trialing", "active", "reactivated") or (
            _last_status_actor(session, tenant_id) == DUNNING_ACTOR
        )
        if not by_dunning:  # an operator's suspension is the operator's to lift
            continue
        if state == "suspended" and target == "past_due":
            continue  # still overdue: dunning never softens its own suspension before payment
        set_status(session, tenant_id, target, actor)
        changes.append(DunningChange(tenant_id, state, target, max(days, 0)))
    return changes

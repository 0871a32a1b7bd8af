"""Price book & plans (admin, issue 15): price-book versions side by side with their diff, publishing a new
version, and a tenant's plan and lifecycle state. Every action goes through the same billing functions as
the API (billing/price_book.py, billing/subscriptions.py) and is audited with the signed-in account."""

from __future__ import annotations

import difflib
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import select

from app import operational, ui
from atom.clock import today
from atom.opdb import Tenant
from atom.settings import get_settings
from billing.periods import period_of
from billing.price_book import PriceBookVersionError, all_versions, publish_price_book, version_in_force
from billing.subscriptions import (
    OPERATOR_STATES,
    Actor,
    LifecycleError,
    current_state,
    set_status,
    set_subscription,
    subscriptions_of,
)

identity = ui.require_identity({"admin"})
settings = get_settings()
actor = Actor(f"portal:{identity.email}")
st.title("Price book & plans")


def _label(effective_from: str | None) -> str:
    return f"from {effective_from}" if effective_from else "file price book (from the beginning)"


# -- versions ----------------------------------------------------------------------------------------------
with operational.session() as session:
    versions = all_versions(session, settings.price_book_path)
in_force = version_in_force(versions, period_of(today(settings)))
st.subheader("Versions")
if not versions:
    st.info("No price book yet: publish the first version below (or PUT /v1/price-book).")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Effective": [_label(v.effective_from) for v in versions],
                "In force now": ["yes" if v is in_force else "" for v in versions],
                "Currency": [v.book.currency for v in versions],
                "Plans": [", ".join(f"{p.id} {p.amount}" for p in v.book.plans) for v in versions],
                "Prices": [len(v.book.prices) for v in versions],
                "Published by": [v.created_by or "" for v in versions],
                "Published at": [str(v.created_at or "") for v in versions],
                "SHA-256": [v.sha256[:12] for v in versions],
            }
        ),
        hide_index=True,
        key="price_book_versions",
    )
    labels = [_label(v.effective_from) for v in versions]
    left_col, right_col = st.columns(2)
    left_label = left_col.selectbox(
        "Compare", labels, index=max(len(labels) - 2, 0), key=f"diff_left_{len(labels)}"
    )
    right_label = right_col.selectbox("with", labels, index=len(labels) - 1, key=f"diff_right_{len(labels)}")
    left = versions[labels.index(left_label)]
    right = versions[labels.index(right_label)]
    left_col.code(left.yaml_text, language="yaml")
    right_col.code(right.yaml_text, language="yaml")
    diff = "".join(
        difflib.unified_diff(
            left.yaml_text.splitlines(keepends=True),
            right.yaml_text.splitlines(keepends=True),
            fromfile=left_label,
            tofile=right_label,
        )
    )
    st.caption("Diff")
    st.code(diff or "(identical)", language="diff")

with st.form("publish_version"):
    st.subheader("Publish a version")
    month = st.text_input("Effective from (YYYY-MM)", key="publish_month")
    text = st.text_area("Price book (YAML, DESIGN 3.2)", height=240, key="publish_yaml")
    if st.form_submit_button("Publish", key="publish_submit"):
        try:
            with operational.session() as session:
                published = publish_price_book(
                    session, text, month, actor=actor.name, file_path=settings.price_book_path
                )
            st.success(
                f"Published the price book from {published.effective_from}; it rates from the next build."
            )
        except PriceBookVersionError as exc:
            st.error("Not published:\n" + "\n".join(f"- {problem}" for problem in exc.problems))

# -- tenants -----------------------------------------------------------------------------------------------
st.subheader("Tenants")
with operational.session() as session:
    tenants = list(session.scalars(select(Tenant.id).order_by(Tenant.id)))
if not tenants:
    st.info("No tenants yet (POST /v1/tenants).")
    st.stop()
tenant_id = st.selectbox("Tenant", tenants, key="tenant_pick")
with operational.session() as session:
    state = current_state(session, tenant_id)
    held = subscriptions_of(session, tenant_id)
    rows = pd.DataFrame(
        {
            "Plan": [s.plan_id for s in held],
            "From": [str(s.started_on) for s in held],
            "Until": [str(s.ended_on or "") for s in held],
        }
    )
st.markdown(f"State: **{state or 'none'}**")
st.dataframe(rows, hide_index=True, key="tenant_subscriptions")

plans = [plan.id for plan in in_force.book.plans] if in_force else []
plan_col, day_col = st.columns(2)
plan_id = plan_col.selectbox("Plan", plans, key="plan_pick")
effective_on = day_col.date_input("Effective on", value=today(settings), key="plan_day")
if st.button("Put on this plan", key="plan_submit", disabled=not plans):
    try:
        with operational.session() as session:
            set_subscription(
                session,
                tenant_id,
                str(plan_id),
                date.fromisoformat(str(effective_on)),
                actor,
                price_book_file=settings.price_book_path,
            )
        st.success(f"{tenant_id} holds {plan_id} from {effective_on}.")
    except LifecycleError as exc:
        st.error(str(exc.detail))

status = st.selectbox("Status", OPERATOR_STATES, key="status_pick")
if st.button("Set status", key="status_submit"):
    try:
        with operational.session() as session:
            before = set_status(session, tenant_id, str(status), actor)
        st.success(f"{tenant_id} is {status} (was {before or 'none'}).")
    except LifecycleError as exc:
        st.error(str(exc.detail))

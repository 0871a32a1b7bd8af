"""Streamlit pieces every page shares: the snapshot gate, the sidebar, a chart with its table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NoReturn

import pandas as pd
import streamlit as st

from app import queries
from app.charts import Chart
from app.connection import Snapshot, SnapshotUnavailable, current_snapshot, serving_path
from app.formatting import age, count, literal
from atom.freshness import Freshness, freshness
from atom.opdb.portal import Identity
from atom.settings import get_settings

BUILD_HINT = "Run `atom build` (or `make demo` for a demo marketplace) to build one, then reload this page."


def snapshot_or_message(tables: Iterable[str]) -> Snapshot | None:
    """The current snapshot if it holds every ``marts`` table in ``tables``; else say why and what to do."""
    snapshot = current_snapshot()
    if snapshot is None:
        st.info(f"No serving snapshot yet: `{serving_path()}` does not exist. {BUILD_HINT}", icon="ℹ️")
        return None
    try:
        present = set(queries.mart_tables(snapshot)["table_name"])
    except SnapshotUnavailable as exc:
        st.error(str(exc))
        return None
    missing = [table for table in tables if table not in present]
    if missing:
        names = ", ".join(f"marts.{table}" for table in missing)
        st.error(
            f"The serving snapshot `{snapshot.path}` lacks {names}; it was built by an older pipeline "
            "or a build failed half way. Rebuild it with `atom build`."
        )
        return None
    return snapshot


def require_snapshot(tables: Iterable[str]) -> Snapshot:
    """Like :func:`snapshot_or_message`, but ends the page run when there is nothing to show."""
    snapshot = snapshot_or_message(tables)
    if snapshot is None:
        _stop()
    return snapshot


def _stop() -> NoReturn:
    st.stop()
    raise AssertionError("st.stop() returned")  # st.stop raises; this keeps the type checker honest


def data_as_of_caption(state: Freshness, built: datetime, now: datetime | None = None) -> str:
    """ "Data as of" for every page: what the snapshot holds and what waits for the next build."""
    now = now or datetime.now(UTC)
    as_of = state.as_of or built  # a snapshot from before builds kept their record: its file's time
    text = f"Data as of {as_of:%Y-%m-%d %H:%M:%S} UTC ({age((now - as_of).total_seconds())} ago)"
    if state.pending_batches:
        text += (
            f"; {count(state.pending_batches)} batch(es) landed since, waiting for the next build "
            f"(oldest {age(state.lag_seconds)})"
        )
    return text


def render_sidebar(identity: Identity | None = None) -> None:
    """Who is signed in, where the data comes from and how fresh it is, on every page."""
    snapshot = current_snapshot()
    with st.sidebar:
        if identity is not None:
            st.caption(f"Signed in as **{literal(identity.email)}** ({identity.role})")
            if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                from app.auth import sign_out

                sign_out()
                st.rerun()
        st.subheader("Data")
        if snapshot is None:
            st.caption("No serving snapshot yet: run `atom build`.")
        else:
            st.caption(data_as_of_caption(freshness(get_settings()), snapshot.modified_at))
        st.caption(f"ATOM_HOME: `{get_settings().home}`")


def chart_with_table(chart: Chart, *, key: str, empty_message: str = "No data in the snapshot yet.") -> None:
    """The figure on the left; its table and a CSV download on the right."""
    if chart.table.empty:
        st.info(empty_message)
        return
    left, right = st.columns([3, 2], vertical_alignment="top")
    with left:
        st.plotly_chart(chart.figure, key=f"{key}_chart")
    with right:
        st.dataframe(chart.table, hide_index=True, height=320, key=f"{key}_table")
        st.download_button(
            "Download CSV",
            data=chart.csv,
            file_name=chart.file_name,
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
        )


def require_identity(roles: Iterable[str]) -> Identity:
    """The signed-in user if their role is one of ``roles``; else the page ends with a message.

    Navigation already hides pages from other roles; pages that write check again, so a stale session
    whose role changed cannot act.
    """
    from app.auth import current_identity

    identity = current_identity()
    if identity is None or identity.role not in set(roles):
        st.error("Your role may not use this page.")
        _stop()
    return identity


def table_with_csv(frame: pd.DataFrame, *, key: str, file_name: str, height: int | None = None) -> None:
    """A table and its CSV download, for lists that have no chart."""
    st.dataframe(frame, hide_index=True, key=f"{key}_table", height=height or "auto")
    st.download_button(
        "Download CSV",
        data=frame.to_csv(index=False),
        file_name=file_name,
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )

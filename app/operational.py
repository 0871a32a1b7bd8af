"""The portal's way into the operational DB: one engine per database URL, migrated once per process.

The portal reads submissions, invoices and the audit log here, and writes the only things it writes:
review decisions, review locks, sign-in and billing-run audit entries (DESIGN 2: "writes decisions to the
operational DB only").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from atom.opdb import make_engine, migrate, session_scope
from atom.settings import get_settings


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    # Migrating here means a fresh ATOM_HOME works without a separate step; on a current DB it is a no-op.
    migrate(url)
    return make_engine(url)


def engine() -> Engine:
    return _engine(get_settings().database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits at the end of the block (see atom.opdb.session_scope)."""
    with session_scope(engine()) as s:
        yield s

"""Small helpers shared by the billing tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
from sqlalchemy import Engine

from atom.opdb import make_engine, migrate
from atom.settings import Settings
from billing.documents import invoices_document
from billing.finalize import FinalizeResult, finalize_period

TODAY = date(2026, 11, 20)


def engine_for(settings: Settings) -> Engine:
    migrate(settings.database_url)
    return make_engine(settings.database_url)


def finalize(settings: Settings, period: str) -> FinalizeResult:
    engine = engine_for(settings)
    try:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
            return finalize_period(engine, conn, period, today=TODAY)
    finally:
        engine.dispose()


def documents(settings: Settings, period: str) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    try:
        return invoices_document(engine, period)
    finally:
        engine.dispose()

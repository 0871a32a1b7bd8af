"""Time the dbt build from raw usage to rated invoice lines on a synthetic warehouse.

    .venv/bin/python -m tests.dbt.benchmark_rating --events 10000000

The budget (DESIGN, performance) is well under 60 s for 10M events on 2 cores for the whole pipeline;
events are generated in SQL so the generation itself costs seconds, not minutes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import Warehouse, run_dbt

PRICE_BOOK_SQL = """
insert into raw.price_book_settings values ('usd', 2, null, 'bench', now(), null);
insert into raw.price_book_metrics values
    ('workflow_runs', 'count', null, null), ('compute_seconds', 'sum', null, null),
    ('storage_gb', 'weighted_sum', null, null), ('active_users', 'unique_count', 'user_id', null);
insert into raw.price_book_prices (
    price_id, metric_id, package_id, billing_scheme, tiers_mode, unit_amount, free_units, minimum_amount,
    revenue_share, transform_divide_by, transform_round, effective_from, percentage_rate,
    percentage_fixed_amount, percentage_per_event_minimum_amount, percentage_per_event_maximum_amount
) values
    ('price_runs', 'workflow_runs', null, 'tiered', 'graduated', null, 0, null, null, null, null, null,
     null, null, null, null),
    ('price_runs_pkg_1', 'workflow_runs', 'pkg_1', 'per_unit', null, 0.002, 0, 5, 0.7, null, null, null,
     null, null, null, null),
    ('price_compute', 'compute_seconds', null, 'per_unit', null, 0.00001, 0, null, null, 60, 'up', null,
     null, null, null, null),
    -- a percentage price (rate, fee, per-event bounds) over one package's events
    ('price_compute_pkg_2', 'compute_seconds', 'pkg_2', 'percentage', null, null, 0, null, 0.7, null, null,
     null, 1.5, 0.01, 0.02, 1),
    -- storage is a weighted_sum: a window over its events, ordered in time
    ('price_storage', 'storage_gb', null, 'tiered', 'volume', null, 10, null, null, null, null, null,
     null, null, null, null),
    ('price_users', 'active_users', null, 'per_unit', null, 2, 0, null, null, null, null, null,
     null, null, null, null);
insert into raw.price_book_tiers values
    ('price_runs', 0, 1000, 0, 0, null), ('price_runs', 1, null, 0.002, 5, null),
    ('price_storage', 0, 100, 0.1, 0, null), ('price_storage', 1, null, 0.05, 10, null);
insert into raw.price_book_plans values ('team', 49, null), ('business', 499, null);
"""

EVENTS_SQL = """
insert into raw.usage_events
select
    'evt_' || i,
    'ten_' || (i % 2000),
    case i % 4 when 0 then 'workflow_runs' when 1 then 'compute_seconds' when 2 then 'storage_gb' else 'active_users' end,
    cast(i % 100 as decimal(38, 9)),
    timestamp '2026-01-01' + to_seconds(i % (180 * 86400)),
    case when i % 3 = 0 then null else 'pkg_' || (i % 50) end,
    '{"user_id": "u' || (i % 5000) || '"}',
    'batch_' || (i % 100),
    i,
    now()
from range(?) as t(i)
"""


def build_warehouse(path: Path, events: int) -> Warehouse:
    warehouse = Warehouse.create(path)
    with duckdb.connect(str(path)) as conn:
        conn.execute(PRICE_BOOK_SQL)
        conn.execute(EVENTS_SQL, [events])
        conn.execute(
            "insert into raw.operational_subscriptions select 'sub_' || i, 'ten_' || i, "
            "case when i % 2 = 0 then 'team' else 'business' end, false, date '2026-01-10', null from range(2000) t(i)"
        )
    return warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        work_dir = Path(tmp)
        started = time.perf_counter()
        warehouse = build_warehouse(work_dir / "warehouse.duckdb", options.events)
        generated = time.perf_counter()
        run_dbt(warehouse, work_dir, monkeypatch=monkeypatch)
        built = time.perf_counter()
        lines = warehouse.rows(
            "select count(*) as n, sum(line_amount) as total from marts.fct_invoice_lines"
        )[0]
        print(
            f"{options.events:,} events: generated in {generated - started:.1f} s, "
            f"dbt build (models and tests) in {built - generated:.1f} s; "
            f"{lines['n']:,} invoice lines, total {lines['total']}"
        )


if __name__ == "__main__":
    main()

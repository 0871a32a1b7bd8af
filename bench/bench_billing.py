"""Benchmark closing a month: finalization for ``--tenants`` tenants and the dry-run Stripe sync of it.

    python bench/bench_billing.py --tenants 10000

The draft lines are generated straight into ``marts.fct_invoice_lines`` of a scratch warehouse (one plan
fee and ``--lines`` - 1 usage lines per tenant, two of them package lines with a partner share), so the
figure is finalization itself, not the dbt build before it. The operational DB is a fresh SQLite file
(WAL), as in the demo. Four timings: finalize, finalize again (idempotent no-op), dry-run Stripe sync
(customer, invoice, one item per line, finalize: every request written to the outbox), sync again.
Progress goes to stderr; a markdown table to stdout; the figures to ``bench/results/billing.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atom.opdb import Tenant, make_engine, migrate  # noqa: E402
from billing.finalize import finalize_period  # noqa: E402
from billing.stripe_gateway import DryRunGateway  # noqa: E402
from billing.stripe_sync import sync_period  # noqa: E402

PERIOD = "2026-10"
TODAY = date(2026, 11, 20)


def prepare(workdir: Path, tenants: int, lines: int) -> tuple[str, Path]:
    url = f"sqlite:///{workdir / 'atom.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Tenant),
            [
                {"id": f"ten_{i:06d}", "name": f"Tenant {i}", "created_at": datetime(2026, 1, 1)}
                for i in range(tenants)
            ],
        )
    engine.dispose()
    warehouse = workdir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute(
            f"""
            create table marts.fct_invoice_lines as
            with tenants as (select 'ten_' || lpad(cast(i as varchar), 6, '0') as tenant_id, i
                             from range({tenants}) t(i)),
                 slots as (select j from range({lines}) s(j))
            select
                tenant_id,
                '{PERIOD}' as period,
                case when j = 0 then 'recurring' else 'usage' end as kind,
                case when j = 0 then null else 'price_' || j end as price_id,
                case when j = 0 then 'team' end as plan_id,
                case when j = 0 then null else 'metric_' || j end as metric_id,
                case when j in (1, 2) then 'pkg_' || ((i + j) % 50) end as package_id,
                case when j in (1, 2) then 'pub_' || ((i + j) % 10) end as publisher_id,
                cast(case when j = 0 then 31 else (i * 7 + j * 13) % 5000 end as decimal(38, 9)) as quantity,
                cast(case when j = 0 then 49 else ((i * 31 + j * 17) % 100000) / 100.0 end as decimal(38, 6))
                    as line_amount,
                cast(case when j in (1, 2) then round(((i * 31 + j * 17) % 100000) / 100.0 * 0.7, 2) else 0 end
                    as decimal(38, 6)) as partner_payout_amount,
                cast(0 as decimal(38, 6)) as platform_fee_amount,
                'usd' as currency,
                2 as minor_units
            from tenants cross join slots
            """
        )
        conn.execute(
            "update marts.fct_invoice_lines set platform_fee_amount = line_amount - partner_payout_amount"
        )
    return url, warehouse


def timed(label: str, fn):
    print(f"{label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s  {result}", file=sys.stderr, flush=True)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument(
        "--lines", type=int, default=8, help="lines per invoice (one plan fee, the rest usage)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "billing.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_billing_") as scratch:
        workdir = Path(scratch)
        url, warehouse = prepare(workdir, args.tenants, args.lines)
        engine = make_engine(url)
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            finalize_s, result = timed("finalize", lambda: finalize_period(engine, conn, PERIOD, today=TODAY))
            again_s, again = timed(
                "finalize again", lambda: finalize_period(engine, conn, PERIOD, today=TODAY)
            )
        sync_s, sync = timed("dry-run Stripe sync", lambda: sync_period(engine, DryRunGateway(), PERIOD))
        resync_s, resync = timed("sync again", lambda: sync_period(engine, DryRunGateway(), PERIOD))
        engine.dispose()
        db_mb = (workdir / "atom.db").stat().st_size / 1e6

    assert result.created and not again.created and again.content_hash == result.content_hash
    lines = args.tenants * args.lines
    figures = {
        "tenants": args.tenants,
        "invoice_lines": lines,
        "finalize_seconds": round(finalize_s, 3),
        "finalize_invoices_per_second": round(args.tenants / finalize_s),
        "finalize_again_seconds": round(again_s, 3),
        "stripe_dry_run_seconds": round(sync_s, 3),
        "stripe_dry_run_requests": sync.requests_sent,
        "stripe_dry_run_requests_per_second": round(sync.requests_sent / sync_s),
        "stripe_sync_again_seconds": round(resync_s, 3),
        "stripe_sync_again_requests_sent": resync.requests_sent,
        "operational_db_mb": round(db_mb, 1),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "measured_at": datetime.now().isoformat(timespec="seconds"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print("| step | tenants | seconds | rate |")
    print("|---|---:|---:|---:|")
    print(
        f"| finalize | {args.tenants:,} | {finalize_s:.2f} | {figures['finalize_invoices_per_second']:,} invoices/s |"
    )
    print(f"| finalize again (no-op) | {args.tenants:,} | {again_s:.2f} | |")
    print(
        f"| Stripe dry-run sync | {args.tenants:,} | {sync_s:.2f} | "
        f"{figures['stripe_dry_run_requests_per_second']:,} requests/s ({sync.requests_sent:,} requests) |"
    )
    print(f"| sync again (nothing sent) | {args.tenants:,} | {resync_s:.2f} | |")


if __name__ == "__main__":
    main()

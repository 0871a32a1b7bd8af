from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import text

from atom.opdb import make_engine
from ingest.synthetic import usage_days
from ingest.synthetic.usage import COLUMNS, METRICS

from .conftest import TODAY, Generated

VALID = f"""
    tenant_id IS NOT NULL AND metric IN ({", ".join(f"'{m}'" for m in METRICS)})
    AND occurred_at IS NOT NULL AND try_cast(quantity AS DECIMAL(38, 9)) >= 0
    AND tenant_id IN (SELECT tenant_id FROM tenants)
"""


def _with_tenants(small: Generated):  # type: ignore[no-untyped-def]
    conn = small.usage()
    with make_engine(small.settings.database_url).connect() as db:
        tenants = pd.DataFrame({"tenant_id": list(db.execute(text("select id from tenants")).scalars())})
        events = pd.read_sql(text("select tenant_id, state, occurred_at from tenant_events"), db)
    conn.register("tenants", tenants)
    conn.register("tenant_events", events)
    return conn


def test_files_are_parquet_with_all_string_columns_in_landing_day_folders(small: Generated) -> None:
    files = sorted(small.settings.landing_dir.rglob("*"))
    parquet = [f for f in files if f.is_file()]
    assert len(parquet) == small.summary.files
    for f in parquet:
        assert f.suffix == ".parquet" and not f.name.startswith(".")
        assert date.fromisoformat(f.parent.name)
    schema = pq.read_schema(parquet[0])
    assert schema.names == list(COLUMNS)
    assert {str(t) for t in schema.types} == {"string"}


def test_usage_covers_six_whole_months_before_today_plus_this_month(small: Generated) -> None:
    conn = small.usage()
    months = [
        m
        for (m,) in conn.execute(
            "select distinct strftime(occurred_at, '%Y-%m') from usage where occurred_at is not null order by 1"
        ).fetchall()
    ]
    assert months == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    first, last = conn.execute(
        "select min(cast(occurred_at as date)), max(cast(occurred_at as date)) from usage"
    ).fetchone()
    assert (first, last) == (date(2025, 9, 1), TODAY)
    days_with_events = conn.execute(
        "select count(distinct cast(occurred_at as date)) from usage where occurred_at is not null"
    ).fetchone()
    assert days_with_events == (len(usage_days(TODAY)),)
    assert max(d.name for d in small.settings.landing_dir.iterdir()) == TODAY.isoformat()


def test_injected_fault_shares_are_within_bounds(small: Generated) -> None:
    conn = _with_tenants(small)
    rows, distinct_rows, distinct_ids = conn.execute(
        "select count(*), count(distinct (id, tenant_id, metric, quantity, timestamp, package_id, properties)),"
        " count(distinct id) from usage"
    ).fetchone()
    exact, conflicting = rows - distinct_rows, distinct_rows - distinct_ids
    malformed = conn.execute(f"select count(*) from usage where not coalesce({VALID}, false)").fetchone()[0]
    late, late_next_month = conn.execute(
        """
        with first_arrival as (
            select id, min(landing_date) as landing_date, min(cast(occurred_at as date)) as event_date
            from usage where occurred_at is not null group by id
        )
        select count(*) filter (where landing_date > event_date),
               count(*) filter (where date_trunc('month', landing_date) > date_trunc('month', event_date))
        from first_arrival
        """
    ).fetchone()
    assert 0.003 <= exact / distinct_ids <= 0.008
    assert 0.0001 <= conflicting / distinct_ids <= 0.0015
    assert 0.006 <= late / distinct_ids <= 0.014
    assert late_next_month > 0
    assert 0.001 <= malformed / distinct_ids <= 0.0035
    summary = small.summary
    assert summary.duplicates == {"exact": exact, "conflicting": conflicting}
    assert (summary.late, summary.late_after_month_close) == (late, late_next_month)
    assert sum(summary.malformed.values()) == malformed
    assert summary.events == rows and summary.distinct_events == distinct_ids


def test_every_kind_of_malformed_event_is_present(small: Generated) -> None:
    conn = _with_tenants(small)
    present = conn.execute(
        f"""
        select count(*) filter (where tenant_id is null),
               count(*) filter (where metric is null),
               count(*) filter (where occurred_at is null),
               count(*) filter (where starts_with(quantity, '-')),
               count(*) filter (where try_cast(quantity as decimal(38, 9)) is null),
               count(*) filter (where metric not in ({", ".join(f"'{m}'" for m in METRICS)})),
               count(*) filter (where tenant_id not in (select tenant_id from tenants))
        from usage
        """
    ).fetchone()
    assert all(n > 0 for n in present), present
    assert all(n > 0 for n in small.summary.malformed.values())


def test_conflicting_resends_arrive_after_the_original(small: Generated) -> None:
    conn = small.usage()
    out_of_order = conn.execute(
        """
        with ranked as (
            select id, quantity, filename,
                   row_number() over (partition by id order by filename, quantity) as n
            from usage
        ),
        conflicts as (select id from usage group by id having count(distinct quantity) > 1)
        select count(*) from ranked join conflicts using (id)
        where n > 1 and filename < (select min(filename) from ranked r where r.id = ranked.id)
        """
    ).fetchone()
    assert out_of_order == (0,)


def test_timestamps_mix_valid_rfc3339_formats(small: Generated) -> None:
    conn = _with_tenants(small)
    stamps = [s for (s,) in conn.execute(f"select timestamp from usage where {VALID}").fetchall()]
    rfc3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
    assert all(rfc3339.match(s) for s in stamps)
    assert all(datetime.fromisoformat(s).tzinfo is not None for s in stamps[:2000])
    kinds = {
        "Z": r"\d{2}Z$",
        "Z with fraction": r"\.\d+Z$",
        "+00:00": r"\+00:00$",
        "other offset": r"[+-](?!00:00)\d{2}:\d{2}$",
        "offset with fraction": r"\.\d+[+-]\d{2}:\d{2}$",
    }
    for name, pattern in kinds.items():
        assert any(re.search(pattern, s) for s in stamps), name


def test_platform_metrics_carry_no_package_and_seats_carry_a_user(small: Generated) -> None:
    conn = _with_tenants(small)
    by_metric = dict(
        conn.execute(
            f"select metric, count(package_id) > 0 from usage where {VALID} group by metric"
        ).fetchall()
    )
    assert by_metric == {
        "workflow_runs": True,
        "compute_seconds": True,
        "storage_gb": False,
        "api_calls": False,
        "data_egress_gb": True,
        "ai_tokens": True,
        "active_users": False,
    }
    users = conn.execute(
        f"select count(*), count(json_extract_string(properties, '$.user_id')) from usage"
        f" where {VALID} and metric = 'active_users'"
    ).fetchone()
    assert users[0] == users[1] > 0


def test_weekends_are_quieter_and_usage_grows_month_over_month(small: Generated) -> None:
    conn = _with_tenants(small)
    weekend, weekday = conn.execute(
        f"""
        select avg(n) filter (where dow in (0, 6)), avg(n) filter (where dow not in (0, 6))
        from (select cast(occurred_at as date) d, dayofweek(any_value(occurred_at)) dow, count(*) n
              from usage where {VALID} group by d)
        """
    ).fetchone()
    assert weekend < 0.7 * weekday
    daily = conn.execute(
        f"""
        select strftime(occurred_at, '%Y-%m') m, count(*) / count(distinct cast(occurred_at as date))
        from usage where {VALID} group by m order by m
        """
    ).fetchall()
    assert daily[5][1] > daily[0][1]  # February's daily volume exceeds September's


def test_tenants_emit_only_while_not_churned(small: Generated) -> None:
    conn = _with_tenants(small)
    outside = conn.execute(
        f"""
        with states as (
            select tenant_id, state, cast(occurred_at as date) as from_date,
                   coalesce(lead(cast(occurred_at as date)) over (partition by tenant_id order by occurred_at),
                            date '9999-12-31') as to_date
            from tenant_events
        ),
        valid as (select * from usage where {VALID}),
        joined as (
            select v.id, s.state from valid v left join states s
              on s.tenant_id = v.tenant_id and cast(v.occurred_at as date) >= s.from_date
             and cast(v.occurred_at as date) < s.to_date
        )
        select count(*) filter (where state is null), count(*) filter (where state = 'churned') from joined
        """
    ).fetchone()
    assert outside == (0, 0)


def test_usage_sizes_are_heavy_tailed(small: Generated) -> None:
    conn = _with_tenants(small)
    shares = [
        n
        for (n,) in conn.execute(
            f"select count(*) from usage where {VALID} group by tenant_id order by 1 desc"
        ).fetchall()
    ]
    top_fifth = sum(shares[: max(1, len(shares) // 5)]) / sum(shares)
    assert top_fifth > 0.5

"""Property (issue 14 item 1): any arrival order of the same events, late and repeated ones included, split
over any number of builds, gives the usage models and marts one full refresh of all the events gives.

Each example loads its batches through the real loader (dedupe included) into a real DuckDB warehouse and
runs the real dbt models after every batch; the baseline loads every event in one batch and builds with
``--full-refresh``. Hypothesis runs a fixed, derandomized budget so the suite's time stays bounded.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atom import clock
from ingest.loader import load_files
from tests.dbt.conftest import Warehouse, run_dbt
from tests.ingest.conftest import TENANTS

pytestmark = pytest.mark.slow

MODELS = (
    "int_usage_aggregated_daily",
    "int_usage_aggregated_monthly",
    "int_usage_metric_monthly",
    "fct_usage_daily",
    "fct_usage_monthly",
    "fct_usage_totals_daily",
)
# What the models keep of the load itself (which batch, when): not part of the result.
LOAD_COLUMNS = {"loaded_through", "prices_fingerprint", "metrics_fingerprint"}

# Every aggregation, and a percentage price beside a generic one: in a month new events reach, the ones that
# add up (count, sum, max, percentage fees) combine the kept row with the new events, the others
# (unique_count, latest, weighted_sum) are recomputed from every event (decision 0095).
PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
  storage_gb:      {aggregation: max}
  active_users:    {aggregation: unique_count, property: user_id}
  seats:           {aggregation: latest}
  disk_gb:         {aggregation: weighted_sum}
  payments:        {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
  - {id: price_compute, metric: compute_seconds, billing_scheme: per_unit, unit_amount: "0.00001"}
  - {id: price_storage, metric: storage_gb, billing_scheme: per_unit, unit_amount: "0.10"}
  - {id: price_users, metric: active_users, billing_scheme: per_unit, unit_amount: "1"}
  - {id: price_seats, metric: seats, billing_scheme: per_unit, unit_amount: "4"}
  - {id: price_disk, metric: disk_gb, billing_scheme: per_unit, unit_amount: "0.05"}
  - {id: price_payments, metric: payments, billing_scheme: per_unit, unit_amount: "0.01"}
  - id: price_payments_pay
    metric: payments
    package_id: pkg_pay
    billing_scheme: percentage
    percentage: {rate: "2.9", fixed_amount: "0.30", per_event_minimum_amount: "0.50",
                 per_event_maximum_amount: "5"}
"""
METRICS = ("workflow_runs", "compute_seconds", "storage_gb", "active_users", "seats", "disk_gb", "payments")

# An event's content is fixed by its id, so a repeated id is an exact repeat (a retry), which the loader
# drops whatever order it arrives in. Different content under one id would make the first arrival win.
EVENT_IDS = [f"evt_{n:02d}" for n in range(24)]


def _content(event_id: str, day_offset: int, quantity: int, tenant: int, metric: int) -> dict[str, Any]:
    day = clock.today() - timedelta(days=day_offset)
    return {
        "id": event_id,
        "tenant_id": TENANTS[tenant],
        "metric": METRICS[metric],
        "quantity": str(quantity),
        "timestamp": f"{day.isoformat()}T{day_offset % 24:02d}:00:00Z",
        # Payments of odd quantities go through the package's percentage price, the rest the generic one;
        # multiples of four are platform usage, without a package.
        "package_id": None if quantity % 4 == 0 else "pkg_pay" if quantity % 2 else "pkg_slack_notify",
        "properties": {"user_id": f"user_{quantity % 3}"},
    }


contents = st.fixed_dictionaries(
    {
        # Up to three months back: late events reach earlier tenant-days and months than the ones before.
        "day_offset": st.integers(min_value=1, max_value=80),
        "quantity": st.integers(min_value=0, max_value=1000),
        "tenant": st.integers(min_value=0, max_value=len(TENANTS) - 1),
        "metric": st.integers(min_value=0, max_value=len(METRICS) - 1),
    }
)


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The distinct events, and the batches they arrive in: any order, repeats, any number of builds."""
    ids = draw(st.lists(st.sampled_from(EVENT_IDS), min_size=1, max_size=12, unique=True))
    events = [_content(i, **draw(contents)) for i in ids]
    repeats = draw(st.lists(st.sampled_from(events), max_size=4))
    arriving = draw(st.permutations(events + repeats))
    cuts = sorted(draw(st.lists(st.integers(1, max(len(arriving) - 1, 1)), max_size=2, unique=True)))
    bounds = [0, *[c for c in cuts if c < len(arriving)], len(arriving)]
    batches = [arriving[a:b] for a, b in pairwise(bounds) if arriving[a:b]]
    return events, batches


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse with the price book, two tenants and every model built once on no usage."""
    from billing.price_book import parse_price_book
    from ingest.price_book_tables import write_price_book_tables

    work = tmp_path_factory.mktemp("incremental_template")
    warehouse = Warehouse.create(work / "warehouse.duckdb")
    with duckdb.connect(str(warehouse.path)) as conn:
        write_price_book_tables(conn, parse_price_book(PRICE_BOOK, source="test"), source_uri="test")
        conn.executemany(
            "insert into raw.operational_tenants (tenant_id, name, created_at) values (?, ?, current_timestamp)",
            [(t, t.title()) for t in TENANTS],
        )
    run_dbt(warehouse, work, command=("run",), monkeypatch=module_monkeypatch)
    with duckdb.connect(str(warehouse.path)) as conn:
        conn.execute("checkpoint")  # dbt-duckdb's views into the file itself, not its WAL: it is copied
    return warehouse.path


def _load(path: Path, batch: list[dict[str, Any]], name: str) -> None:
    file = path.parent / f"{name}.ndjson"
    file.write_text("".join(json.dumps(event) + "\n" for event in batch), encoding="utf-8")
    with duckdb.connect(str(path)) as conn:
        load_files(conn, [file])


def _results(warehouse: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for model in MODELS:
        schema = "marts" if model.startswith("fct_") else "intermediate"
        rows = warehouse.rows(f"select * from {schema}.{model}")
        found[model] = sorted(
            (tuple(v for k, v in row.items() if k not in LOAD_COLUMNS) for row in rows), key=repr
        )
    return found


def _copy(template: Path, work: Path) -> Warehouse:
    work.mkdir(parents=True, exist_ok=True)
    (work / "warehouse.duckdb.wal").unlink(
        missing_ok=True
    )  # a previous example's, never replayed on this one
    shutil.copyfile(template, work / "warehouse.duckdb")
    return Warehouse(work / "warehouse.duckdb")


def _examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example, reused: dbt's profile names the warehouse's path, and a new path makes
    dbt parse the whole project again (about 4 s) where the same path reparses nothing."""
    work = tmp_path_factory.getbasetemp() / "incremental-examples"
    work.mkdir(exist_ok=True)
    return work


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=arrivals())
def test_any_arrival_order_and_split_gives_the_marts_of_one_full_refresh(
    case: tuple[list[dict[str, Any]], list[list[dict[str, Any]]]],
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    module_monkeypatch: pytest.MonkeyPatch,
) -> None:
    events, batches = case
    _assert_builds_equal_one_full_refresh(events, batches, template, tmp_path_factory, module_monkeypatch)


def test_every_aggregation_over_three_builds_with_a_late_event(
    template: Path, tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example a handful of random cases can miss: each metric's day and month reached again by a
    larger, then a smaller reading (a max keeps the largest, a latest the last, a weighted sum every
    interval), and a late event reaching a day summarised two builds before."""
    end_of_last_month = clock.today().day  # days back: the last month's last days, whatever today is
    metrics = range(len(METRICS))
    first = [_content(f"evt_a{m}", end_of_last_month + 3, quantity=7, tenant=0, metric=m) for m in metrics]
    second = [_content(f"evt_b{m}", end_of_last_month + 3, quantity=9, tenant=0, metric=m) for m in metrics]
    third = [_content(f"evt_c{m}", end_of_last_month + 1, quantity=1, tenant=0, metric=m) for m in metrics]
    late = [_content(f"evt_d{m}", end_of_last_month + 63, quantity=8, tenant=1, metric=m) for m in metrics]
    early = [_content(f"evt_e{m}", end_of_last_month + 63, quantity=4, tenant=1, metric=m) for m in metrics]
    batches = [first + early, second, third + late]
    _assert_builds_equal_one_full_refresh(
        [e for b in batches for e in b], batches, template, tmp_path_factory, module_monkeypatch
    )


def _assert_builds_equal_one_full_refresh(
    events: list[dict[str, Any]],
    batches: list[list[dict[str, Any]]],
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    module_monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = _examples_dir(tmp_path_factory)

    incremental = _copy(template, work / "incremental")
    for number, batch in enumerate(batches):
        _load(incremental.path, batch, f"batch_{number}")
        run_dbt(
            incremental,
            work / "incremental",
            command=("run", "--select", *MODELS),
            monkeypatch=module_monkeypatch,
        )

    once = _copy(template, work / "once")
    _load(once.path, sorted(events, key=lambda e: e["id"]), "all")
    run_dbt(
        once,
        work / "once",
        command=("run", "--full-refresh", "--select", *MODELS),
        monkeypatch=module_monkeypatch,
    )

    expected = _results(once)
    assert sum(row[4] for row in expected["int_usage_aggregated_daily"]) == len(events)  # event_count
    assert _results(incremental) == expected
    measured = {
        (r["tenant_id"], r["period_start_date"], r["package_id"], r["metric_id"]): (
            r["aggregation"],
            r["event_count"],
            r["metric_quantity"],
        )
        for r in once.rows("select * from intermediate.int_usage_metric_monthly")
    }
    assert measured == _months_by_aggregation(events)


AGGREGATIONS = dict(
    zip(METRICS, ("count", "sum", "max", "unique_count", "latest", "weighted_sum", "sum"), strict=True)
)


def _months_by_aggregation(events: list[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The month of each (tenant, package, metric) by the metric's aggregation, computed here in Python
    from the events themselves: what int_usage_metric_monthly must hold, however the builds were split."""
    groups: dict[tuple[Any, ...], list[tuple[datetime, str, Decimal, str]]] = defaultdict(list)
    for e in events:
        at = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")).astimezone(UTC)
        key = (e["tenant_id"], date(at.year, at.month, 1), e["package_id"], e["metric"])
        groups[key].append(
            (at.replace(tzinfo=None), e["id"], Decimal(e["quantity"]), e["properties"]["user_id"])
        )
    months = {}
    for key, readings in groups.items():
        aggregation = AGGREGATIONS[key[3]]
        readings.sort()
        quantities = [q for _, _, q, _ in readings]
        if aggregation == "weighted_sum":
            start = datetime.combine(key[1], datetime.min.time())
            end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
            bounds = [at for at, _, _, _ in readings[1:]] + [end]
            level_seconds = sum(
                q * int((b - at).total_seconds()) for (at, _, q, _), b in zip(readings, bounds, strict=True)
            )
            value = (level_seconds / int((end - start).total_seconds())).quantize(
                Decimal("1e-9"), ROUND_HALF_UP
            )
        else:
            value = {
                "count": Decimal(len(readings)),
                "sum": sum(quantities, Decimal(0)),
                "max": max(quantities),
                "unique_count": Decimal(len({user for _, _, _, user in readings})),
                "latest": quantities[-1],
            }[aggregation]
        months[key] = (aggregation, len(readings), value)
    return months


def test_a_price_change_rerates_every_month_already_summarised(
    template: Path, tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows rated with other prices than today's are dropped before an incremental run (the pre-hook of
    int_usage_aggregated_monthly), so a changed price book re-rates months no new batch reaches."""
    work = tmp_path_factory.mktemp("price_change")
    warehouse = _copy(template, work / "wh")
    events = [
        _content(f"evt_{n:02d}", day_offset=10 + 20 * n, quantity=n + 1, tenant=n % 2, metric=0)
        for n in range(4)
    ]
    _load(warehouse.path, events, "batch")
    run_dbt(warehouse, work / "wh", command=("run", "--select", *MODELS), monkeypatch=module_monkeypatch)
    months_before = warehouse.rows("select count(*) as n from intermediate.int_usage_aggregated_monthly")[0][
        "n"
    ]
    assert months_before >= 2

    # The count metric becomes a sum: every month's quantity changes, though no event arrived.
    with duckdb.connect(str(warehouse.path)) as conn:
        conn.execute(
            "update raw.price_book_metrics set aggregation = 'sum' where metric_id = 'workflow_runs'"
        )
    run_dbt(warehouse, work / "wh", command=("run", "--select", *MODELS), monkeypatch=module_monkeypatch)
    incremental = _results(warehouse)
    quantities = {row[4] for row in incremental["int_usage_aggregated_monthly"]}

    run_dbt(
        warehouse,
        work / "wh",
        command=("run", "--full-refresh", "--select", *MODELS),
        monkeypatch=module_monkeypatch,
    )
    assert incremental == _results(warehouse)
    assert quantities != {1}, "the months were not re-rated as sums"

"""Usage events, one landing day at a time, vectorized with numpy and pyarrow (no per-event Python).

Each day draws Poisson counts per tenant from a rate matrix (tenant size x lifecycle activity x weekly
season x monthly growth), expands them into events, injects the deliberate faults, and writes the day's
Parquet files. Late arrivals and resends wait in a small buffer keyed by their landing day, so memory
holds one day of events plus about 1.5% of the next twelve days, at any scale.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from atom.storage import atomic_path
from ingest.landing import day_dir
from ingest.synthetic.catalog import Catalog
from ingest.synthetic.rng import stream
from ingest.synthetic.tenants import TenantWorld

METRICS = (
    "workflow_runs",
    "compute_seconds",
    "storage_gb",
    "api_calls",
    "data_egress_gb",
    "ai_tokens",
    "active_users",
)
RUNS, COMPUTE, STORAGE, API, EGRESS, TOKENS, USERS = range(len(METRICS))
METRIC_SHARES = np.array([0.38, 0.18, 0.02, 0.30, 0.03, 0.05, 0.04])
# Platform services (storage, the API, seats) carry no package (DESIGN 3.1).
HAS_PACKAGE = np.array([True, True, False, False, True, True, False])

# Monday..Sunday: business software is used on working days; weekends run scheduled workflows only.
WEEKDAY_FACTOR = np.array([1.0, 1.05, 1.05, 1.0, 0.9, 0.4, 0.35])
MONTHLY_GROWTH = 0.05  # per existing tenant, on top of new sign-ups
RAMP_DAYS = 30  # a new tenant reaches its full usage over its first month

# Deliberate faults, as shares of the day's distinct events (disjoint: an event has at most one fault).
SHARE_MALFORMED = 0.002
SHARE_LATE = 0.01
SHARE_EXACT_DUPLICATE = 0.005
SHARE_CONFLICTING_DUPLICATE = 0.0005
MAX_LATE_DAYS = 12
MAX_RESEND_DAYS = 4

MALFORMED_KINDS = (
    "missing_tenant_id",
    "missing_metric",
    "bad_timestamp",
    "negative_quantity",
    "non_numeric_quantity",
    "unknown_metric",
    "unknown_tenant",
)
BAD_TIMESTAMPS = ["yesterday", "2025-13-45T10:00:00Z", "31/12/2025 10:00", "T12:00:00Z"]
BAD_QUANTITIES = ["one", "1.2.3", "12 units", "1,5e"]
UNKNOWN_METRICS = ["gpu_hours", "workflow_run", "Compute_Seconds", "storage_tb"]

# Timestamp formats: all valid RFC 3339, as real senders mix them.
# 0: Z, 1: Z + millis, 2: Z + micros, 3: +00:00, 4: other offset, 5: other offset + millis
FORMAT_SHARES = np.array([0.45, 0.20, 0.05, 0.10, 0.12, 0.08])
OFFSET_MINUTES = np.array([60, 120, 330, 540, -180, -300, -480, 345])
SUFFIXES = ["Z", "+00:00"] + [
    f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in OFFSET_MINUTES
]

COLUMNS = ("id", "tenant_id", "metric", "quantity", "timestamp", "package_id", "properties")
SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])
MAX_ROWS_PER_FILE = 500_000
FILE_PREFIX = "synthetic-"
QUANTITY_SCALE = 10_000  # quantities are drawn as integers of 1e-4 units, then written as exact decimals


@dataclass
class UsageCounts:
    distinct_events: int = 0
    rows_written: int = 0
    files: int = 0
    exact_duplicates: int = 0
    conflicting_duplicates: int = 0
    late: int = 0
    late_after_month_close: int = 0
    malformed: Counter[str] = field(default_factory=Counter)
    # (tenant, package) -> day of its first well-formed event: the generator installs the package then.
    first_package_use: dict[tuple[str, str], date] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageModel:
    tenant_ids: pa.Array
    package_ids: pa.Array
    installed: np.ndarray  # tenants x max installs, package indexes
    installed_count: np.ndarray
    ai_package: np.ndarray
    user_pool: np.ndarray
    storage_gb: np.ndarray
    rates: np.ndarray  # tenants x days, expected distinct events


def build_model(
    world: TenantWorld, catalog: Catalog, days: list[date], target_events: int, seed: int
) -> UsageModel:
    rng = stream(seed, "usage-model")
    sizes = world.sizes
    n_packages = len(catalog.packages)
    # Bigger tenants install more packages: 2 + Poisson(1 + 2 ln size), at most 12.
    installs = np.minimum(2 + rng.poisson(1 + 2 * np.log(sizes)), min(12, n_packages))
    installed = np.zeros((len(sizes), int(installs.max())), dtype=np.int64)
    for i, k in enumerate(installs):  # per tenant, not per event
        installed[i, :k] = rng.choice(n_packages, size=k, replace=False, p=catalog.popularity)
    ai = catalog.ai_package_indexes()
    ai_weights = catalog.popularity[ai] / catalog.popularity[ai].sum()
    ai_package = rng.choice(ai, size=len(sizes), p=ai_weights)

    start = days[0]
    day_offsets = np.array([(d - start).days for d in days])
    created = np.array([(t["created_at"].date() - start).days for t in world.tenants])
    age = day_offsets[None, :] - created[:, None]
    ramp = np.clip(0.3 + 0.7 * age / RAMP_DAYS, 0.3, 1.0)
    season = WEEKDAY_FACTOR[[d.weekday() for d in days]]
    growth = (1 + MONTHLY_GROWTH) ** (day_offsets / 30.4)
    rates = sizes[:, None] * world.activity * ramp * (season * growth)[None, :]
    rates *= target_events / rates.sum()
    return UsageModel(
        tenant_ids=pa.array(world.tenant_ids, pa.string()),
        package_ids=pa.array(catalog.package_ids, pa.string()),
        installed=installed,
        installed_count=installs,
        ai_package=ai_package,
        user_pool=np.clip(np.round(sizes * 8), 3, 5000).astype(np.int64),
        storage_gb=2 + sizes * 3 * rng.lognormal(0, 0.5, len(sizes)),
        rates=rates,
    )


def _splitmix64(x: np.ndarray) -> np.ndarray:
    # A bijection on 64-bit integers: distinct inputs give distinct, well-spread ids.
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _hex(values: np.ndarray) -> pa.Array:
    text = values.astype(">u8").tobytes().hex().encode("ascii")
    return pa.array(np.frombuffer(text, dtype="S16")).cast(pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _decimal_text(units: np.ndarray) -> pa.Array:
    """Exact decimal strings from integers of 1e-4: 12345 -> '1.2345', 20000 -> '2'."""
    whole = pa.array(units // QUANTITY_SCALE).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(units % QUANTITY_SCALE).cast(pa.string()), width=4, padding="0")
    text = pc.utf8_rtrim(_join(whole, ".", frac), characters="0")
    return pc.utf8_rtrim(text, characters=".")


def _timestamps(rng: np.random.Generator, day: date, n: int) -> tuple[pa.Array, np.ndarray]:
    # 70% around mid-afternoon UTC (working hours of the largest markets), 30% spread over the day.
    busy = np.clip(rng.normal(14 * 3600, 3.5 * 3600, n), 0, 86_399)
    second_of_day = np.where(rng.random(n) < 0.7, busy, rng.uniform(0, 86_400, n)).astype(np.int64)
    micros = rng.integers(0, 1_000_000, n)
    fmt = rng.choice(len(FORMAT_SHARES), size=n, p=FORMAT_SHARES)
    offset_choice = rng.integers(0, len(OFFSET_MINUTES), n)
    day_epoch = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    offset = np.where(fmt >= 4, OFFSET_MINUTES[offset_choice], 0)
    local = pa.array(day_epoch + second_of_day + offset * 60, pa.timestamp("s"))
    base = pc.replace_substring(local.cast(pa.string()), " ", "T")
    millis = _join(".", pc.utf8_lpad(pa.array(micros // 1000).cast(pa.string()), width=3, padding="0"))
    micros_text = _join(".", pc.utf8_lpad(pa.array(micros).cast(pa.string()), width=6, padding="0"))
    empty = pa.scalar("", pa.string())
    frac = pc.if_else(
        pa.array((fmt == 1) | (fmt == 5)), millis, pc.if_else(pa.array(fmt == 2), micros_text, empty)
    )
    suffix_index = np.where(fmt <= 2, 0, np.where(fmt == 3, 1, 2 + offset_choice))
    suffix = pa.array(SUFFIXES, pa.string()).take(pa.array(suffix_index))
    return _join(base, frac, suffix), second_of_day


def _quantities(
    rng: np.random.Generator, model: UsageModel, tenant: np.ndarray, metric: np.ndarray, day_offset: int
) -> np.ndarray:
    n = len(tenant)
    units = np.full(n, QUANTITY_SCALE, dtype=np.int64)  # count metrics: 1 per event
    compute_ms = np.maximum(np.round(rng.lognormal(np.log(20), 1.1, n) * 1000), 1)  # median 20 s
    units = np.where(metric == COMPUTE, compute_ms.astype(np.int64) * 10, units)
    egress = np.maximum(np.round(rng.lognormal(np.log(0.05), 1.3, n) * QUANTITY_SCALE), 1)  # median 50 MB
    units = np.where(metric == EGRESS, egress.astype(np.int64), units)
    tokens = np.maximum(np.round(rng.lognormal(np.log(1500), 0.9, n)), 1)  # median 1,500 tokens
    units = np.where(metric == TOKENS, tokens.astype(np.int64) * QUANTITY_SCALE, units)
    # Storage is a gauge: each tenant's stored volume grows 0.4% a day, with small noise; 2 decimals.
    gauge = model.storage_gb[tenant] * (1 + 0.004 * day_offset) * rng.uniform(0.98, 1.02, n)
    units = np.where(metric == STORAGE, np.round(gauge * 100).astype(np.int64) * 100, units)
    return units


def _properties(
    rng: np.random.Generator, model: UsageModel, tenant: np.ndarray, metric: np.ndarray
) -> pa.Array:
    n = len(tenant)
    # Power users: low user numbers are drawn more often (u^2), as a few people do most of the work.
    user = np.floor(rng.random(n) ** 2 * model.user_pool[tenant]).astype(np.int64)
    users = _join('{"user_id":"u_', pa.array(user).cast(pa.string()), '"}')
    status = pc.if_else(pa.array(rng.random(n) < 0.04), '{"status":"failed"}', '{"status":"succeeded"}')
    out = pc.if_else(pa.array(metric == RUNS), status, pa.scalar("{}", pa.string()))
    return pc.if_else(pa.array(metric == USERS), users, out)


@dataclass(frozen=True)
class _Day:
    table: pa.Table  # distinct events of the day (malformed ones included), by time of day
    quantity_units: np.ndarray  # aligned with ``table``
    fault: np.ndarray  # 0 none, 1 malformed, 2 late, 3 exact duplicate source, 4 conflicting duplicate source
    malformed_kind: np.ndarray


def _day_events(model: UsageModel, day: date, day_offset: int, seed: int) -> _Day:
    rng = stream(seed, "usage", day)
    counts = rng.poisson(model.rates[:, day_offset])
    tenant = np.repeat(np.arange(len(counts)), counts)
    n = len(tenant)
    metric = rng.choice(len(METRICS), size=n, p=METRIC_SHARES)
    slot = (rng.random(n) * model.installed_count[tenant]).astype(np.int64)
    package = np.where(metric == TOKENS, model.ai_package[tenant], model.installed[tenant, slot])
    package = np.where(HAS_PACKAGE[metric], package, -1)
    units = _quantities(rng, model, tenant, metric, day_offset)
    timestamps, second_of_day = _timestamps(rng, day, n)
    properties = _properties(rng, model, tenant, metric)
    key = (np.uint64(day.toordinal()) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    id_hex = _hex(_splitmix64(key ^ np.uint64(seed * 0x2545F4914F6CDD1D % 2**64)))

    columns = {
        "id": _join("evt_", id_hex),
        "tenant_id": model.tenant_ids.take(pa.array(tenant)),
        "metric": pa.array(METRICS, pa.string()).take(pa.array(metric)),
        "quantity": _decimal_text(units),
        "timestamp": timestamps,
        "package_id": model.package_ids.take(pa.array(np.maximum(package, 0), mask=package < 0)),
        "properties": properties,
    }

    draw = rng.random(n)
    fault = np.zeros(n, dtype=np.int8)
    edges = np.cumsum([SHARE_MALFORMED, SHARE_LATE, SHARE_EXACT_DUPLICATE, SHARE_CONFLICTING_DUPLICATE])
    fault[draw < edges[3]] = 4
    fault[draw < edges[2]] = 3
    fault[draw < edges[1]] = 2
    fault[draw < edges[0]] = 1
    kind = rng.integers(0, len(MALFORMED_KINDS), n)
    pick = pa.array(rng.integers(0, 4, n))
    null = pa.scalar(None, pa.string())

    def where(name: str) -> pa.Array:
        return pa.array((fault == 1) & (kind == MALFORMED_KINDS.index(name)))

    columns["tenant_id"] = pc.if_else(where("missing_tenant_id"), null, columns["tenant_id"])
    columns["metric"] = pc.if_else(where("missing_metric"), null, columns["metric"])
    columns["timestamp"] = pc.if_else(
        where("bad_timestamp"), pa.array(BAD_TIMESTAMPS).take(pick), columns["timestamp"]
    )
    columns["quantity"] = pc.if_else(
        where("negative_quantity"), _join("-", columns["quantity"]), columns["quantity"]
    )
    columns["quantity"] = pc.if_else(
        where("non_numeric_quantity"), pa.array(BAD_QUANTITIES).take(pick), columns["quantity"]
    )
    columns["metric"] = pc.if_else(
        where("unknown_metric"), pa.array(UNKNOWN_METRICS).take(pick), columns["metric"]
    )
    columns["tenant_id"] = pc.if_else(
        where("unknown_tenant"),
        _join("ten_unknown_", pc.utf8_slice_codeunits(id_hex, 0, 8)),
        columns["tenant_id"],
    )

    order = np.argsort(second_of_day, kind="stable")
    table = pa.table(columns, schema=SCHEMA).take(pa.array(order))
    return _Day(table, units[order], fault[order], kind[order])


def _write(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        # Fixed writer settings and no wall-clock metadata: same inputs give byte-identical files.
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=3,
            row_group_size=128 * 1024,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
        )


def clear_previous_output(landing_dir: Path) -> None:
    """Remove files a previous generate wrote (only ours: ``synthetic-*``), and days left empty."""
    if not landing_dir.exists():
        return
    for day in sorted(p for p in landing_dir.iterdir() if p.is_dir()):
        for f in day.glob(f"{FILE_PREFIX}*.parquet"):
            f.unlink()
        if not any(day.iterdir()):
            shutil.rmtree(day)


def _by_landing_day(
    pending: dict[date, list[pa.Table]], table: pa.Table, landing: np.ndarray, base: date
) -> Iterator[tuple[date, int]]:
    for offset in np.unique(landing):
        rows = table.filter(pa.array(landing == offset))
        landing_day = base + timedelta(days=int(offset))
        pending[landing_day].append(rows)
        yield landing_day, rows.num_rows


def write_usage(
    model: UsageModel,
    days: list[date],
    landing_dir: Path,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> UsageCounts:
    counts = UsageCounts()
    pending: dict[date, list[pa.Table]] = defaultdict(list)
    today = days[-1]
    for day_offset, day in enumerate(days):
        events = _day_events(model, day, day_offset, seed)
        table, fault = events.table, events.fault
        rng = stream(seed, "faults", day)
        last = (today - day).days
        counts.distinct_events += table.num_rows
        used = table.filter(pa.array(fault != 1)).select(["tenant_id", "package_id"]).drop_null()
        for pair in used.group_by(["tenant_id", "package_id"]).aggregate([]).to_pylist():
            counts.first_package_use.setdefault((pair["tenant_id"], pair["package_id"]), day)
        for k, c in zip(*np.unique(events.malformed_kind[fault == 1], return_counts=True), strict=True):
            counts.malformed[MALFORMED_KINDS[int(k)]] += int(c)

        # Late: arrives 1-12 days after it happened (geometric, mean about 3), never after today.
        delay = np.minimum(rng.geometric(0.35, table.num_rows), MAX_LATE_DAYS)
        is_late = (fault == 2) & (np.minimum(delay, last) > 0)
        late_rows = table.filter(pa.array(is_late))
        for landing_day, rows in _by_landing_day(pending, late_rows, np.minimum(delay, last)[is_late], day):
            counts.late += rows
            if (landing_day.year, landing_day.month) != (day.year, day.month):
                counts.late_after_month_close += rows
        main = table.filter(pa.array(~is_late))

        # Exact resends: 30% in the same file, the rest in a later file of the same day or up to 4 days on.
        is_exact = fault == 3
        resend_delay = np.minimum(rng.integers(0, MAX_RESEND_DAYS + 1, table.num_rows), last)
        same_file = is_exact & (rng.random(table.num_rows) < 0.3)
        later = is_exact & ~same_file
        counts.exact_duplicates += int(is_exact.sum())
        list(_by_landing_day(pending, table.filter(pa.array(later)), resend_delay[later], day))
        main = pa.concat_tables([main, table.filter(pa.array(same_file))])

        # Conflicting resends: same id, different quantity, always after the original (first wins).
        is_conflict = fault == 4
        counts.conflicting_duplicates += int(is_conflict.sum())
        conflicting = table.filter(pa.array(is_conflict))
        changed = _decimal_text(events.quantity_units[is_conflict] * 2 + QUANTITY_SCALE)
        conflicting = conflicting.set_column(COLUMNS.index("quantity"), "quantity", changed)
        list(_by_landing_day(pending, conflicting, resend_delay[is_conflict], day))

        directory = day_dir(landing_dir, day)
        part = 0
        for start in range(0, max(main.num_rows, 1), MAX_ROWS_PER_FILE):
            chunk = main.slice(start, MAX_ROWS_PER_FILE)
            if chunk.num_rows:
                _write(chunk, directory / f"{FILE_PREFIX}{day:%Y%m%d}-{part:03d}.parquet")
                counts.rows_written += chunk.num_rows
                counts.files += 1
                part += 1
        arrivals = pending.pop(day, [])
        if arrivals:
            later_file = pa.concat_tables(arrivals)
            _write(later_file, directory / f"{FILE_PREFIX}{day:%Y%m%d}-{part:03d}.parquet")
            counts.rows_written += later_file.num_rows
            counts.files += 1
        if progress is not None:
            progress(day_offset + 1, len(days))
    return counts

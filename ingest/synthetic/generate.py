"""``generate``: the whole demo marketplace from one seed (operational DB, price book, landing zone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert

from atom import clock
from atom.opdb import (
    Install,
    Package,
    PackageVersion,
    Publisher,
    Subscription,
    Tenant,
    TenantEvent,
    make_engine,
    migrate,
)
from atom.opdb.db import session_scope
from atom.settings import Settings
from ingest.synthetic.catalog import Catalog, build_catalog
from ingest.synthetic.price_book import build_price_book, write_price_book
from ingest.synthetic.scales import Scale, get_scale
from ingest.synthetic.tenants import TenantWorld, build_tenants
from ingest.synthetic.usage import MALFORMED_KINDS, build_model, clear_previous_output, write_usage

Progress = Callable[[str, int, int], None]
MONTHS_OF_HISTORY = 6


@dataclass(frozen=True)
class GenerationSummary:
    scale: str
    seed: int
    usage_start: date
    usage_end: date
    publishers: int
    packages: int
    versions: int
    tenants: int
    subscriptions: int
    tenant_events: int
    events: int  # rows written to the landing zone, resends included
    distinct_events: int  # distinct event ids (malformed ones included)
    files: int
    duplicates: dict[str, int] = field(default_factory=dict)  # exact, conflicting
    late: int = 0
    late_after_month_close: int = 0
    malformed: dict[str, int] = field(default_factory=dict)  # by kind

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["usage_start"], out["usage_end"] = self.usage_start.isoformat(), self.usage_end.isoformat()
        return out


def usage_days(today: date) -> list[date]:
    """The six whole calendar months before ``today``'s month, then this month up to and including today."""
    first = today.replace(day=1)
    for _ in range(MONTHS_OF_HISTORY):
        first = (first - timedelta(days=1)).replace(day=1)
    return [first + timedelta(days=i) for i in range((today - first).days + 1)]


def _seed_operational_db(database_url: str, catalog: Catalog, world: TenantWorld) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            # Children first: foreign keys are enforced.
            for model in (Install, TenantEvent, Subscription, Tenant, PackageVersion, Package, Publisher):
                session.execute(delete(model))
            for model, rows in (
                (Publisher, catalog.publishers),
                (Package, catalog.packages),
                (PackageVersion, catalog.versions),
                (Tenant, world.tenants),
                (Subscription, world.subscriptions),
                (TenantEvent, world.events),
            ):
                if rows:
                    session.execute(insert(model), rows)
    finally:
        engine.dispose()


def _seed_installs(
    database_url: str, first_use: dict[tuple[str, str], date], versions: list[dict[str, Any]]
) -> None:
    """Install events (POST /v1/installs in real use): each tenant installs a package at midnight UTC of the
    day of its first well-formed event for it, so the marketplace metrics count installs as a real
    marketplace's would (decision 0710)."""
    first_version: dict[str, tuple[Any, str]] = {}
    for v in versions:
        known = first_version.get(v["package_id"])
        if known is None or v["published_at"] < known[0]:
            first_version[v["package_id"]] = (v["published_at"], v["version"])
    rows = [
        {
            "tenant_id": t,
            "package_id": p,
            "version": first_version[p][1] if p in first_version else "1.0.0",
            "installed_at": datetime(d.year, d.month, d.day),
        }
        for (t, p), d in sorted(first_use.items(), key=lambda item: (item[1], item[0]))
    ]
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            session.execute(delete(Install))
            for start in range(0, len(rows), 5000):
                session.execute(insert(Install), rows[start : start + 5000])
    finally:
        engine.dispose()


def generate(
    settings: Settings,
    scale: str | Scale = "default",
    seed: int = 7,
    today: date | None = None,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write a deterministic demo marketplace: same seed and ``today``, byte-identical outputs."""
    size = scale if isinstance(scale, Scale) else get_scale(scale)
    today = today or clock.today()
    days = usage_days(today)
    report = progress or (lambda _step, _done, _total: None)

    report("catalog", 0, 3)
    catalog = build_catalog(size, seed, today, days[0])
    report("catalog", 1, 3)
    world = build_tenants(size, seed, today, days)
    report("catalog", 2, 3)
    _seed_operational_db(settings.database_url, catalog, world)
    report("catalog", 3, 3)

    report("price_book", 0, 1)
    write_price_book(settings.price_book_path, build_price_book(catalog))
    report("price_book", 1, 1)

    model = build_model(world, catalog, days, size.events, seed)
    clear_previous_output(settings.landing_dir)
    report("usage", 0, len(days))
    counts = write_usage(
        model, days, settings.landing_dir, seed, lambda done, total: report("usage", done, total)
    )

    _seed_installs(settings.database_url, counts.first_package_use, catalog.versions)

    return GenerationSummary(
        scale=size.name,
        seed=seed,
        usage_start=days[0],
        usage_end=days[-1],
        publishers=len(catalog.publishers),
        packages=len(catalog.packages),
        versions=len(catalog.versions),
        tenants=len(world.tenants),
        subscriptions=len(world.subscriptions),
        tenant_events=len(world.events),
        events=counts.rows_written,
        distinct_events=counts.distinct_events,
        files=counts.files,
        duplicates={"exact": counts.exact_duplicates, "conflicting": counts.conflicting_duplicates},
        late=counts.late,
        late_after_month_close=counts.late_after_month_close,
        malformed={kind: counts.malformed.get(kind, 0) for kind in MALFORMED_KINDS},
    )

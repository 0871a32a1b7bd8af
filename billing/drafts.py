"""Reading the draft lines dbt computes (``marts.fct_invoice_lines``) out of the warehouse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from billing.money import to_minor


@dataclass(frozen=True)
class DraftLine:
    """One rated line of a tenant and month, amounts in minor units."""

    tenant_id: str
    period: str
    kind: str  # usage | recurring
    price_id: str | None
    plan_id: str | None
    metric_id: str | None
    package_id: str | None
    publisher_id: str | None
    quantity: Decimal
    amount_minor: int
    partner_payout_minor: int
    platform_fee_minor: int
    currency: str
    minor_units: int

    @property
    def line_key(self) -> str:
        """What makes a line the same line across re-ratings: its kind and its price or plan."""
        return f"{self.kind}/{self.price_id or self.plan_id}"


_COLUMNS = (
    "tenant_id, period, kind, price_id, plan_id, metric_id, package_id, publisher_id, quantity, "
    "line_amount, partner_payout_amount, platform_fee_amount, currency, minor_units"
)


def read_draft_lines(conn: duckdb.DuckDBPyConnection, periods: Iterable[str]) -> list[DraftLine]:
    """The draft lines of the given months, in a deterministic order."""
    wanted = sorted(set(periods))
    if not wanted:
        return []
    try:
        rows = conn.execute(
            f"select {_COLUMNS} from marts.fct_invoice_lines where period in "
            f"({', '.join('?' for _ in wanted)}) order by tenant_id, period, kind, price_id, plan_id",
            wanted,
        ).fetchall()
    except duckdb.CatalogException as exc:
        raise RuntimeError(
            "the warehouse has no marts.fct_invoice_lines: run `atom build` before finalizing a month"
        ) from exc
    lines = []
    for row in rows:
        minor_units = int(row[13])
        lines.append(
            DraftLine(
                tenant_id=row[0],
                period=row[1],
                kind=row[2],
                price_id=row[3],
                plan_id=row[4],
                metric_id=row[5],
                package_id=row[6],
                publisher_id=row[7],
                quantity=Decimal(row[8]),
                amount_minor=to_minor(Decimal(row[9]), minor_units),
                partner_payout_minor=to_minor(Decimal(row[10]), minor_units),
                platform_fee_minor=to_minor(Decimal(row[11]), minor_units),
                currency=row[12],
                minor_units=minor_units,
            )
        )
    return lines

"""The price book (DESIGN 3.2): its model, parsing and validation. ``ingest/price_book_tables.py`` writes it
into the warehouse's ``raw`` tables.

Pydantic checks the shape (types, allowed values, no unknown fields); the rules that span fields
(tiers, references to metrics, duplicates) are checked here by hand so that one run reports every
problem in the file, not only the first: a finance person fixing a price book should not have to
run the loader ten times.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import orjson
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from atom.clock import now
from atom.opdb.billing import BillingRun
from atom.opdb.models import PriceBookVersion, Subscription
from atom.opdb.registry import AuditLog
from billing.money import MINOR_UNITS, minor_units
from billing.periods import parse_period

M = TypeVar("M", bound=BaseModel)

# Scales of the raw columns (ingest/raw_schema.py): a value with more places would be rounded silently.
_AMOUNT_PLACES = 12
_QUANTITY_PLACES = 9
_SHARE_PLACES = 6
# A percentage rate becomes a fraction (rate x 0.01) of the raw amount scale: two places fewer.
_RATE_PLACES = _AMOUNT_PLACES - 2

_INF_WORDS = {"inf", ".inf", "+inf", "infinity"}


class PriceBookError(ValueError):
    """Every problem found in a price book, each naming what to fix."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the price book:\n{listing}")


def _to_decimal(value: Any) -> Any:
    # Numbers go through str() so that YAML's 0.002 (a float) becomes Decimal("0.002"), not its binary value.
    if isinstance(value, bool):
        raise ValueError(f"expected a decimal, got {value!r}")
    if isinstance(value, int | float | str):
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f'expected a decimal such as "0.002", got {value!r}') from None
        if not number.is_finite():
            raise ValueError(f"expected a finite decimal, got {value!r}")
        return number
    return value


def _to_up_to(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value) and value > 0:
        return None
    if isinstance(value, str) and value.strip().lower() in _INF_WORDS:
        return None
    if value is None:
        raise ValueError("up_to must be a number or inf (null is ambiguous: write inf for the last tier)")
    return _to_decimal(value)


Amount = Annotated[Decimal, BeforeValidator(_to_decimal)]
UpTo = Annotated[Decimal | None, BeforeValidator(_to_up_to)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(_Strict):
    # latest and weighted_sum read each event's quantity as a reading of a level (docs/price-book.md, 0701).
    aggregation: Literal["count", "sum", "max", "unique_count", "latest", "weighted_sum"]
    property: str | None = None


class Tier(_Strict):
    up_to: UpTo  # None = unbounded (inf)
    unit_amount: Amount | None = None
    flat_amount: Amount | None = None


class TransformQuantity(_Strict):
    divide_by: Amount
    round: Literal["up", "down"] = "up"


class Percentage(_Strict):
    """Lago's percentage charge: ``rate`` percent of each event's amount (its quantity, in the book's
    currency) plus ``fixed_amount`` per event, each event's fee held within the per-event bounds."""

    rate: Amount  # a percentage: "2.9" is 2.9 %
    fixed_amount: Amount | None = None
    per_event_minimum_amount: Amount | None = None
    per_event_maximum_amount: Amount | None = None


class Price(_Strict):
    id: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    package_id: str | None = None
    billing_scheme: Literal["per_unit", "tiered", "percentage"]
    tiers_mode: Literal["graduated", "volume"] | None = None
    tiers: list[Tier] | None = None
    unit_amount: Amount | None = None
    free_units: Amount = Decimal("0")
    minimum_amount: Amount | None = None
    revenue_share: Amount | None = None
    transform_quantity: TransformQuantity | None = None
    percentage: Percentage | None = None


class Plan(_Strict):
    id: str = Field(min_length=1)
    amount: Amount


class PriceBook(_Strict):
    currency: str
    metrics: dict[str, Metric]
    prices: list[Price]
    plans: list[Plan] = Field(default_factory=list)
    content_sha256: str = ""

    @property
    def minor_units(self) -> int:
        return minor_units(self.currency)


# ---------------------------------------------------------------------------------------------------------
# parsing


def load_price_book(path: Path | str) -> PriceBook:
    """Read and validate the price book at ``path``; raises :class:`PriceBookError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceBookError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    return parse_price_book(text, source=str(path))


def parse_price_book(text: str, source: str = "<price book>") -> PriceBook:
    """Validate a price book given as YAML text; ``source`` names it in error messages."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PriceBookError(source, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(document, dict):
        raise PriceBookError(source, ["the price book must be a YAML mapping with currency, metrics, prices"])

    problems: list[str] = []
    allowed = {"currency", "metrics", "prices", "plans"}
    for key in document:
        if key not in allowed:
            problems.append(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(allowed))})")

    currency = _parse_currency(document.get("currency"), problems)
    metrics = _parse_metrics(document.get("metrics"), problems)
    prices = _parse_prices(document.get("prices"), metrics, problems)
    plans = _parse_plans(document.get("plans"), problems)

    if problems:
        raise PriceBookError(source, problems)
    return PriceBook.model_construct(
        currency=currency,
        metrics=metrics,
        prices=prices,
        plans=plans,
        content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _parse_currency(value: Any, problems: list[str]) -> str:
    if value is None:
        problems.append("currency is missing: add e.g. `currency: usd`")
        return ""
    code = str(value).strip().lower()
    if code not in MINOR_UNITS:
        problems.append(f"unknown currency {value!r}: use an ISO 4217 code such as usd, eur or jpy")
    return code


def _parse_metrics(value: Any, problems: list[str]) -> dict[str, Metric]:
    if not isinstance(value, dict) or not value:
        problems.append(
            "metrics is missing or empty: define each billable metric, e.g. `runs: {aggregation: count}`"
        )
        return {}
    metrics: dict[str, Metric] = {}
    for name, body in value.items():
        label = f"Metric {name!r}"
        parsed = _validate(Metric, body, label, problems)
        if parsed is None:
            continue
        if parsed.aggregation == "unique_count" and not parsed.property:
            problems.append(
                f"{label}: unique_count needs `property` (the event property whose values are counted)"
            )
        elif parsed.aggregation != "unique_count" and parsed.property is not None:
            problems.append(
                f"{label}: `property` is only used by unique_count; remove it or change the aggregation"
            )
        metrics[str(name)] = parsed
    return metrics


def _parse_prices(value: Any, metrics: dict[str, Metric], problems: list[str]) -> list[Price]:
    if not isinstance(value, list) or not value:
        problems.append("prices is missing or empty: add at least one price (a list under `prices:`)")
        return []
    prices: list[Price] = []
    seen_ids: set[str] = set()
    seen_scopes: dict[tuple[str, str | None], str] = {}
    for index, body in enumerate(value):
        raw_id = body.get("id") if isinstance(body, dict) else None
        label = f"Price {raw_id!r}" if raw_id else f"Price #{index + 1}"
        parsed = _validate(Price, body, label, problems)
        if parsed is None:
            continue
        problems.extend(f"{label}: {p}" for p in _price_problems(parsed))
        if parsed.id in seen_ids:
            problems.append(f"{label}: duplicate price id; each price needs its own id")
        seen_ids.add(parsed.id)
        if metrics and parsed.metric not in metrics:
            defined = ", ".join(sorted(metrics))
            problems.append(f"{label}: unknown metric {parsed.metric!r} (defined: {defined})")
        elif (
            parsed.billing_scheme == "percentage"
            and parsed.metric in metrics
            and metrics[parsed.metric].aggregation != "sum"
        ):
            problems.append(
                f"{label}: billing_scheme percentage takes a rate of the sum of event amounts, so its metric "
                f"{parsed.metric!r} needs aggregation: sum (it has {metrics[parsed.metric].aggregation})"
            )
        scope = (parsed.metric, parsed.package_id)
        if scope in seen_scopes:
            package = parsed.package_id if parsed.package_id is not None else "null"
            problems.append(
                f"{label}: metric {parsed.metric!r} with package_id {package} is already priced by "
                f"{seen_scopes[scope]!r}; one price per (metric, package_id)"
            )
        else:
            seen_scopes[scope] = parsed.id
        prices.append(parsed)
    return prices


def _parse_plans(value: Any, problems: list[str]) -> list[Plan]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append('plans must be a list, e.g. `- {id: team, amount: "49"}`')
        return []
    plans: list[Plan] = []
    seen: set[str] = set()
    for index, body in enumerate(value):
        raw_id = body.get("id") if isinstance(body, dict) else None
        label = f"Plan {raw_id!r}" if raw_id else f"Plan #{index + 1}"
        parsed = _validate(Plan, body, label, problems)
        if parsed is None:
            continue
        if parsed.id in seen:
            problems.append(f"{label}: duplicate plan id; each plan needs its own id")
        seen.add(parsed.id)
        problems.extend(f"{label}: {p}" for p in _amount_problems("amount", parsed.amount))
        plans.append(parsed)
    return plans


def _validate(model: type[M], body: Any, label: str, problems: list[str]) -> M | None:
    if not isinstance(body, dict):
        problems.append(f"{label}: expected a mapping of fields, got {body!r}")
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems.extend(f"{label}: {_describe(error, model)}" for error in exc.errors())
        return None


def _describe(error: Any, model: type[BaseModel]) -> str:
    loc = error.get("loc", ())
    where = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in loc).replace(".[", "[")
    kind = error.get("type")
    if kind == "extra_forbidden":
        allowed = ", ".join(_allowed_fields(model, loc[:-1]))
        return f"unknown field {where!r} (allowed: {allowed})"
    if kind == "missing":
        return f"{where} is required"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message} (got {error.get('input')!r})"


def _allowed_fields(model: type[BaseModel], parent: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] = model
    nested: dict[str, type[BaseModel]] = {
        "tiers": Tier,
        "transform_quantity": TransformQuantity,
        "percentage": Percentage,
    }
    for part in parent:
        if isinstance(part, str) and part in nested:
            current = nested[part]
    return list(current.model_fields)


def _price_problems(price: Price) -> Iterable[str]:
    if price.billing_scheme != "percentage" and price.percentage is not None:
        yield "percentage belongs to percentage prices; remove it or set billing_scheme: percentage"
    if price.billing_scheme == "percentage":
        yield from _percentage_problems(price)
    elif price.billing_scheme == "tiered":
        if price.tiers_mode is None:
            yield "billing_scheme tiered needs tiers_mode: graduated or volume"
        if not price.tiers:
            yield "billing_scheme tiered needs tiers (a list of {up_to, unit_amount, flat_amount})"
        if price.unit_amount is not None:
            yield "unit_amount belongs to per_unit prices; for tiered prices put unit_amount on each tier"
        if price.tiers:
            yield from _tier_problems(price.tiers)
    else:
        if price.unit_amount is None:
            yield 'billing_scheme per_unit needs unit_amount, e.g. unit_amount: "0.002"'
        else:
            yield from _amount_problems("unit_amount", price.unit_amount)
        if price.tiers is not None or price.tiers_mode is not None:
            yield "tiers and tiers_mode belong to tiered prices; remove them or set billing_scheme: tiered"
    yield from _quantity_problems("free_units", price.free_units)
    if price.minimum_amount is not None:
        yield from _amount_problems("minimum_amount", price.minimum_amount)
    # DESIGN's own example sets revenue_share on a platform price (package_id null); it is accepted
    # there and pays nobody, since no partner owns platform usage.
    if price.revenue_share is not None:
        share = price.revenue_share
        if not Decimal(0) <= share <= Decimal(1):
            yield f'revenue_share must be between 0 and 1 (a fraction, e.g. "0.70"), got {share}'
        elif _places(share) > _SHARE_PLACES:
            yield f"revenue_share has more than {_SHARE_PLACES} decimal places ({share})"
    if price.transform_quantity is not None:
        divide_by = price.transform_quantity.divide_by
        if divide_by <= 0:
            yield f"transform_quantity.divide_by must be greater than 0, got {divide_by}"
        else:
            yield from _quantity_problems("transform_quantity.divide_by", divide_by)


def _percentage_problems(price: Price) -> Iterable[str]:
    if price.unit_amount is not None or price.tiers is not None or price.tiers_mode is not None:
        yield (
            "unit_amount, tiers and tiers_mode belong to per_unit and tiered prices; a percentage price "
            'takes percentage: {rate: "2.9", fixed_amount: "0.30"}'
        )
    if price.transform_quantity is not None:
        yield "transform_quantity does not apply to a percentage price (it rates amounts, not units); remove it"
    if price.free_units != 0:
        yield (
            "free_units is not supported on a percentage price (a rate applies to every event's amount); "
            "remove it, or use minimum_amount for a floor on the line"
        )
    percentage = price.percentage
    if percentage is None:
        yield 'billing_scheme percentage needs percentage: {rate: "2.9"} (percent of each event\'s amount)'
        return
    if not Decimal(0) <= percentage.rate <= Decimal(100):
        yield f'percentage.rate is a percentage between 0 and 100 (e.g. "2.9" for 2.9 %), got {percentage.rate}'
    elif _places(percentage.rate) > _RATE_PLACES:
        yield f"percentage.rate has more than {_RATE_PLACES} decimal places ({percentage.rate})"
    for field in ("fixed_amount", "per_event_minimum_amount", "per_event_maximum_amount"):
        amount = getattr(percentage, field)
        if amount is not None:
            yield from _amount_problems(f"percentage.{field}", amount)
    low, high = percentage.per_event_minimum_amount, percentage.per_event_maximum_amount
    if low is not None and high is not None and low > high:
        yield (
            f"percentage.per_event_minimum_amount ({low}) is above per_event_maximum_amount ({high}); "
            "swap them or drop one"
        )


def _tier_problems(tiers: list[Tier]) -> Iterable[str]:
    previous: Decimal | None = None
    for position, tier in enumerate(tiers):
        where = f"tiers[{position}]"
        if tier.unit_amount is None and tier.flat_amount is None:
            yield f'{where} needs unit_amount or flat_amount (or both), e.g. unit_amount: "0.002"'
        for field in ("unit_amount", "flat_amount"):
            amount = getattr(tier, field)
            if amount is not None:
                yield from _amount_problems(f"{where}.{field}", amount)
        if tier.up_to is None:
            if position != len(tiers) - 1:
                yield f"{where}: only the last tier may have up_to: inf"
            continue
        if tier.up_to <= 0:
            yield f"{where}: up_to must be greater than 0, got {tier.up_to}"
        elif previous is not None and tier.up_to <= previous:
            yield f"up_to must increase ({previous} then {tier.up_to})"
        yield from _quantity_problems(f"{where}.up_to", tier.up_to)
        previous = tier.up_to
    if tiers[-1].up_to is not None:
        yield "tiers must end with up_to: inf"


def _amount_problems(field: str, amount: Decimal) -> Iterable[str]:
    if amount < 0:
        yield f"{field} must not be negative, got {amount}"
    if _places(amount) > _AMOUNT_PLACES:
        yield f"{field} has more than {_AMOUNT_PLACES} decimal places ({amount})"


def _quantity_problems(field: str, quantity: Decimal) -> Iterable[str]:
    if quantity < 0:
        yield f"{field} must not be negative, got {quantity}"
    if _places(quantity) > _QUANTITY_PLACES:
        yield f"{field} has more than {_QUANTITY_PLACES} decimal places ({quantity})"


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# ---------------------------------------------------------------------------------------------------------
# versions (DESIGN 3.2, 3.8: PUT /v1/price-book?effective_from=, `atom price-book publish`)
#
# A version rates every month from its ``effective_from`` until the next version's. The file price book
# ($ATOM_HOME/price_book.yaml, what the generator writes) is the version in force "from the beginning":
# before the first stored version, or always when none is stored. Both the API and the CLI publish
# through :func:`publish_price_book`, so they validate, refuse and audit alike.

BEGINNING = "0000-00"  # sorts before every YYYY-MM: the file price book's effective_from


class PriceBookVersionError(ValueError):
    """A version that cannot be published as asked; ``status`` is the HTTP answer the API gives."""

    def __init__(self, status: int, reason: str, problems: list[str]) -> None:
        self.status = status
        self.reason = reason
        self.problems = problems
        super().__init__("; ".join(problems))


class BookVersion(BaseModel):
    """One version as rating sees it: ``effective_from`` is ``YYYY-MM``, or ``None`` for the file book."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    effective_from: str | None
    book: PriceBook
    yaml_text: str
    sha256: str
    source_uri: str
    created_by: str | None = None
    created_at: datetime | None = None


def parse_effective_from(text: str) -> str:
    """``YYYY-MM`` checked (a real month, years 1900-2099), or :class:`PriceBookVersionError` (422)."""
    value = (text or "").strip()
    try:
        if len(value) != 7 or value[:2] not in ("19", "20"):
            raise ValueError(value)
        parse_period(value)
    except ValueError:
        raise PriceBookVersionError(
            422,
            "invalid_effective_from",
            [f"effective_from {text!r} is not a month: use YYYY-MM, e.g. 2027-01"],
        ) from None
    return value


def file_version(path: Path | None) -> BookVersion | None:
    """The file price book as the version in force from the beginning, or ``None`` when there is no file."""
    if path is None or not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    book = parse_price_book(text, source=str(path))
    return BookVersion(
        effective_from=None,
        book=book,
        yaml_text=text,
        sha256=book.content_sha256,
        source_uri=path.as_uri(),
    )


def stored_versions(session: Session) -> list[BookVersion]:
    """Every published version, oldest first (the operational DB's ``price_book_versions``)."""
    found = []
    for row in session.scalars(select(PriceBookVersion).order_by(PriceBookVersion.effective_from)):
        book = parse_price_book(row.yaml_text, source=f"price book effective from {row.effective_from}")
        found.append(
            BookVersion(
                effective_from=row.effective_from,
                book=book,
                yaml_text=row.yaml_text,
                sha256=row.sha256,
                source_uri=f"opdb:price_book_versions/{row.effective_from}",
                created_by=row.created_by,
                created_at=row.created_at,
            )
        )
    return found


def all_versions(session: Session, file_path: Path | None) -> list[BookVersion]:
    """What rating uses: the file book (from the beginning) when present, then every stored version."""
    found = file_version(file_path)
    return ([found] if found else []) + stored_versions(session)


def version_in_force(versions: list[BookVersion], period: str) -> BookVersion | None:
    """The version that rates ``period``: the latest whose effective_from is not after it."""
    chosen = None
    for version in versions:
        if (version.effective_from or BEGINNING) <= period:
            chosen = version
    return chosen


def publish_price_book(
    session: Session,
    yaml_text: str,
    effective_from: str,
    *,
    actor: str,
    api_key_id: str | None = None,
    request_id: str | None = None,
    file_path: Path | None = None,
) -> BookVersion:
    """Validate ``yaml_text`` and store it as the version that rates months from ``effective_from`` on.

    Refused with every problem listed (422) when the YAML is not a valid price book, when its currency
    differs from the books already in use (invoices of one marketplace are in one currency), or when a
    subscription in the months it would rate holds a plan it does not define. Refused (409) when that month
    or a later one is already closed: finalized months are never re-rated. Publishing again for the same
    month replaces that version (audited with both digests). The caller commits."""
    effective_from = parse_effective_from(effective_from)
    try:
        book = parse_price_book(yaml_text, source=f"price book effective from {effective_from}")
    except PriceBookError as exc:
        raise PriceBookVersionError(422, "invalid_price_book", exc.problems) from None

    closed = session.scalars(
        select(BillingRun.period).where(BillingRun.period >= effective_from).order_by(BillingRun.period)
    ).all()
    if closed:
        raise PriceBookVersionError(
            409,
            "period_closed",
            [
                f"{', '.join(closed)} already closed (finalized invoices are never re-rated): publish with "
                f"effective_from after {closed[-1]}"
            ],
        )

    versions = all_versions(session, file_path)
    problems = [
        f"currency {book.currency!r} differs from {v.book.currency!r} of the version effective from "
        f"{v.effective_from or 'the beginning'}: one marketplace invoices in one currency"
        for v in versions
        if v.effective_from != effective_from and v.book.currency != book.currency
    ][:1]
    # The months this version would rate: from effective_from to the next stored version's.
    later = sorted(
        v.effective_from for v in versions if v.effective_from and v.effective_from > effective_from
    )
    until = later[0] if later else None
    plan_ids = {plan.id for plan in book.plans}
    start = _month_start(effective_from)
    end = _month_start(until) if until else None
    for sub in session.scalars(
        select(Subscription).order_by(Subscription.tenant_id, Subscription.started_on)
    ):
        overlaps = (sub.ended_on is None or sub.ended_on > start) and (end is None or sub.started_on < end)
        if overlaps and sub.plan_id not in plan_ids:
            problems.append(
                f"tenant {sub.tenant_id} holds plan {sub.plan_id!r} from {sub.started_on}, in the months this "
                f"version rates: keep plan {sub.plan_id!r} in `plans:` or move the tenant to another plan first"
            )
    if problems:
        raise PriceBookVersionError(422, "invalid_price_book", problems)

    digest = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
    moment = now().replace(tzinfo=None)
    row = session.get(PriceBookVersion, effective_from)
    previous = row.sha256 if row is not None else None
    if row is None:
        row = PriceBookVersion(effective_from=effective_from)
        session.add(row)
    row.yaml_text = yaml_text
    row.sha256 = digest
    row.created_by = actor
    row.created_at = moment
    session.add(
        AuditLog(
            occurred_at=moment,
            api_key_id=api_key_id,
            actor=actor,
            action="price_book.publish",
            target_type="price_book_version",
            target_id=effective_from,
            details_json=orjson.dumps(
                {
                    "sha256": digest,
                    "replaces_sha256": previous,
                    "currency": book.currency,
                    "plans": sorted(plan_ids),
                    "prices": sorted(p.id for p in book.prices),
                },
                option=orjson.OPT_SORT_KEYS,
            ).decode(),
            request_id=request_id,
        )
    )
    session.flush()
    return BookVersion(
        effective_from=effective_from,
        book=book,
        yaml_text=yaml_text,
        sha256=digest,
        source_uri=f"opdb:price_book_versions/{effective_from}",
        created_by=actor,
        created_at=moment,
    )


def _month_start(period: str) -> date:
    return parse_period(period)

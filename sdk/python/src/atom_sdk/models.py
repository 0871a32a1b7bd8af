"""Typed models of the API's documents (DESIGN 3.1, 3.3, 3.6, 3.8).

Response models accept fields they do not know (``extra="allow"``): the API may add fields without
breaking partners' installed SDKs. Quantities and amounts are ``Decimal``, never float.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from atom_sdk.ids import new_event_id


def format_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``; a naive datetime is taken to be UTC already."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_quantity(value: Decimal | int | str | float) -> str:
    """A decimal string; floats go through ``repr`` so 0.1 stays ``0.1`` and not 0.1000000000000000055…"""
    if isinstance(value, bool):
        raise TypeError("quantity must be a number, not a bool")
    if isinstance(value, float):
        value = Decimal(repr(value))
    quantity = Decimal(value)
    if not quantity.is_finite():
        raise ValueError(f"quantity must be a finite decimal, got {value!r}")
    if quantity < 0:
        raise ValueError(f"quantity must be >= 0, got {value!r}")
    return str(quantity)


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class UsageEvent(BaseModel):
    """One usage event (DESIGN 3.1). ``id`` defaults to a fresh ``evt_<ULID>`` made here, on the client."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_event_id, min_length=1)
    tenant_id: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    quantity: Decimal = Decimal(1)
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    package_id: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("quantity", mode="before")
    @classmethod
    def _exact_quantity(cls, value: Any) -> Any:
        return format_quantity(value) if isinstance(value, int | float | Decimal | str) else value

    @field_serializer("quantity")
    def _quantity_text(self, value: Decimal) -> str:
        return str(value)

    @field_serializer("timestamp")
    def _timestamp_text(self, value: datetime) -> str:
        return format_timestamp(value)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class EventError(_Response):
    """Why the event at ``index`` of the sent batch was rejected (and quarantined)."""

    index: int
    reason: str
    detail: str | None = None


class UsageReceipt(_Response):
    """The API's answer to one batch: ``accepted + duplicates + rejected`` = events sent."""

    received: int | None = None
    accepted: int
    duplicates: int = 0
    rejected: int = 0
    errors: list[EventError] = Field(default_factory=list)


class MetricUsage(_Response):
    """One metric (of one package, or of the platform when ``package_id`` is None) in one month.

    ``quantity`` is the month's quantity by the metric's ``aggregation`` (a max metric's largest reading, a
    unique_count metric's distinct values); ``quantity_sum`` the plain sum of the events' quantities."""

    metric: str
    package_id: str | None = None
    quantity: Decimal = Decimal(0)
    event_count: int | None = None
    aggregation: str | None = None
    quantity_sum: Decimal | None = None


class TenantUsage(_Response):
    """Usage of one tenant in one month, by metric, as the last build rated it."""

    tenant_id: str
    period: str
    metrics: list[MetricUsage] = Field(default_factory=list)

    def quantity(self, metric: str) -> Decimal:
        """``metric``'s quantity, its packages' added up (0 when the tenant has none). Exact for count and
        sum metrics; for the others read each package's row in ``metrics``."""
        return sum((m.quantity for m in self.metrics if m.metric == metric), Decimal(0))

    def event_count(self, metric: str) -> int:
        return sum(m.event_count or 0 for m in self.metrics if m.metric == metric)


class InvoiceLine(_Response):
    kind: str | None = None
    price_id: str | None = None
    metric: str | None = None
    package_id: str | None = None
    period: str | None = None
    quantity: Decimal | None = None
    amount: Decimal


class Invoice(_Response):
    """A draft or finalized invoice (DESIGN 3.3); drafts have no ``number`` yet."""

    number: str | None = None
    tenant_id: str | None = None
    period: str
    status: str
    currency: str
    total: Decimal
    usage_amount: Decimal | None = None
    recurring_amount: Decimal | None = None
    line_count: int | None = None
    stripe_invoice_id: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)


class PublishReceipt(_Response):
    """``202`` from ``POST /v1/packages``: the submission waits for governance."""

    submission_id: str
    status: str


class QueueReason(_Response):
    """One reason a submission waits for a human: a threshold, a rule, a policy, the signature, the
    manifest, the scanner's decision or its history (``kind``); ``code`` is the rule or policy id."""

    kind: str
    code: str
    text: str


class InfoRequest(_Response):
    """A reviewer's question about a submission and, once given, the publisher's answer."""

    id: int
    question: str
    requested_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None


class ScheduledRejection(_Response):
    """A reviewer's rejection that takes effect on ``effective_on`` unless a higher version arrives first."""

    effective_on: date
    reason: str
    scheduled_at: datetime | None = None


class AnswerReceipt(_Response):
    """``201`` from ``POST /v1/submissions/{id}/answers``: the submission is back in review."""

    submission_id: str
    status: str
    info_request: InfoRequest


class Submission(_Response):
    """A package submission and, once scanned, its governance report (DESIGN 3.6)."""

    id: str = Field(validation_alias="submission_id")
    status: str
    package: str | None = None
    version: str | None = None
    sha256: str | None = None
    report: dict[str, Any] | None = None
    queue_reasons: list[QueueReason] = Field(default_factory=list)
    info_requests: list[InfoRequest] = Field(default_factory=list)
    scheduled_rejection: ScheduledRejection | None = None

    @property
    def open_question(self) -> InfoRequest | None:
        """The reviewer's question waiting for an answer (status ``info_requested``), if any."""
        return next((q for q in reversed(self.info_requests) if q.answered_at is None), None)

    @property
    def is_final(self) -> bool:
        return self.status in ("approved", "rejected")


class PackageVersion(_Response):
    version: str
    status: str | None = None
    sha256: str | None = None
    published_at: datetime | None = None


class Package(_Response):
    name: str
    package_id: str | None = None
    publisher_id: str | None = None
    publisher: str | None = None
    description: str | None = None
    versions: list[PackageVersion] = Field(default_factory=list)


class Tenant(_Response):
    id: str
    name: str


class Publisher(_Response):
    id: str
    name: str


class PublicKey(_Response):
    """A publisher's registered public signing key (PEM); downloads are verified against unrevoked ones."""

    key_id: str
    public_key: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None


class PayoutAccount(_Response):
    publisher_id: str
    stripe_account_id: str
    previous_stripe_account_id: str | None = None


class StatementLine(_Response):
    package_id: str
    gross_amount: Decimal
    payout_amount: Decimal
    platform_fee_amount: Decimal


class Statement(_Response):
    """A publisher's statement for a closed month, from its finalized documents."""

    publisher_id: str | None = None
    period: str
    currency: str
    lines: list[StatementLine] = Field(default_factory=list)
    gross_amount: Decimal | None = None
    platform_fee_amount: Decimal | None = None
    payout_amount: Decimal
    transfer_id: str | None = None


class Install(_Response):
    install_id: int
    tenant_id: str
    package: str
    package_id: str | None = None
    version: str
    installed_at: datetime


class CreditNote(_Response):
    number: str
    invoice_number: str
    tenant_id: str
    currency: str
    amount: Decimal
    reason: str
    issued_on: date
    stripe_credit_note_id: str | None = None
    invoice_total: Decimal | None = None
    credited_total: Decimal | None = None
    remaining: Decimal | None = None


class VoidedInvoice(_Response):
    number: str
    status: str
    stripe_invoice_id: str | None = None
    stripe_synced: bool = False


class PriceBookVersion(_Response):
    """A price-book version (admin): it rates every month from ``effective_from`` until the next version's.

    ``effective_from`` is ``YYYY-MM``, or ``None`` for the home's file price book (in force from the beginning);
    ``period`` is set when the version was asked for as the one in force in a month."""

    effective_from: str | None = None
    sha256: str
    currency: str
    plans: list[str] = Field(default_factory=list)
    prices: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    created_by: str | None = None
    created_at: datetime | None = None
    yaml: str = ""
    period: str | None = None


class Subscription(_Response):
    id: str
    plan_id: str
    started_on: date
    ended_on: date | None = None  # the first day no longer held; None while it runs
    is_trial: bool = False


class TenantPlan(_Response):
    """A tenant's lifecycle state and plans over time (admin)."""

    tenant_id: str
    status: str | None = None
    subscriptions: list[Subscription] = Field(default_factory=list)

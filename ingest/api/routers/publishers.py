"""Publishers (admin creates them) and their public signing keys (DESIGN 3.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from atom.opdb import PartnerAccount, Publisher, PublisherKey
from atom.opdb.registry import utcnow
from billing.money import format_minor
from billing.payouts import statement
from billing.periods import PERIOD_PATTERN
from governance.signatures import SignatureFormatError, key_id, load_public_key
from ingest.api.audit import record_audit
from ingest.api.deps import AdminKey, CurrentKey, DbSession, request_id
from ingest.api.errors import ApiError, error_responses, forbidden, not_found

router = APIRouter(tags=["publishers"])

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
PublisherId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


class PublisherIn(BaseModel):
    id: str = Field(
        pattern=ID_PATTERN, max_length=64, examples=["acme"], description="also wpk.toml's publisher"
    )
    name: str = Field(min_length=1, max_length=200)


class PublisherOut(BaseModel):
    id: str
    name: str
    created_at: datetime


class PublicKeyIn(BaseModel):
    public_key: str = Field(
        max_length=16_384, description="PEM SubjectPublicKeyInfo, ECDSA P-256 (cosign.pub) or Ed25519"
    )


class PublicKeyOut(BaseModel):
    key_id: str
    publisher_id: str
    created_at: datetime
    revoked_at: datetime | None


@router.post(
    "/v1/publishers",
    status_code=201,
    response_model=PublisherOut,
    summary="Create a publisher (admin)",
    responses=error_responses(401, 403, 409, 422, 429),
)
def create_publisher(
    body: PublisherIn, principal: AdminKey, session: DbSession, request: Request
) -> PublisherOut:
    publisher = Publisher(id=body.id, name=body.name, created_at=utcnow())
    session.add(publisher)
    try:
        session.flush()
    except IntegrityError:
        raise ApiError(409, "already_exists", f"publisher {body.id} already exists") from None
    record_audit(
        session,
        principal,
        action="publisher.create",
        target_type="publisher",
        target_id=body.id,
        details=body.model_dump(),
        request_id=request_id(request),
    )
    return PublisherOut(id=publisher.id, name=publisher.name, created_at=publisher.created_at)


@router.get(
    "/v1/publishers",
    response_model=list[PublisherOut],
    summary="List publishers (admin)",
    responses=error_responses(401, 403, 429),
)
def list_publishers(_principal: AdminKey, session: DbSession) -> list[PublisherOut]:
    return [
        PublisherOut(id=p.id, name=p.name, created_at=p.created_at)
        for p in session.scalars(select(Publisher).order_by(Publisher.id))
    ]


def _publisher_for(principal_ok: bool, session: DbSession, publisher_id: str) -> Publisher:
    if not principal_ok:
        raise forbidden(f"this key does not act for publisher {publisher_id}")
    publisher = session.get(Publisher, publisher_id)
    if publisher is None:
        raise not_found(f"no publisher {publisher_id}")
    return publisher


@router.post(
    "/v1/publishers/{publisher_id}/keys",
    status_code=201,
    response_model=PublicKeyOut,
    summary="Register a public signing key (that publisher or admin)",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def register_key(
    publisher_id: PublisherId, body: PublicKeyIn, principal: CurrentKey, session: DbSession, request: Request
) -> PublicKeyOut:
    _publisher_for(principal.acts_for_publisher(publisher_id), session, publisher_id)
    try:
        load_public_key(body.public_key)
        kid = key_id(body.public_key)
    except SignatureFormatError as exc:
        raise ApiError(422, "bad_public_key", str(exc)) from None
    existing = session.get(PublisherKey, kid)
    if existing is not None:
        if existing.publisher_id != publisher_id:
            raise ApiError(409, "key_in_use", "this public key is registered to another publisher")
        raise ApiError(409, "already_exists", f"key {kid} is already registered")
    row = PublisherKey(
        key_id=kid,
        publisher_id=publisher_id,
        public_key_pem=body.public_key,
        created_at=utcnow(),
        revoked_at=None,
    )
    session.add(row)
    record_audit(
        session,
        principal,
        action="publisher_key.register",
        target_type="publisher_key",
        target_id=kid,
        details={"publisher_id": publisher_id},
        request_id=request_id(request),
    )
    return PublicKeyOut(key_id=kid, publisher_id=publisher_id, created_at=row.created_at, revoked_at=None)


@router.get(
    "/v1/publishers/{publisher_id}/keys",
    response_model=list[PublicKeyOut],
    summary="A publisher's signing keys (that publisher or admin)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def list_keys(publisher_id: PublisherId, principal: CurrentKey, session: DbSession) -> list[PublicKeyOut]:
    _publisher_for(principal.acts_for_publisher(publisher_id), session, publisher_id)
    rows = session.scalars(
        select(PublisherKey)
        .where(PublisherKey.publisher_id == publisher_id)
        .order_by(PublisherKey.created_at)
    )
    return [
        PublicKeyOut(
            key_id=r.key_id, publisher_id=r.publisher_id, created_at=r.created_at, revoked_at=r.revoked_at
        )
        for r in rows
    ]


@router.post(
    "/v1/publishers/{publisher_id}/keys/{key_id}/revoke",
    response_model=PublicKeyOut,
    summary="Revoke a signing key (that publisher or admin); later uploads signed with it are refused",
    responses=error_responses(401, 403, 404, 422, 429),
)
def revoke_key(
    publisher_id: PublisherId, key_id: KeyId, principal: CurrentKey, session: DbSession, request: Request
) -> PublicKeyOut:
    _publisher_for(principal.acts_for_publisher(publisher_id), session, publisher_id)
    row = session.get(PublisherKey, key_id)
    if row is None or row.publisher_id != publisher_id:
        raise not_found(f"publisher {publisher_id} has no key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_audit(
            session,
            principal,
            action="publisher_key.revoke",
            target_type="publisher_key",
            target_id=key_id,
            details={"publisher_id": publisher_id},
            request_id=request_id(request),
        )
    return PublicKeyOut(
        key_id=row.key_id, publisher_id=row.publisher_id, created_at=row.created_at, revoked_at=row.revoked_at
    )


class PublicKeyPemOut(BaseModel):
    key_id: str
    public_key: str = Field(description="PEM SubjectPublicKeyInfo")
    created_at: datetime
    revoked_at: datetime | None


@router.get(
    "/v1/publishers/{publisher_id}/public-keys",
    response_model=list[PublicKeyPemOut],
    summary="A publisher's public signing keys as PEM (any key): what downloads are verified against",
    description=(
        "Public keys are public: any key may read them, so a tenant can check a downloaded package's "
        "`X-Atom-Signature` before running it. Revoked keys are listed with `revoked_at`; the SDKs "
        "accept only unrevoked ones. Callers who pin keys out of band need not trust this list."
    ),
    responses=error_responses(401, 404, 422, 429),
)
def list_public_keys(
    publisher_id: PublisherId, _principal: CurrentKey, session: DbSession
) -> list[PublicKeyPemOut]:
    if session.get(Publisher, publisher_id) is None:
        raise not_found(f"no publisher {publisher_id}")
    rows = session.scalars(
        select(PublisherKey)
        .where(PublisherKey.publisher_id == publisher_id)
        .order_by(PublisherKey.created_at, PublisherKey.key_id)
    )
    return [
        PublicKeyPemOut(
            key_id=r.key_id, public_key=r.public_key_pem, created_at=r.created_at, revoked_at=r.revoked_at
        )
        for r in rows
    ]


class PayoutAccountIn(BaseModel):
    stripe_account_id: str = Field(
        pattern=r"^acct_[A-Za-z0-9]{1,250}$",
        examples=["acct_1Nv0FGQ9RKHgCVdK"],
        description="the publisher's Stripe Connect account (acct_...)",
    )


class PayoutAccountOut(BaseModel):
    publisher_id: str
    stripe_account_id: str
    previous_stripe_account_id: str | None


@router.put(
    "/v1/publishers/{publisher_id}/payout-account",
    response_model=PayoutAccountOut,
    summary="Where the publisher's payouts go: a Stripe Connect account (that publisher or admin)",
    description=(
        "Transfers of months paid after this go to the account (live with a Stripe key, dry-run records "
        "without one). 422 when `stripe_account_id` is not `acct_...`."
    ),
    responses=error_responses(401, 403, 404, 422, 429),
)
def set_payout_account(
    publisher_id: PublisherId,
    body: PayoutAccountIn,
    principal: CurrentKey,
    session: DbSession,
    request: Request,
) -> PayoutAccountOut:
    _publisher_for(principal.acts_for_publisher(publisher_id), session, publisher_id)
    account = session.get(PartnerAccount, publisher_id)
    previous = account.stripe_account_id if account else None
    if account is None:
        account = PartnerAccount(publisher_id=publisher_id, stripe_account_id=body.stripe_account_id)
        session.add(account)
    else:
        account.stripe_account_id = body.stripe_account_id
    record_audit(
        session,
        principal,
        action="publisher.payout_account",
        target_type="publisher",
        target_id=publisher_id,
        details={"stripe_account_id": body.stripe_account_id, "previous": previous},
        request_id=request_id(request),
    )
    return PayoutAccountOut(
        publisher_id=publisher_id,
        stripe_account_id=body.stripe_account_id,
        previous_stripe_account_id=previous,
    )


class StatementLineOut(BaseModel):
    package_id: str
    gross_amount: str
    payout_amount: str
    platform_fee_amount: str


class StatementOut(BaseModel):
    publisher_id: str
    period: str
    currency: str
    lines: list[StatementLineOut]
    gross_amount: str
    platform_fee_amount: str
    payout_amount: str
    transfer_id: str | None


@router.get(
    "/v1/publishers/{publisher_id}/statements",
    response_model=StatementOut,
    summary="A publisher's statement for a closed month (that publisher or admin)",
    description=(
        "From the month's finalized documents (late-usage adjustments included), by package; amounts are "
        "decimal strings with the currency's places. `transfer_id` once the month's payouts ran. "
        "404 `not_finalized` for a month that is not closed."
    ),
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_statement(
    publisher_id: PublisherId,
    principal: CurrentKey,
    session: DbSession,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="YYYY-MM")],
) -> StatementOut:
    _publisher_for(principal.acts_for_publisher(publisher_id), session, publisher_id)
    found = statement(session, publisher_id, period)
    if not found.closed:
        raise ApiError(404, "not_finalized", f"{period} is not closed yet: no statement")
    mu = found.minor_units
    return StatementOut(
        publisher_id=publisher_id,
        period=period,
        currency=found.currency,
        lines=[
            StatementLineOut(
                package_id=line.package_id,
                gross_amount=format_minor(line.gross_minor, mu),
                payout_amount=format_minor(line.payout_minor, mu),
                platform_fee_amount=format_minor(line.platform_fee_minor, mu),
            )
            for line in found.lines
        ],
        gross_amount=format_minor(sum(line.gross_minor for line in found.lines), mu),
        platform_fee_amount=format_minor(sum(line.platform_fee_minor for line in found.lines), mu),
        payout_amount=format_minor(found.payout_minor, mu),
        transfer_id=found.transfer_id,
    )

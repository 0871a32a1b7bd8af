"""Typed declarative models of the operational DB.

Datetimes are naive and hold UTC: SQLite keeps no zone and the warehouse's ``raw`` tables use
``TIMESTAMP`` without one (ingest/raw_schema.py), so one convention holds from end to end.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints let later Alembic revisions drop or alter them by name, SQLite batch mode included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_STATES = ("trialing", "active", "past_due", "suspended", "churned", "reactivated")
_STATES_SQL = ", ".join(f"'{state}'" for state in TENANT_STATES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Publisher(Base):
    """A partner that publishes packages; ids look like ``pub_acme``."""

    __tablename__ = "publishers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime())

    # Relationships also tell the unit of work to insert parents before children.
    packages: Mapped[list[Package]] = relationship(back_populates="publisher")


class Package(Base):
    """A workflow package; ``name`` is the manifest's slug (DESIGN 3.4), ids look like ``pkg_slack_notify``."""

    __tablename__ = "packages"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(DateTime())

    publisher: Mapped[Publisher] = relationship(back_populates="packages")
    versions: Mapped[list[PackageVersion]] = relationship(back_populates="package")


class PackageVersion(Base):
    """One published version of a package; ``sha256`` is the .wpk's digest when the artifact is stored."""

    __tablename__ = "package_versions"

    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(DateTime())
    sha256: Mapped[str | None] = mapped_column(String(64))

    package: Mapped[Package] = relationship(back_populates="versions")


class Tenant(Base):
    """A customer organisation; ids look like ``ten_acme``."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime())

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="tenant")
    events: Mapped[list[TenantEvent]] = relationship(back_populates="tenant")


class Subscription(Base):
    """A tenant held ``plan_id`` over ``[started_on, ended_on)``; ``ended_on`` null means still open.

    ``plan_id`` names a plan of the price book, which lives in YAML, hence no foreign key.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on > started_on", name="interval_not_empty"),
        Index("ix_subscriptions_tenant_id_started_on", "tenant_id", "started_on"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    plan_id: Mapped[str] = mapped_column(String(64))
    is_trial: Mapped[bool] = mapped_column(Boolean(), default=False)
    started_on: Mapped[date] = mapped_column(Date())
    ended_on: Mapped[date | None] = mapped_column(Date())

    tenant: Mapped[Tenant] = relationship(back_populates="subscriptions")


class TenantEvent(Base):
    """A dated lifecycle change; the tenant's state is the one of its latest event."""

    __tablename__ = "tenant_events"
    __table_args__ = (
        # ``suspended`` arrived with revision 0700 (an operator's or dunning's suspension, issue 15).
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        Index("ix_tenant_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    state: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime())

    tenant: Mapped[Tenant] = relationship(back_populates="events")


class PriceBookVersion(Base):
    """A price book (DESIGN 3.2) published through the API or ``atom price-book publish``: it rates every
    month from ``effective_from`` (``YYYY-MM``) until the next version's. Stored as the YAML text sent, so
    what rates a month is exactly what was published; ``sha256`` is that text's digest (revision 0700)."""

    __tablename__ = "price_book_versions"

    effective_from: Mapped[str] = mapped_column(String(7), primary_key=True)
    yaml_text: Mapped[str] = mapped_column(Text())
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime())

"""The operational database: the system of record for marketplace entities and decisions (DESIGN 2).

SQLAlchemy 2 models in :mod:`atom.opdb.models`, engines, sessions and migrations in :mod:`atom.opdb.db`.
"""

from atom.opdb.db import make_engine, migrate, session_scope
from atom.opdb.models import (
    Base,
    Package,
    PackageVersion,
    PriceBookVersion,
    Publisher,
    Subscription,
    Tenant,
    TenantEvent,
)

__all__ = [
    "Base",
    "Package",
    "PackageVersion",
    "PriceBookVersion",
    "Publisher",
    "Subscription",
    "Tenant",
    "TenantEvent",
    "make_engine",
    "migrate",
    "session_scope",
]

# Registry tables (intake API, issue 4): imported here so Base.metadata knows them wherever opdb is used.
from atom.opdb.registry import (
    ApiKey,
    AuditLog,
    PackageYank,
    PublisherKey,
    Submission,
    record_submission_outcome,
)

__all__ += ["ApiKey", "AuditLog", "PackageYank", "PublisherKey", "Submission", "record_submission_outcome"]

# Billing's models share Base; importing them here registers them with its metadata.
from atom.opdb.billing import (  # noqa: E402
    BillingAccount,
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    PartnerAccount,
    PartnerPayout,
    StripeEvent,
    StripeRequest,
)

__all__ += [
    "BillingAccount",
    "BillingRun",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberSequence",
    "PartnerAccount",
    "PartnerPayout",
    "StripeEvent",
    "StripeRequest",
]

# Portal accounts and review locks (issue 6) share Base as well.
from atom.opdb.portal import PortalUser, ReviewLock  # noqa: E402

__all__ += ["PortalUser", "ReviewLock"]

# Operator credit notes and package installs (issue 15, decision 0710).
from atom.opdb.marketplace_ops import CreditNote, Install  # noqa: E402

__all__ += ["CreditNote", "Install"]

# The reviewer's requests, delayed rejections and scan suppressions (issue 16 item 5, issue 15 item 7).
from atom.opdb.reviews import DelayedRejection, InfoRequest, ScanSuppression  # noqa: E402

__all__ += ["DelayedRejection", "InfoRequest", "ScanSuppression"]

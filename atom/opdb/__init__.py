"""The operational database: the system of record for marketplace entities and decisions (DESIGN 2).

SQLAlchemy 2 models in :mod:`atom.opdb.models`, engines, sessions and migrations in :mod:`atom.opdb.db`.
"""

from atom.opdb.db import make_engine, migrate, session_scope
from atom.opdb.models import (
    Base,
    Package,
    PackageVersion,
    Publisher,
    Subscription,
    Tenant,
    TenantEvent,
)

__all__ = [
    "Base",
    "Package",
    "PackageVersion",
    "Publisher",
    "Subscription",
    "Tenant",
    "TenantEvent",
    "make_engine",
    "migrate",
    "session_scope",
]

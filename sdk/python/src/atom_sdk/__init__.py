"""Python SDK of the ATOM Marketplace intake API (DESIGN 3.8)."""

__version__ = "0.1.0"

from atom_sdk import keys
from atom_sdk.client import AsyncClient, Client
from atom_sdk.errors import (
    APIConnectionError,
    ApiError,
    AtomError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PackageError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RecorderError,
    ServerError,
    ValidationError,
)
from atom_sdk.ids import new_event_id
from atom_sdk.models import (
    EventError,
    Invoice,
    InvoiceLine,
    MetricUsage,
    Package,
    PublishReceipt,
    Submission,
    TenantUsage,
    UsageEvent,
    UsageReceipt,
)
from atom_sdk.packaging import build_package, sign_package
from atom_sdk.recorder import AsyncUsageRecorder, RecorderStats, UsageRecorder
from atom_sdk.retry import RetryPolicy

__all__ = [
    "APIConnectionError",
    "ApiError",
    "AsyncClient",
    "AsyncUsageRecorder",
    "AtomError",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "EventError",
    "Invoice",
    "InvoiceLine",
    "MetricUsage",
    "NotFoundError",
    "Package",
    "PackageError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PublishReceipt",
    "RateLimitError",
    "RecorderError",
    "RecorderStats",
    "RetryPolicy",
    "ServerError",
    "Submission",
    "TenantUsage",
    "UsageEvent",
    "UsageReceipt",
    "UsageRecorder",
    "ValidationError",
    "build_package",
    "keys",
    "new_event_id",
    "sign_package",
]

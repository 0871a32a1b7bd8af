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
    SignatureVerificationError,
    ValidationError,
)
from atom_sdk.ids import new_event_id
from atom_sdk.models import (
    CreditNote,
    EventError,
    Install,
    Invoice,
    InvoiceLine,
    MetricUsage,
    Package,
    PayoutAccount,
    PublicKey,
    PublishReceipt,
    Statement,
    StatementLine,
    Submission,
    TenantUsage,
    UsageEvent,
    UsageReceipt,
    VoidedInvoice,
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
    "CreditNote",
    "EventError",
    "Install",
    "Invoice",
    "InvoiceLine",
    "MetricUsage",
    "NotFoundError",
    "Package",
    "PackageError",
    "PayloadTooLargeError",
    "PayoutAccount",
    "PermissionDeniedError",
    "PublicKey",
    "PublishReceipt",
    "RateLimitError",
    "RecorderError",
    "RecorderStats",
    "RetryPolicy",
    "ServerError",
    "SignatureVerificationError",
    "Statement",
    "StatementLine",
    "Submission",
    "TenantUsage",
    "UsageEvent",
    "UsageReceipt",
    "UsageRecorder",
    "ValidationError",
    "VoidedInvoice",
    "build_package",
    "keys",
    "new_event_id",
    "sign_package",
]

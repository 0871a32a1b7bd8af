"""The audit log: every write through the API, with the acting key (DESIGN 3.8, issue 4).

Rows are written in the same transaction as the change they record, so there is no change without its
audit row and no audit row for a change that rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.orm import Session

from atom.opdb import AuditLog
from atom.opdb.registry import utcnow

if TYPE_CHECKING:
    from ingest.api.keys import Principal


def record_audit(
    session: Session,
    principal: Principal | None,
    *,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
    request_id: str | None = None,
) -> None:
    session.add(
        AuditLog(
            occurred_at=utcnow(),
            api_key_id=principal.key_id if principal else None,
            actor=actor or (f"{principal.role}:{principal.subject}" if principal else "system"),
            action=action,
            target_type=target_type,
            target_id=target_id,
            details_json=orjson.dumps(details or {}, option=orjson.OPT_SORT_KEYS).decode(),
            request_id=request_id,
        )
    )

"""FastAPI dependencies shared by every router, including routers other areas add.

* :func:`get_db_session`: a session on the operational DB that commits when the handler returns
  normally and rolls back when it raises (the Stripe webhook router reuses it). It ends with the path
  operation, *before* the response is sent (``scope="function"``): a client that reads right after a 2xx
  sees the change, and a commit that fails is a 500, never a 2xx.
* :func:`require_key`: the caller's :class:`Principal` from ``Authorization: Bearer``, rate-limited per key;
  an address that sent too many invalid keys is refused before its key is looked at (ingest.api.key_throttle).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from atom.opdb import session_scope
from ingest.api.context import ApiContext
from ingest.api.errors import ApiError, forbidden, unauthorized
from ingest.api.key_throttle import KeyThrottle, client_address
from ingest.api.keys import Principal

_bearer = HTTPBearer(auto_error=False, description="An API key from `atom keys create`")


def get_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


def get_db_session(request: Request) -> Iterator[Session]:
    with session_scope(get_context(request).engine) as session:
        yield session


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    throttle: KeyThrottle = request.app.state.key_throttle
    address = client_address(request)
    retry_after = throttle.retry_after(address)
    if retry_after is not None:
        raise ApiError(
            429,
            "too_many_invalid_keys",
            f"more than {throttle.limit} invalid API keys from this address; retry after {retry_after} s",
            {"Retry-After": str(retry_after)},
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized(
            "send an API key as 'Authorization: Bearer <key>' (create one with atom keys create)"
        )
    ctx = get_context(request)
    principal = ctx.keys.resolve(credentials.credentials)
    if principal is None:
        throttle.record_failure(address)
        raise unauthorized("this API key is not valid or was revoked")
    request.state.key_id = principal.key_id
    if not ctx.limiter.hit(ctx.rate_limit, principal.key_id):
        reset_at, _remaining = ctx.limiter.get_window_stats(ctx.rate_limit, principal.key_id)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"more than {ctx.rate_limit} requests for this key; retry after {retry_after} s",
            {"Retry-After": str(retry_after)},
        )
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_key)]) -> Principal:
    if not principal.is_admin:
        raise forbidden("only an admin key may do this")
    return principal


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


CurrentKey = Annotated[Principal, Depends(require_key)]
AdminKey = Annotated[Principal, Depends(require_admin)]
DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
Context = Annotated[ApiContext, Depends(get_context)]

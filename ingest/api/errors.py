"""The API's error answers: ``{"reason": <stable code>, "detail": <what to fix>}``.

Clients branch on ``reason`` (stable, snake_case); ``detail`` is for people. FastAPI's own request
validation errors keep FastAPI's shape (``detail`` is a list of problems) with ``reason`` added.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel


class ErrorBody(BaseModel):
    reason: str
    detail: Any


class ApiError(Exception):
    def __init__(
        self, status_code: int, reason: str, detail: Any, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status_code} {reason}: {detail}")
        self.status_code = status_code
        self.reason = reason
        self.detail = detail
        self.headers = headers


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON bytes straight from orjson: the hot path skips response-model validation."""
    return Response(
        orjson.dumps(content), status_code=status_code, headers=headers, media_type="application/json"
    )


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", detail, {"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> ApiError:
    return ApiError(403, "forbidden", detail)


def not_found(detail: str) -> ApiError:
    return ApiError(404, "not_found", detail)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error codes a route can answer."""
    return {code: {"model": ErrorBody} for code in codes}


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return json_response(
            {"reason": exc.reason, "detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "loc": list(err.get("loc", ())),
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        return json_response({"reason": "invalid_request", "detail": problems}, status_code=422)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)

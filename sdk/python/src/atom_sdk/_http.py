"""The one place that sends requests: authentication, retries and the mapping of errors to exceptions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from atom_sdk import __version__
from atom_sdk.errors import APIConnectionError, error_from_response
from atom_sdk.retry import RetryPolicy, delay_for_exception, delay_for_response, parse_retry_after

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0


def _headers(api_key: str | None) -> dict[str, str]:
    headers = {"User-Agent": f"atom-sdk-python/{__version__}", "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def _connection_error(exc: BaseException, method: str, url: str, attempts: int) -> APIConnectionError:
    return APIConnectionError(
        f"could not reach the ATOM API ({method} {url}) after {attempts} attempt(s): {exc!r}; "
        "check base_url and that `atom serve` is running"
    )


class SyncHttp:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retry = retry
        self._sleep = sleep
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=_headers(api_key), timeout=timeout, transport=transport
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        retry_number = 0
        while True:
            try:
                response = self.client.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    files=files,
                    data=data,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                delay = delay_for_exception(self.retry, retry_number, exc)
                if delay is None:
                    raise _connection_error(exc, method, path, retry_number + 1) from exc
                self._sleep(delay)
                retry_number += 1
                continue
            if response.status_code < 400:
                return response
            delay = delay_for_response(self.retry, retry_number, response)
            if delay is None:
                raise error_from_response(response, parse_retry_after(response.headers.get("retry-after")))
            self._sleep(delay)
            retry_number += 1

    def close(self) -> None:
        self.client.close()


class AsyncHttp:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.retry = retry
        self._sleep = sleep
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=_headers(api_key), timeout=timeout, transport=transport
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        retry_number = 0
        while True:
            try:
                response = await self.client.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    files=files,
                    data=data,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                delay = delay_for_exception(self.retry, retry_number, exc)
                if delay is None:
                    raise _connection_error(exc, method, path, retry_number + 1) from exc
                await self._sleep(delay)
                retry_number += 1
                continue
            if response.status_code < 400:
                return response
            delay = delay_for_response(self.retry, retry_number, response)
            if delay is None:
                raise error_from_response(response, parse_retry_after(response.headers.get("retry-after")))
            await self._sleep(delay)
            retry_number += 1

    async def aclose(self) -> None:
        await self.client.aclose()

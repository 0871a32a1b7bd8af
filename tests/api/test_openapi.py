"""The committed docs/openapi.json is the spec the API serves; regenerate it with
``.venv/bin/python -m ingest.api.openapi docs/openapi.json`` after changing an endpoint."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from atom.settings import PROJECT_ROOT
from ingest.api.openapi import render


def test_the_committed_openapi_document_is_the_served_one(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    committed = json.loads((PROJECT_ROOT / "docs" / "openapi.json").read_text())
    assert committed == served, (
        "docs/openapi.json is stale: run python -m ingest.api.openapi docs/openapi.json"
    )
    assert render(served) == (PROJECT_ROOT / "docs" / "openapi.json").read_text()


def test_every_contract_call_is_in_the_spec(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/v1/usage", "post"),
        ("/v1/tenants/{tenant_id}/usage", "get"),
        ("/v1/tenants/{tenant_id}/invoices", "get"),
        ("/v1/tenants", "post"),
        ("/v1/tenants", "get"),
        ("/v1/publishers", "post"),
        ("/v1/publishers/{publisher_id}/keys", "post"),
        ("/v1/packages", "post"),
        ("/v1/submissions/{submission_id}", "get"),
        ("/v1/packages", "get"),
        ("/v1/packages/{name}", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing from the spec"


def test_operation_ids_are_the_handlers_names_in_camel_case(client: TestClient) -> None:
    operations = [
        operation
        for methods in client.get("/openapi.json").json()["paths"].values()
        for operation in methods.values()
    ]
    ids = [operation["operationId"] for operation in operations]
    assert len(ids) == len(set(ids))
    assert {"listPackages", "publishPackage", "postUsage", "stripeWebhook", "healthz"} <= set(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", op) for op in ids), ids

"""POST /v1/usage: shapes, limits, per-event reasons, duplicates and durability (DESIGN 3.1, 3.8)."""

from __future__ import annotations

import json
from datetime import date

import orjson
from fastapi.testclient import TestClient

from ingest.landing import read_manifest
from tests.api.conftest import World, event, landed_files, make_client


def post(client: TestClient, world: World, body: object, key: str = "ten_acme", **kwargs: object):
    return client.post("/v1/usage", headers=world.auth(key), json=body, **kwargs)  # type: ignore[arg-type]


def test_a_json_array_is_accepted_and_landed_as_ndjson(client: TestClient, world: World) -> None:
    events = [event(id=f"evt_{i}") for i in range(3)]
    response = post(client, world, events)
    assert response.status_code == 202
    assert response.json() == {"received": 3, "accepted": 3, "duplicates": 0, "rejected": 0, "errors": []}
    (landed,) = landed_files(world.settings)
    assert landed.suffix == ".ndjson"
    assert [json.loads(line) for line in landed.read_text().splitlines()] == events


def test_an_events_object_is_accepted(client: TestClient, world: World) -> None:
    response = post(client, world, {"events": [event(id="a"), event(id="b")]})
    assert response.status_code == 202
    assert response.json()["accepted"] == 2


def test_ndjson_is_accepted_and_lands_re_encoded_from_what_was_parsed(
    client: TestClient, world: World
) -> None:
    lines = [orjson.dumps(event(id=f"evt_{i}", quantity=1.5)) for i in range(3)]
    body = b"\n".join(lines[:2]) + b"\n\n" + lines[2] + b"\n"  # a blank line is skipped, as the loader does
    response = client.post(
        "/v1/usage", headers={**world.auth("ten_acme"), "Content-Type": "application/x-ndjson"}, content=body
    )
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 3
    (landed,) = landed_files(world.settings)
    assert [orjson.loads(line) for line in landed.read_bytes().splitlines()] == [
        orjson.loads(x) for x in lines
    ]


def test_more_than_the_event_limit_is_413_and_nothing_lands(world: World) -> None:
    with make_client(world.settings, max_events=5) as client:
        response = post(client, world, [event(id=f"e{i}") for i in range(6)])
        assert response.status_code == 413
        assert response.json()["reason"] == "too_many_events"
        assert post(client, world, [event(id=f"e{i}") for i in range(5)]).status_code == 202
    assert len(landed_files(world.settings)) == 1


def test_a_body_over_the_byte_limit_is_413_while_streaming(world: World) -> None:
    with make_client(world.settings, max_usage_body_bytes=2_000) as client:

        def chunks():
            for i in range(50):
                yield orjson.dumps(event(id=f"e{i}")) + b"\n"

        # A generator body has no Content-Length: the limit is enforced as bytes arrive.
        response = client.post(
            "/v1/usage",
            headers={**world.auth("ten_acme"), "Content-Type": "application/x-ndjson"},
            content=chunks(),
        )
        assert response.status_code == 413
        assert response.json()["reason"] == "too_large"
    assert landed_files(world.settings) == []


def test_an_unknown_content_type_is_415(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/usage", headers={**world.auth("ten_acme"), "Content-Type": "text/csv"}, content=b"id,tenant_id\n"
    )
    assert response.status_code == 415


def test_a_body_that_is_not_json_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/usage", headers={**world.auth("ten_acme"), "Content-Type": "application/json"}, content=b"{nope"
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "malformed_body"
    assert landed_files(world.settings) == []


def test_invalid_events_are_reported_by_index_and_still_land_for_quarantine(
    client: TestClient, world: World
) -> None:
    events = [
        event(id="ok"),
        event(id="m", metric=None),
        event(id="t", timestamp="2026-10-03 12:00"),
        event(id="q", quantity="abc"),
        event(id="n", quantity="-1"),
        event(id="u", metric="coffee_cups"),
        event(id="x", tenant_id="ten_ghost"),
        event(id="p", properties=[1]),
        event(id="d", quantity="0.0000000001"),
    ]
    response = post(client, world, events, key="admin")
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 8)
    assert [(e["index"], e["reason"]) for e in body["errors"]] == [
        (1, "missing_field"),
        (2, "bad_timestamp"),
        (3, "bad_quantity"),
        (4, "negative_quantity"),
        (5, "unknown_metric"),
        (6, "unknown_tenant"),
        (7, "malformed_record"),
        (8, "quantity_out_of_range"),
    ]
    (landed,) = landed_files(world.settings)
    assert len(landed.read_text().splitlines()) == len(events)


def test_a_repeat_within_a_request_is_a_duplicate_and_other_content_a_conflict(
    client: TestClient, world: World
) -> None:
    events = [event(id="a"), event(id="a"), event(id="a", quantity="2"), event(id="a", quantity="1.000")]
    body = post(client, world, events).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 2, 1)
    assert body["errors"] == [
        {"index": 2, "reason": "duplicate_id_conflict", "detail": body["errors"][0]["detail"]}
    ]


def test_a_retried_batch_is_reported_as_duplicates_not_counted_again(
    client: TestClient, world: World
) -> None:
    events = [event(id=f"evt_{i}") for i in range(10)]
    assert post(client, world, events).json()["accepted"] == 10
    retry = post(client, world, events).json()
    assert (retry["accepted"], retry["duplicates"]) == (0, 10)
    changed = post(client, world, [event(id="evt_3", quantity="7")]).json()
    assert changed["errors"][0]["reason"] == "duplicate_id_conflict"


def test_the_same_id_of_two_tenants_is_two_events(client: TestClient, world: World) -> None:
    body = post(client, world, [event(id="e"), event(id="e", tenant_id="ten_beta")], key="admin").json()
    assert body["accepted"] == 2


def test_seen_ids_survive_a_restart_of_the_api(world: World) -> None:
    with make_client(world.settings) as client:
        assert post(client, world, [event(id="keep")]).json()["accepted"] == 1
    with make_client(world.settings) as client:
        assert post(client, world, [event(id="keep")]).json()["duplicates"] == 1


def test_the_batch_is_durable_in_the_landing_zone_when_202_is_answered(
    client: TestClient, world: World
) -> None:
    response = post(client, world, [event(id="durable")])
    assert response.status_code == 202
    # The handler awaits land_bytes (temp name, fsync, rename, fsync of the directory) before answering,
    # so the final file is complete and no temporary file is left.
    files = list(world.settings.landing_dir.rglob("*"))
    assert [f.name.startswith(".") for f in files if f.is_file()] == [False, False]  # the batch, its manifest
    (landed,) = landed_files(world.settings)
    assert json.loads(landed.read_text())["id"] == "durable"


def test_an_empty_batch_lands_nothing(client: TestClient, world: World) -> None:
    assert post(client, world, []).json()["received"] == 0
    assert landed_files(world.settings) == []


def test_events_counts_are_exported_as_metrics(client: TestClient, world: World) -> None:
    post(client, world, [event(id="a"), event(id="a"), event(id="b", quantity="-1")])
    text = client.get("/metrics").text
    assert 'atom_api_usage_events_total{outcome="accepted"} 1.0' in text
    assert 'atom_api_usage_events_total{outcome="duplicate"} 1.0' in text
    assert 'atom_api_usage_events_total{outcome="rejected"} 1.0' in text
    assert 'atom_api_requests_total{method="POST",route="/v1/usage",status="202"} 1.0' in text


def test_a_batch_lands_on_the_platforms_day_the_pinned_one_when_atom_today_is_set(world: World) -> None:
    # The landing day is the partition a build loads, and builds look again only at today and yesterday
    # (orchestration/run.py): a batch landed on the wall clock's day while the platform's day is pinned
    # was loaded only if that day had never been loaded before.
    pinned = world.settings.model_copy(update={"atom_today": date(2026, 10, 4)})
    with make_client(pinned) as client:
        assert post(client, world, [event(id="on_the_pinned_day")]).status_code == 202
    (landed,) = landed_files(world.settings)
    assert landed.parent.name == "2026-10-04"
    manifest = read_manifest(landed)
    assert manifest is not None and manifest.received_at.date() == date(2026, 10, 4)

"""With ATOM_REDIS_URL, every API worker shares one set of limits and one memory of accepted ids
(DESIGN 4, issue 13 item 3), tested against a real redis-server and a real two-worker server."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import redis

from atom.settings import Settings
from ingest.api.shared_state import RedisRecentIds, limiter_storage, recent_id_store
from tests.api.conftest import make_settings, seed_world, start_server, stop_server
from tests.api.test_intake_under_load import now_event


def test_two_workers_claiming_the_same_ids_accept_each_once(redis_url: str) -> None:
    first = RedisRecentIds(redis.Redis.from_url(redis_url), retention_s=60)
    second = RedisRecentIds(redis.Redis.from_url(redis_url), retention_s=60)
    claims = {key: key * 7 for key in range(1_000)}
    results: list[dict[int, int]] = []

    def claim(store: RedisRecentIds) -> None:
        results.append(store.check_and_claim(claims))

    threads = [threading.Thread(target=claim, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every key was claimed by exactly one of them; the other saw the first claim's content.
    assert sorted(len(r) for r in results) == [0, 1_000] or sum(len(r) for r in results) == 1_000
    assert all(content == key * 7 for r in results for key, content in r.items())
    assert first.count() == 1_000
    first.release([1, 2])
    assert second.check_and_claim({1: 7, 3: 21}) == {3: 21}
    assert 0 < redis.Redis.from_url(redis_url).ttl("atom:recent-id:3") <= 60


def test_the_settings_choose_redis_or_memory(tmp_path: Path, redis_url: str) -> None:
    local = Settings(ATOM_HOME=str(tmp_path / "a"))
    shared = Settings(ATOM_HOME=str(tmp_path / "b"), ATOM_REDIS_URL=redis_url)
    assert type(limiter_storage(local)).__name__ == "MemoryStorage"
    assert type(limiter_storage(shared)).__name__ == "RedisStorage"
    assert isinstance(recent_id_store(shared, 60), RedisRecentIds)
    assert not isinstance(recent_id_store(local, 60), RedisRecentIds)


def test_invalid_keys_are_counted_once_across_two_workers(tmp_path: Path, redis_url: str) -> None:
    """20 bad keys a minute per address (ingest/api/key_throttle.py): in memory each of two workers would
    allow 20; shared through Redis the 21st is refused whichever worker takes it."""
    world = seed_world(make_settings(tmp_path / "home"))
    server = start_server(world.settings, workers=2, ATOM_REDIS_URL=redis_url)
    try:
        statuses = []
        for i in range(30):
            with httpx.Client(base_url=server.url, timeout=30) as http:  # new connections: both workers
                statuses.append(
                    http.get("/v1/packages", headers={"Authorization": f"Bearer atom_bad_{i}"}).status_code
                )
        assert statuses[:20] == [401] * 20
        assert set(statuses[20:]) == {429}
    finally:
        stop_server(server)


def test_a_retried_batch_is_a_duplicate_whichever_worker_answers(tmp_path: Path, redis_url: str) -> None:
    world = seed_world(make_settings(tmp_path / "home"))
    server = start_server(world.settings, workers=2, ATOM_REDIS_URL=redis_url)
    try:
        tenant = world.auth("ten_acme")
        batch = [now_event(id=f"evt_{i}") for i in range(50)]
        answers = []
        for _ in range(6):
            with httpx.Client(base_url=server.url, timeout=30) as http:
                answers.append(http.post("/v1/usage", headers=tenant, json=batch).json())
        assert answers[0]["accepted"] == 50
        assert [a["duplicates"] for a in answers[1:]] == [50] * 5
    finally:
        stop_server(server)

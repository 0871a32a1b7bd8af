"""The invalid-key throttle on a real server behind a proxy, configured as deploy/compose does it: the
balancer overwrites X-Forwarded-For with the client's address and the API trusts it, so one client's
guesses do not lock out everyone else who comes through the same balancer."""

from __future__ import annotations

import httpx
import pytest

from ingest.api.key_throttle import DEFAULT_LIMIT
from tests.api.conftest import World, start_server, stop_server

pytestmark = pytest.mark.slow


def test_behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own(world: World) -> None:
    allowed = int(DEFAULT_LIMIT.split("/")[0])
    server = start_server(world.settings, FORWARDED_ALLOW_IPS="*")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            attacker = {"X-Forwarded-For": "203.0.113.9"}
            statuses = [
                http.get(
                    "/v1/packages", headers={**attacker, "Authorization": f"Bearer atom_guess{i:039d}"}
                ).status_code
                for i in range(allowed + 1)
            ]
            assert statuses == [401] * allowed + [429]
            refused = http.get("/v1/packages", headers={**attacker, **world.auth("ten_acme")})
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            neighbour = {"X-Forwarded-For": "198.51.100.7", **world.auth("ten_acme")}
            assert http.get("/v1/packages", headers=neighbour).status_code == 200
    finally:
        stop_server(server)

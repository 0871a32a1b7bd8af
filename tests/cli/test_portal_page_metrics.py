"""The portal's page times (issue 13 item 8): every page run is observed by page and outcome and served
to Prometheus on the port `atom portal --metrics-port` gives the portal (ATOM_PORTAL_METRICS_PORT)."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from atom.settings import reset_settings_cache
from cli import services


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_page_runs_are_timed_by_page_and_outcome_and_served(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import page_metrics

    port = _free_port()
    monkeypatch.setenv("ATOM_PORTAL_METRICS_PORT", str(port))
    monkeypatch.setattr(page_metrics, "_started", {})
    monkeypatch.setattr(page_metrics, "_all_interfaces", lambda: False)
    reset_settings_cache()
    try:
        with page_metrics.timed_page("Overview"):
            pass
        with pytest.raises(StopException), page_metrics.timed_page("Billing desk"):
            raise StopException()  # st.stop(): no snapshot yet
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server = page_metrics._started.get("server")
        if isinstance(server, tuple):
            server[0].shutdown()
        reset_settings_cache()
    assert 'atom_portal_page_seconds_count{outcome="ok",page="Overview"}' in text
    assert 'atom_portal_page_seconds_count{outcome="stopped",page="Billing desk"}' in text


def test_atom_portal_gives_the_portal_its_metrics_port(monkeypatch: pytest.MonkeyPatch) -> None:
    started = {}
    monkeypatch.setattr(services, "start", lambda commands, log_dir, **env: started.update(env) or [])
    monkeypatch.setattr(services, "_await_start", lambda *args: None)
    services.start_portal("127.0.0.1", 8501, "http://127.0.0.1:3000", 9465, "http://127.0.0.1:9464/metrics")
    assert started == {
        "DAGSTER_URL": "http://127.0.0.1:3000",
        "ATOM_PORTAL_METRICS_PORT": "9465",
        "ATOM_METRICS_URL": "http://127.0.0.1:9464/metrics",
    }
    assert services.orchestrator_commands("127.0.0.1", 3000, 9464)["metrics-exporter"][-2:] == [
        "--port",
        "9464",
    ]
    assert "metrics-exporter" not in services.orchestrator_commands("127.0.0.1", 3000, 0)

"""Services bind to loopback unless told otherwise (issue 11): Dagster's UI has no sign-in of its own, and
anyone who reaches it can launch builds and billing runs; the API and the portal follow the same default."""

from __future__ import annotations

import inspect

import pytest
from typer.testing import CliRunner

from cli import api, services
from cli.main import app


@pytest.mark.parametrize(
    "command", [services.orchestrator, services.portal, services.demo, api.serve], ids=lambda c: c.__name__
)
def test_every_service_binds_to_loopback_by_default(command) -> None:
    assert inspect.signature(command).parameters["host"].default == "127.0.0.1"


def test_the_orchestrator_passes_its_interface_to_dagsters_webserver() -> None:
    webserver = services.orchestrator_commands("127.0.0.1", 3000)["dagster-webserver"]
    assert webserver[webserver.index("--host") + 1] == "127.0.0.1"
    portal = services.portal_command("127.0.0.1", 8501)["portal"]
    assert portal[portal.index("--server.address") + 1] == "127.0.0.1"


def test_the_orchestrators_help_says_why_it_stays_on_loopback() -> None:
    result = CliRunner().invoke(app, ["orchestrator", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "no sign-in" in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_no_warning_on_loopback(host: str) -> None:
    assert services.exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "orchestrator.internal"])
def test_binding_beyond_loopback_warns_that_the_ui_has_no_authentication(host: str) -> None:
    warning = services.exposure_warning(host)
    assert warning is not None and "no authentication" in warning and "docs/security.md" in warning

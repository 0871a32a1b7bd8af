"""wpk.toml validation (DESIGN 3.4): every problem at once, each naming the key and the fix."""

from __future__ import annotations

from governance.manifest import parse_manifest
from tests.governance.conftest import MANIFEST


def test_the_design_example_is_valid_and_parsed():
    result = parse_manifest(MANIFEST)
    assert result.ok, result.errors
    m = result.manifest
    assert m is not None
    assert (m.name, m.version, m.publisher) == ("slack-notify", "1.2.0", "acme")
    assert m.network == ("slack.com",) and m.secrets == ("SLACK_TOKEN",)
    assert (m.filesystem, m.subprocess, m.pii_fields) == ("scratch", False, ("email",))
    assert (m.max_runtime_s, m.max_memory_mb, m.health_check) == (300, 512, True)


def test_every_problem_is_reported_at_once():
    text = """\
[package]
name = "Slack_Notify"
version = "1.2"
[permissions]
network = ["https://slack.com/api"]
secrets = ["slack token"]
filesystem = "everything"
subprocess = "no"
[budget]
max_runtime_s = -5
max_memory_mb = "lots"
[observability]
health_check = "yes"
"""
    errors = parse_manifest(text).errors
    expected = [
        "package.name 'Slack_Notify'",
        "package.version '1.2'",
        "package.publisher is missing",
        "permissions.network entry 'https://slack.com/api'",
        "permissions.secrets entry 'slack token'",
        "permissions.filesystem must be one of none, read-only, scratch",
        "permissions.subprocess must be true or false",
        "budget.max_runtime_s must be a positive integer",
        "budget.max_memory_mb must be a positive integer",
        "observability.health_check must be true or false",
    ]
    for fragment in expected:
        assert any(fragment in e for e in errors), (fragment, errors)
    assert len(errors) == len(expected)


def test_unreadable_toml_gives_no_manifest_and_one_clear_error():
    result = parse_manifest("[package\nname=")
    assert result.manifest is None
    assert result.errors[0].startswith("wpk.toml is not valid TOML")


def test_names_and_versions_at_the_edges():
    def errors(name: str, version: str) -> list[str]:
        return parse_manifest(f'[package]\nname = "{name}"\nversion = "{version}"\npublisher = "p"\n').errors

    assert errors("abc", "0.0.1") == []
    assert errors("a" * 64, "1.0.0-rc.1+build.5") == []
    assert errors("ab", "1.0.0") and errors("a" * 65, "1.0.0")
    assert errors("abc", "01.0.0") and errors("abc", "v1.0.0")


def test_wildcard_hosts_grant_subdomains_only():
    m = parse_manifest(MANIFEST.replace('["slack.com"]', '["*.slack.com"]')).manifest
    assert m is not None
    assert m.allows_host("hooks.slack.com") and not m.allows_host("evilslack.com")

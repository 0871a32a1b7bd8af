"""The engine is chosen by settings only: ATOM_ENGINE, ATOM_SPARK_MASTER, ATOM_SPARK_THRIFT_URL, ATOM_SPARK_LAKE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atom.settings import Settings, reset_settings_cache, subprocess_env
from atom.spark_lake import local_session_problem
from cli.main import app
from tests.orchestration.conftest import generate_small, use_home


def test_duckdb_is_the_default_and_exports_no_spark_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in (
        "ATOM_ENGINE",
        "ATOM_SPARK_MASTER",
        "ATOM_SPARK_LAKE",
        "ATOM_SPARK_DIR",
        "ATOM_SPARK_THRIFT_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    settings = Settings(ATOM_HOME=tmp_path)
    env = subprocess_env(settings)
    assert settings.atom_engine == "duckdb"
    assert env["DBT_TARGET"] == "dev"
    assert [key for key in env if key.startswith("ATOM_SPARK_")] == []


def test_spark_runs_a_local_session_in_the_home_by_default(tmp_path: Path) -> None:
    settings = Settings(ATOM_HOME=tmp_path, ATOM_ENGINE="spark")
    env = subprocess_env(settings)
    assert env["DBT_TARGET"] == "spark"
    assert env["ATOM_SPARK_MASTER"] == "local[2]"
    assert env["ATOM_SPARK_LAKE"] == str(tmp_path.resolve() / "lake")
    assert env["ATOM_SPARK_DIR"] == str(tmp_path.resolve() / "spark")


def test_a_thrift_url_picks_the_thrift_target_with_its_host_port_and_user(tmp_path: Path) -> None:
    settings = Settings(
        ATOM_HOME=tmp_path,
        ATOM_ENGINE="spark",
        ATOM_SPARK_THRIFT_URL="thrift://hadoop@emr-primary.internal",
        ATOM_SPARK_LAKE="s3://atom-lake/prod/",
    )
    env = subprocess_env(settings)
    assert env["DBT_TARGET"] == "spark_thrift"
    assert (env["ATOM_SPARK_THRIFT_HOST"], env["ATOM_SPARK_THRIFT_PORT"], env["ATOM_SPARK_THRIFT_USER"]) == (
        "emr-primary.internal",
        "10001",
        "hadoop",
    )
    assert env["ATOM_SPARK_LAKE"] == "s3://atom-lake/prod"


def test_a_thrift_url_without_a_host_says_what_it_should_look_like(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"thrift://\[user@\]host\[:port\]"):
        Settings(ATOM_HOME=tmp_path, ATOM_ENGINE="spark", ATOM_SPARK_THRIFT_URL="emr:10001")


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duckdb"):
        Settings(ATOM_HOME=tmp_path, ATOM_ENGINE="snowflake")


def _java(tmp_path: Path, version_line: str) -> Path:
    """A JAVA_HOME whose bin/java says ``version_line`` on stderr, as `java -version` does."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return tmp_path / "jdk"


@pytest.mark.parametrize(
    ("version_line", "said"),
    [
        ('openjdk version "1.8.0_392"', "is Java 8"),
        ('openjdk version "11.0.21" 2023-10-17', "is Java 11"),
        ("no version here", "did not say which Java it is"),
    ],
)
def test_a_java_too_old_for_spark_is_named_with_what_to_do(
    tmp_path: Path, version_line: str, said: str
) -> None:
    problem = local_session_problem(_java(tmp_path, version_line))
    assert problem is not None and said in problem
    assert "openjdk-17-jre-headless" in problem and "ATOM_SPARK_THRIFT_URL" in problem


def test_java_17_or_newer_starts_a_local_session(tmp_path: Path) -> None:
    assert local_session_problem(_java(tmp_path, 'openjdk version "17.0.15" 2025-04-15')) is None
    assert local_session_problem(_java(tmp_path / "21", 'openjdk version "21" 2023-09-19')) is None
    if shutil.which(
        "java"
    ):  # this machine's own, the one the two-engine test runs on (make test installs it)
        assert local_session_problem(None) is None


def test_atom_build_on_spark_without_java_says_so_before_anything_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    settings = use_home(monkeypatch, home)
    settings.ensure_dirs()
    generate_small(settings)
    monkeypatch.setenv("ATOM_ENGINE", "spark")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    reset_settings_cache()
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 2, result.output
    assert f"JAVA_HOME={tmp_path / 'no-jdk'} has no bin/java" in result.output
    assert not (home / "warehouse.duckdb").exists()  # nothing was loaded on the way


def test_a_build_the_orchestrator_runs_on_spark_without_java_fails_its_dbt_step_in_those_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.run import run_build

    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    monkeypatch.setenv("ATOM_ENGINE", "spark")
    monkeypatch.setenv("JAVA_HOME", str(_java(tmp_path, 'openjdk version "1.8.0_392"')))
    reset_settings_cache()
    summary = run_build(stages=("transform",))
    assert not summary.success
    assert summary.error is not None and "is Java 8" in summary.error and "openjdk-17" in summary.error


@pytest.mark.parametrize("url", ["http://emr-primary.internal", "thrift://", "thrift://host:port"])
def test_a_thrift_url_that_is_not_one_is_refused_when_the_settings_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path))
    monkeypatch.setenv("ATOM_ENGINE", "spark")
    monkeypatch.setenv("ATOM_SPARK_THRIFT_URL", url)
    reset_settings_cache()
    result = CliRunner().invoke(app, ["build"])
    reset_settings_cache()
    assert result.exit_code == 1, result.output
    # As the user typed it, brackets included (the message is not read as console markup).
    assert f"ATOM_SPARK_THRIFT_URL='{url}': must look like thrift://[user@]host[:port]" in result.output

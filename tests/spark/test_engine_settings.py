"""The engine is chosen by settings only: ATOM_ENGINE, ATOM_SPARK_MASTER, ATOM_SPARK_THRIFT_URL, ATOM_SPARK_LAKE."""

from __future__ import annotations

from pathlib import Path

import pytest

from atom.settings import Settings, subprocess_env


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
    settings = Settings(ATOM_HOME=tmp_path, ATOM_ENGINE="spark", ATOM_SPARK_THRIFT_URL="emr:10001")
    with pytest.raises(ValueError, match=r"thrift://\[user@\]host\[:port\]"):
        subprocess_env(settings)


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duckdb"):
        Settings(ATOM_HOME=tmp_path, ATOM_ENGINE="snowflake")

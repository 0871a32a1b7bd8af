"""Spark needs a JVM (Java 17+; `make test` installs openjdk-17-jre-headless when `java` is missing) and the
`spark` extra (dbt-spark[session], pyspark). Without them the two-engine tests are skipped with the reason."""

from __future__ import annotations

import importlib.util
import shutil

import pytest


def spark_unavailable() -> str | None:
    if shutil.which("java") is None:
        return "no java on PATH: install openjdk-17-jre-headless (make test does)"
    for module in ("pyspark", "dbt.adapters.spark"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[spark]'"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = spark_unavailable()
    if reason:
        for item in items:
            if str(item.fspath).endswith("test_two_engines.py"):
                item.add_marker(pytest.mark.skip(reason=reason))

"""Every dbt unit test of the project passes on DuckDB: the rating rules, proration, the exactness boundaries
(``_billing__exactness_unit_tests.yml``), the finance and marketplace metrics.

They run here once per test run. The other modules' builds leave them out (``run_dbt``'s default): a unit test
reads only its own given rows, so a warehouse's data cannot change its result. The rating models' unit tests
also run on Spark (tests/spark/test_two_engines.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from atom.settings import DBT_PROJECT_DIR
from tests.dbt.conftest import Warehouse, run_dbt


def declared_unit_tests() -> set[str]:
    """``model.name`` of every unit test in the project's YAML files."""
    declared = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            declared.add(f"{test['model']}.{test['name']}")
    return declared


def test_every_unit_test_of_the_project_passes_on_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = Warehouse.create(tmp_path / "warehouse.duckdb")
    # Unit tests read the columns of their models' parents from the warehouse: an empty build makes them.
    run_dbt(warehouse, tmp_path, command=("run", "--empty"), monkeypatch=monkeypatch)
    result = run_dbt(
        warehouse, tmp_path, command=("test", "--select", "test_type:unit"), monkeypatch=monkeypatch
    )

    ran = {
        r.node.unique_id: getattr(r.status, "value", r.status)
        for r in result.result.results
        if r.node.unique_id.startswith("unit_test.")
    }
    assert set(ran.values()) == {"pass"}, {k: v for k, v in ran.items() if v != "pass"}
    declared = declared_unit_tests()
    assert len(declared) >= 40
    assert {unique_id.split(".", 2)[2] for unique_id in ran} == declared

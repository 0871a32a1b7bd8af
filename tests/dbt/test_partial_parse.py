"""A home's dbt reuses the parse made for any other home (atom/dbt_main.py, decision 0099).

dbt's own check throws a saved parse away when the profile's connection settings change, the warehouse's
absolute path included; ``atom-dbt`` leaves the path out. These run dbt as the build does, a child process
through ``atom.dbt_cli.run_dbt``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from atom.dbt_cli import PARSE_FILE, keep_partial_parse, run_dbt, seed_partial_parse
from atom.settings import DBT_PROJECT_DIR

FULL_PARSE = "Unable to do partial parsing"


def parse(home: Path, warehouse_name: str = "warehouse.duckdb", *extra: str) -> str:
    result = run_dbt(
        ["parse", "--log-level", "debug", *extra],
        warehouse=home / warehouse_name,
        target_path=home / "target",
    )
    return result.stdout


def nodes(home: Path) -> dict[str, tuple[str, str]]:
    manifest = json.loads((home / "target" / "manifest.json").read_text())
    return {uid: (node["database"], node["relation_name"] or "") for uid, node in manifest["nodes"].items()}


def given_the_parse_of(source: Path, home: Path) -> None:
    seed_partial_parse(home / "target", source=source / "target" / PARSE_FILE)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose dbt has parsed the project."""
    home = tmp_path_factory.mktemp("first-home")
    parse(home)
    return home


def test_a_home_elsewhere_reuses_the_parse_and_gets_the_same_manifest(first: Path, tmp_path: Path) -> None:
    second = tmp_path / "elsewhere" / "second-home"
    given_the_parse_of(first, second)

    output = parse(second)

    assert FULL_PARSE not in output, output[-3000:]
    assert "Partial parsing enabled" in output
    assert nodes(second) == nodes(first)
    assert len(nodes(second)) > 100


def test_a_warehouse_file_of_another_name_is_another_database_and_parses_in_full(
    first: Path, tmp_path: Path
) -> None:
    # dbt-duckdb names the database after the file: it is part of every relation, so it stays in the check.
    second = tmp_path / "second-home"
    given_the_parse_of(first, second)

    output = parse(second, warehouse_name="analytics.duckdb")

    assert f"{FULL_PARSE} because profile has changed" in output
    assert {database for database, _ in nodes(second).values()} == {"analytics"}


def test_a_preview_starts_from_the_parse_the_last_preview_kept(tmp_path: Path) -> None:
    # As ingest/preview.py runs dbt: its vars and its scratch file's name are not the build's, so the project's
    # parse is rejected; the parse a preview keeps serves the next one, in another scratch folder.
    preview = ("--vars", "{atom_preview: true}")
    seed = tmp_path / "seed" / PARSE_FILE
    first, second = tmp_path / "first-preview", tmp_path / "second-preview"
    assert FULL_PARSE in parse(first, "preview.duckdb", *preview)
    keep_partial_parse(first / "target", seed)
    seed_partial_parse(second / "target", source=seed)

    output = parse(second, "preview.duckdb", *preview)

    assert FULL_PARSE not in output, output[-3000:]
    assert nodes(second) == nodes(first)


def test_no_model_or_macro_reads_where_the_warehouse_is() -> None:
    # What the check leaves out must not change what the project parses to.
    readers = [
        str(path.relative_to(DBT_PROJECT_DIR))
        for path in [
            DBT_PROJECT_DIR / "dbt_project.yml",
            *(
                path
                for folder in ("models", "macros", "tests", "snapshots", "analyses")
                for path in (DBT_PROJECT_DIR / folder).rglob("*")
                if path.suffix in {".sql", ".yml", ".yaml"}
            ),
        ]
        if re.search(r"target\s*\.\s*path|target\[['\"]path", path.read_text())
    ]
    assert readers == []

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from atom.settings import Settings
from ingest.synthetic import GenerationSummary, generate

TODAY = date(2026, 3, 10)


@dataclass(frozen=True)
class Generated:
    settings: Settings
    summary: GenerationSummary

    def usage(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with view ``usage``: every landed row plus its landing day and event time (UTC)."""
        conn = duckdb.connect()
        conn.execute("SET TimeZone = 'UTC'")
        pattern = str(self.settings.landing_dir / "*" / "*.parquet")
        day = r"(\d{4}-\d{2}-\d{2})/"
        conn.execute(
            f"""
            CREATE VIEW usage AS
            SELECT *,
                   CAST(regexp_extract(filename, '{day}', 1) AS DATE) AS landing_date,
                   try_cast(timestamp AS TIMESTAMPTZ) AS occurred_at
            FROM read_parquet('{pattern}', filename = true)
            """
        )
        return conn


def run_generate(home: Path, seed: int = 7) -> Generated:
    settings = Settings(ATOM_HOME=str(home))
    return Generated(settings, generate(settings, scale="small", seed=seed, today=TODAY))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return run_generate(tmp_path_factory.mktemp("atom_small"))

"""The loader against the demo generator's landing zone, and the benchmark script on a tiny file."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from atom.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_fault_the_generator_injects_is_counted_by_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atom.opdb import migrate
    from atom.settings import reset_settings_cache
    from billing.price_book import load_price_book
    from ingest.landing import landed_files
    from ingest.loader import load_files
    from ingest.operational import copy_operational_tables
    from ingest.price_book_tables import write_price_book_tables
    from ingest.synthetic.generate import generate

    # Batches without a manifest count as received now: the day the marketplace is generated as of, whatever
    # day an earlier test of this worker pinned (the settings are cached) or the real one.
    monkeypatch.setenv("ATOM_TODAY", "2026-11-25")
    reset_settings_cache()
    settings = Settings(ATOM_HOME=tmp_path / "home")  # type: ignore[call-arg]
    settings.ensure_dirs()
    migrate(settings.database_url)
    summary = generate(settings, scale="small", today=date(2026, 11, 25))
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    write_price_book_tables(conn, load_price_book(settings.price_book_path), str(settings.price_book_path))
    copy_operational_tables(conn, settings.database_url)

    results = load_files(conn, landed_files(settings.landing_dir))

    reasons: Counter[str] = Counter()
    for result in results:
        assert result.is_reconciled
        reasons.update(result.quarantine_reasons)
    malformed = summary.malformed
    assert sum(r.received for r in results) == summary.events
    assert sum(r.duplicates for r in results) == summary.duplicates["exact"]
    assert dict(reasons) == {
        "missing_field": malformed["missing_tenant_id"] + malformed["missing_metric"],
        "bad_timestamp": malformed["bad_timestamp"],
        "bad_quantity": malformed["non_numeric_quantity"],
        "negative_quantity": malformed["negative_quantity"],
        "unknown_metric": malformed["unknown_metric"],
        "unknown_tenant": malformed["unknown_tenant"],
        "duplicate_id_conflict": summary.duplicates["conflicting"],
    }
    assert conn.execute("SELECT count(*) FROM raw.usage_events").fetchone() == (
        sum(r.loaded for r in results),
    )


def test_the_benchmark_runs_end_to_end_on_a_tiny_file(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_ingest
    finally:
        sys.path.remove(str(ROOT / "bench"))
    output = tmp_path / "ingest.json"

    assert (
        bench_ingest.main(
            [
                "--events",
                "3000",
                "--dedupe-batch",
                "1000",
                "--workdir",
                str(tmp_path),
                "--output",
                str(output),
            ]
        )
        == 0
    )

    figures = json.loads(output.read_text())
    assert figures["events"] == 3000
    assert figures["dedupe_batch_repeats"] == 100
    assert figures["loader_events_per_s"] > 0

"""bench/bench_governance.py runs, prints its markdown table and writes the JSON figures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_governance", ROOT / "bench" / "bench_governance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_reports_throughput_and_package_latency(tmp_path: Path, capsys):
    bench = load_bench()
    output = tmp_path / "governance.json"
    assert (
        bench.main(["--libraries", "idna", "--repeat", "3", "--package-kb", "20", "--output", str(output)])
        == 0
    )
    figures = json.loads(output.read_text())
    assert figures["throughput"]["libraries"] == ["idna"] and figures["throughput"]["lines"] > 1000
    assert figures["package"]["lines"] > 100 and figures["package"]["median_ms"] > 0
    table = capsys.readouterr().out
    assert "| throughput" in table and "lines/s" in table and "< 100 ms" in table

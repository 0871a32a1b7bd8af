"""Benchmark the governance scanner: throughput on installed library code and latency on a 50 KB package.

    python bench/bench_governance.py [--libraries requests rich ...] [--repeat 20]

Two figures, both on one core (one process, no threads):
  * throughput: lines of source scanned per second over well-known libraries installed in the virtualenv,
    scanned in place as directories (target >= 10,000 lines/s per core); measured with and without detect-secrets;
  * package latency: the median time to scan a ~50 KB .wpk held in memory, after a warm-up scan so imports and
    caches are paid once (target < 100 ms).
Each is given in wall-clock time and in the process's CPU time: on a machine shared with other jobs (load above
the core count) wall-clock time includes waiting for a core, and CPU time is what one core's worth of scanning costs.
Progress goes to stderr; a markdown table to stdout; the figures to ``bench/results/governance.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import site
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from governance import RULES_VERSION, ScanSettings, scan_bytes, scan_path  # noqa: E402

DEFAULT_LIBRARIES = ("requests", "httpx", "rich", "click", "yaml", "urllib3", "jinja2", "idna", "attr",
                     "pydantic", "typer", "packaging", "sqlalchemy", "alembic")  # fmt: skip
MANIFEST = """\
[package]
name = "bench-package"
version = "1.0.0"
publisher = "bench"
[permissions]
network = ["api.example.com"]
secrets = ["API_TOKEN"]
filesystem = "scratch"
subprocess = false
[budget]
max_runtime_s = 300
max_memory_mb = 512
[observability]
health_check = true
"""


def throughput(libraries: tuple[str, ...], settings: ScanSettings) -> dict[str, object]:
    site_packages = Path(site.getsitepackages()[0])
    lines = files = 0
    seconds = cpu = 0.0
    scanned = []
    for name in libraries:
        path = site_packages / name
        if not path.is_dir():
            continue
        started, cpu_started = time.perf_counter(), time.process_time()
        report = scan_path(path, settings=settings)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        lines += report.lines_scanned
        files += report.files_scanned
        scanned.append(name)
    return {
        "libraries": scanned,
        "files": files,
        "lines": lines,
        "seconds": round(seconds, 3),
        "lines_per_second": round(lines / seconds) if seconds else 0,
        "cpu_seconds": round(cpu, 3),
        "lines_per_cpu_second": round(lines / cpu) if cpu else 0,
    }


def package_of(size: int) -> bytes:
    """A .wpk of about ``size`` bytes of real Python source (requests' modules), plus a manifest."""
    import requests

    sources = sorted(Path(requests.__file__).parent.glob("*.py"), key=lambda p: p.name)
    members: dict[str, bytes] = {"wpk.toml": MANIFEST.encode()}
    total = 0
    for source in sources:
        data = source.read_bytes()
        if total + len(data) > size:
            data = data[: size - total]
            data = data[: data.rfind(b"\n") + 1]
        members[f"steps/{source.name}"] = data
        total += len(data)
        if total >= size - 200:
            break
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def latency(source_bytes: int, repeat: int) -> dict[str, object]:
    package = package_of(source_bytes)
    scan_bytes(package, "bench.wpk")  # warm-up: imports, detect-secrets plugin set-up
    timings = []
    cpu_timings = []
    report = None
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = scan_bytes(package, "bench.wpk")
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu_started) * 1000)
    assert report is not None
    return {
        "source_bytes": source_bytes,
        "wpk_bytes": len(package),
        "lines": report.lines_scanned,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(sorted(timings)[max(0, int(len(timings) * 0.95) - 1)], 1),
        "cpu_median_ms": round(statistics.median(cpu_timings), 1),
        "runs": repeat,
    }


def markdown(figures: dict[str, object]) -> str:
    full = figures["throughput"]
    bare = figures["throughput_without_detect_secrets"]
    pkg = figures["package"]
    assert isinstance(full, dict) and isinstance(bare, dict) and isinstance(pkg, dict)
    return "\n".join(
        [
            f"Governance scanner benchmark (rules {figures['rules_version']}, one core, python {figures['python']})",
            "",
            "| measure | value | target |",
            "|---|---:|---:|",
            f"| throughput, {len(full['libraries'])} installed libraries, {full['lines']:,} lines | "
            f"{full['lines_per_second']:,} lines/s wall, {full['lines_per_cpu_second']:,} lines/s CPU | >= 10,000 |",
            f"| throughput without detect-secrets | {bare['lines_per_second']:,} lines/s wall, "
            f"{bare['lines_per_cpu_second']:,} lines/s CPU | |",
            f"| {pkg['source_bytes'] // 1000} KB package ({pkg['lines']:,} lines, {pkg['wpk_bytes']:,} B zipped), "
            f"median of {pkg['runs']} | {pkg['median_ms']} ms wall (p95 {pkg['p95_ms']} ms), "
            f"{pkg['cpu_median_ms']} ms CPU | < 100 ms |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--libraries", nargs="+", default=list(DEFAULT_LIBRARIES), help="installed packages to scan"
    )
    parser.add_argument(
        "--package-kb", type=int, default=50, help="size of the package for the latency figure"
    )
    parser.add_argument("--repeat", type=int, default=20, help="latency runs (the median is reported)")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "bench" / "results" / "governance.json",
        help="where to write the JSON",
    )
    args = parser.parse_args(argv)

    print("scanning installed libraries…", file=sys.stderr)
    libraries = tuple(args.libraries)
    figures: dict[str, object] = {
        "rules_version": RULES_VERSION,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "package": latency(args.package_kb * 1000, args.repeat),
        "throughput": throughput(libraries, ScanSettings()),
        "throughput_without_detect_secrets": throughput(libraries, ScanSettings(use_detect_secrets=False)),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

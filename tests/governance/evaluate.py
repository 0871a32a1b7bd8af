"""Evaluate the governance scanner on the labelled corpus and on installed well-known libraries.

    .venv/bin/python tests/governance/evaluate.py [--no-detect-secrets] [--bandit] [--json out.json]
    .venv/bin/python tests/governance/evaluate.py --families [--corpus tests/governance/corpus_setaside]

Corpus: ``tests/governance/corpus/{malicious,benign}``. Each top-level entry is scanned on its own (a file, or a
directory as a package). Expected findings are annotated on the line where the flagged statement starts:
``# expect: rule-a, rule-b|rule-c`` means rule-a is expected, and rule-b or rule-c (either satisfies the
expectation). In benign entries, ``# ok: rule-a|rule-b`` marks a *look-alike* line: honest code using the APIs
a family of attacks uses (the rules named are the ones a careless detector would raise there).
``tests/governance/corpus_setaside`` has the same layout; the regular evaluation never reads it.

Line-level figures count *signals*: findings that are threats or of medium severity and above, except threat
findings that the detectors lowered to low severity and low confidence (constants, tests, guarded code): those
stay in the report for a reviewer but are not alarms. Low-severity capability findings (``process-spawn``,
``network-access``, ``filesystem-write``) describe what code can do, are expected in honest code, and are left
out; so are package-level findings at ``wpk.toml`` line 1.
* recall = expected (file, line, rule) annotations met / all annotations;
* line recall = annotated lines with any signal / annotated lines (what a tool-agnostic judge counts);
* precision = signals that match an annotation on their line / all signals;
* look-alike false alarms = ``# ok`` lines with any signal / ``# ok`` lines.
Families (``--families``) are named by the entry's prefix: ``install_``, ``apiobf_``, ``clip_``, ``dll_``,
``dlexec_``; other entries are ``other``.
Libraries: each installed package directory is scanned in place; a package-level false positive is a
``reject`` (target: none) and the review count is reported; high-or-critical findings per 10,000 lines (target <= 1).
"""

from __future__ import annotations

import argparse
import json
import re
import site
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from governance import RULES, ScanSettings, scan_path  # noqa: E402
from governance.findings import Finding  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECT_RE = re.compile(r"#\s*expect:\s*([\w\-|, ]+)")
OK_RE = re.compile(r"#\s*ok:\s*([\w\-|, ]+)")
FAMILIES = {"install_": "install-time execution", "apiobf_": "API obfuscation", "clip_": "clipboard",
            "dll_": "DLL/shared-library hijacking", "dlexec_": "download-execute and decoded execution"}  # fmt: skip
LIBRARIES = ("requests", "httpx", "rich", "click", "yaml", "urllib3", "jinja2", "idna", "attr", "pydantic",
             "typer", "certifi", "markupsafe", "packaging", "h11", "anyio", "sqlalchemy", "alembic")  # fmt: skip


@dataclass
class Expectation:
    file: str
    line: int
    alternatives: tuple[str, ...]
    met: bool = False


@dataclass
class LookAlike:
    file: str
    line: int
    rules: tuple[str, ...]
    alarmed: bool = False


@dataclass
class CorpusResult:
    expectations: list[Expectation] = field(default_factory=list)
    true_signals: list[Finding] = field(default_factory=list)
    false_signals: list[tuple[str, Finding]] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)
    lookalikes: list[LookAlike] = field(default_factory=list)
    # expected (file, line) -> whether any signal was raised on it
    expected_lines: dict[tuple[str, int], bool] = field(default_factory=dict)
    # malicious entry -> number of signals in it
    entry_signals: dict[str, int] = field(default_factory=dict)

    @property
    def line_recall(self) -> float:
        return sum(self.expected_lines.values()) / max(len(self.expected_lines), 1)

    @property
    def lookalike_false_alarm_rate(self) -> float:
        return sum(a.alarmed for a in self.lookalikes) / max(len(self.lookalikes), 1)

    @property
    def recall(self) -> float:
        return sum(e.met for e in self.expectations) / max(len(self.expectations), 1)

    @property
    def precision(self) -> float:
        total = len(self.true_signals) + len(self.false_signals)
        return len(self.true_signals) / total if total else 1.0


def is_signal(finding: Finding) -> bool:
    rule = RULES[finding.rule]
    if finding.file == "wpk.toml" or rule.category in ("manifest", "signature", "budget", "observability"):
        return False
    if finding.severity == "low" and finding.confidence == "low":
        return False
    return rule.kind == "threat" or finding.severity != "low"


def family(entry_name: str) -> str:
    return next((name for prefix, name in FAMILIES.items() if entry_name.startswith(prefix)), "other")


def lookalikes(entry: Path) -> list[LookAlike]:
    files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
    out = []
    for path in files:
        name = path.name if entry.is_file() else path.relative_to(entry).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = OK_RE.search(line)
            if match:
                rules = tuple(r.strip() for r in re.split(r"[|,]", match.group(1)) if r.strip())
                unknown = [r for r in rules if r not in RULES]
                if unknown:
                    raise SystemExit(f"{path}:{number}: unknown rule(s) {unknown} in the annotation")
                out.append(LookAlike(name, number, rules))
    return out


def annotations(entry: Path) -> list[Expectation]:
    files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
    out = []
    for path in files:
        name = path.name if entry.is_file() else path.relative_to(entry).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = EXPECT_RE.search(line)
            if match:
                for group in match.group(1).split(","):
                    alternatives = tuple(a.strip() for a in group.split("|") if a.strip())
                    unknown = [a for a in alternatives if a not in RULES]
                    if unknown:
                        raise SystemExit(f"{path}:{number}: unknown rule(s) {unknown} in the annotation")
                    out.append(Expectation(name, number, alternatives))
    return out


def evaluate_corpus(
    settings: ScanSettings, corpus: Path = CORPUS, only_family: str | None = None
) -> CorpusResult:
    result = CorpusResult()
    for kind in ("malicious", "benign"):
        for entry in sorted((corpus / kind).iterdir()):
            if only_family is not None and family(entry.name) != only_family:
                continue
            expected = annotations(entry)
            alikes = lookalikes(entry)
            report = scan_path(entry, settings=settings)
            key = f"{kind}/{entry.name}"
            result.decisions[key] = report.decision
            result.expectations.extend(expected)
            result.lookalikes.extend(alikes)
            for e in expected:
                result.expected_lines.setdefault((f"{key}:{e.file}", e.line), False)
            if kind == "malicious":
                result.entry_signals[key] = sum(is_signal(f) for f in report.findings)
            for finding in report.findings:
                if is_signal(finding):
                    if (f"{key}:{finding.file}", finding.line) in result.expected_lines:
                        result.expected_lines[(f"{key}:{finding.file}", finding.line)] = True
                    for alike in alikes:
                        if alike.file == finding.file and alike.line == finding.line:
                            alike.alarmed = True
                for expectation in expected:
                    if (
                        expectation.file == finding.file
                        and expectation.line == finding.line
                        and finding.rule in expectation.alternatives
                    ):
                        expectation.met = True
                if not is_signal(finding):
                    continue
                allowed = {
                    rule
                    for e in expected
                    if e.file == finding.file and e.line == finding.line
                    for rule in e.alternatives
                }
                if finding.rule in allowed:
                    result.true_signals.append(finding)
                else:
                    result.false_signals.append((f"{kind}/{entry.name}", finding))
    return result


def evaluate_libraries(settings: ScanSettings, names: tuple[str, ...] = LIBRARIES) -> list[dict[str, object]]:
    site_packages = Path(site.getsitepackages()[0])
    rows = []
    for name in names:
        path = site_packages / name
        if not path.is_dir():
            continue
        started = time.perf_counter()
        report = scan_path(path, settings=settings)
        seconds = time.perf_counter() - started
        high = [f for f in report.findings if f.severity in ("high", "critical")]
        signals = [f for f in report.findings if is_signal(f)]
        rows.append(
            {
                "library": name,
                "lines": report.lines_scanned,
                "decision": report.decision,
                "risk_score": report.risk_score,
                "high_findings": len(high),
                "signals": len(signals),
                "signal_rules": dict(Counter(f.rule for f in signals)),
                "high_rules": dict(Counter(f.rule for f in high)),
                "seconds": round(seconds, 3),
            }
        )
    return rows


def bandit_comparison(result: CorpusResult, library_rows: list[dict[str, object]]) -> dict[str, object]:
    """What bandit would add: annotated lines it flags that we miss, and its high findings on libraries."""
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    def run(paths: list[str]) -> list:
        mgr = b_manager.BanditManager(b_config.BanditConfig(), "file", quiet=True)
        mgr.discover_files(paths, recursive=True)
        mgr.run_tests()
        return mgr.get_issue_list()

    started = time.perf_counter()
    issues = run([str(CORPUS / "malicious")])
    corpus_seconds = time.perf_counter() - started
    flagged = set()
    for issue in issues:
        path = Path(issue.fname).resolve().relative_to((CORPUS / "malicious").resolve())
        flagged.add((path.as_posix(), issue.lineno))
    missed = [e for e in result.expectations if not e.met]
    # Package entries report paths inside the package; bandit reports paths inside the corpus: match by name.
    by_name = {(Path(path).name, line) for path, line in flagged}
    added = [e for e in missed if (Path(e.file).name, e.line) in by_name]
    annotated_lines = {(e.file, e.line) for e in result.expectations}
    bandit_alone = {k for k in annotated_lines if (Path(k[0]).name, k[1]) in by_name}
    site_packages = Path(site.getsitepackages()[0])
    lib_paths = [str(site_packages / str(row["library"])) for row in library_rows]
    started = time.perf_counter()
    lib_issues = run(lib_paths)
    lib_seconds = time.perf_counter() - started
    lines = sum(int(row["lines"]) for row in library_rows)  # type: ignore[call-overload]
    high = [i for i in lib_issues if str(i.severity) == "HIGH"]
    return {
        "corpus_issues": len(issues),
        "missed_annotations_bandit_flags": len(added),
        "annotated_lines": len(annotated_lines),
        "annotated_lines_bandit_flags": len(bandit_alone),
        "library_issues": len(lib_issues),
        "library_high_issues": len(high),
        "library_high_per_10k_lines": round(len(high) / lines * 10_000, 2) if lines else 0.0,
        "library_lines_per_second": round(lines / lib_seconds) if lib_seconds else 0,
        "corpus_seconds": round(corpus_seconds, 2),
        "top_library_tests": dict(Counter(i.test_id for i in lib_issues).most_common(8)),
    }


def rule_precision(result: CorpusResult) -> dict[str, tuple[int, int]]:
    """Per rule: (signals on annotated malicious lines that allow the rule, all signals of the rule)."""
    counts: dict[str, list[int]] = {}
    for finding in result.true_signals:
        counts.setdefault(finding.rule, [0, 0])[0] += 1
        counts[finding.rule][1] += 1
    for _, finding in result.false_signals:
        counts.setdefault(finding.rule, [0, 0])[1] += 1
    return {rule: (tp, total) for rule, (tp, total) in sorted(counts.items())}


def family_figures(settings: ScanSettings, corpus: Path = CORPUS) -> dict[str, dict[str, object]]:
    """Recall, line recall, files flagged and look-alike false alarms per family of attacks."""
    out: dict[str, dict[str, object]] = {}
    for name in [*FAMILIES.values(), "other"]:
        result = evaluate_corpus(settings, corpus, only_family=name)
        malicious = [k for k in result.decisions if k.startswith("malicious/")]
        if not malicious and not result.lookalikes:
            continue
        out[name] = {
            "malicious_entries": len(malicious),
            "entries_flagged": sum(result.decisions[k] != "approve" for k in malicious),
            "entries_with_signal": sum(result.entry_signals.get(k, 0) > 0 for k in malicious),
            "annotations": len(result.expectations),
            "recall": round(result.recall, 3),
            "expected_lines": len(result.expected_lines),
            "line_recall": round(result.line_recall, 3),
            "lookalike_lines": len(result.lookalikes),
            "lookalike_false_alarms": sum(a.alarmed for a in result.lookalikes),
            "lookalike_false_alarm_rate": round(result.lookalike_false_alarm_rate, 3),
            "precision": round(result.precision, 3),
            "benign_entries_not_approved": [
                k for k, d in result.decisions.items() if k.startswith("benign/") and d != "approve"
            ],
            "rule_precision": {r: f"{tp}/{total}" for r, (tp, total) in rule_precision(result).items()},
        }
    return out


def print_families(figures: dict[str, dict[str, object]]) -> None:
    print(
        "| family | malicious entries flagged | recall | line recall | look-alike false alarms | precision |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in figures.items():
        print(f"| {name} | {f['entries_flagged']}/{f['malicious_entries']} | {f['recall']} "
              f"({f['annotations']}) | {f['line_recall']} ({f['expected_lines']}) | "
              f"{f['lookalike_false_alarms']}/{f['lookalike_lines']} = {f['lookalike_false_alarm_rate']} "
              f"| {f['precision']} |")  # fmt: skip
    for name, f in figures.items():
        print(
            f"  {name}: rule precision {f['rule_precision']}; benign not approved {f['benign_entries_not_approved']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--no-detect-secrets", action="store_true", help="secrets by our own few patterns only"
    )
    parser.add_argument("--bandit", action="store_true", help="also measure what bandit would add")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false signals")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="corpus root (malicious/ and benign/)")
    parser.add_argument("--families", action="store_true", help="per-family figures only (no libraries)")
    args = parser.parse_args(argv)
    settings = ScanSettings(use_detect_secrets=not args.no_detect_secrets)

    corpus = evaluate_corpus(settings, args.corpus)
    if args.families:
        by_family = family_figures(settings, args.corpus)
        print(f"corpus {args.corpus.name}: recall {corpus.recall:.3f}, line recall {corpus.line_recall:.3f} "
              f"({sum(corpus.expected_lines.values())}/{len(corpus.expected_lines)} lines), precision "
              f"{corpus.precision:.3f}, look-alike false alarms {corpus.lookalike_false_alarm_rate:.3f} "
              f"({sum(a.alarmed for a in corpus.lookalikes)}/{len(corpus.lookalikes)} lines)")  # fmt: skip
        print_families(by_family)
        if args.verbose:
            for e in corpus.expectations:
                if not e.met:
                    print(f"MISS {e.file}:{e.line} {'|'.join(e.alternatives)}")
            for where, f in corpus.false_signals:
                print(
                    f"FALSE {where} {f.file}:{f.line} {f.rule} {f.severity}/{f.confidence} {f.message[-70:]}"
                )
        if args.json:
            args.json.write_text(
                json.dumps({"corpus": str(args.corpus), "families": by_family}, indent=2) + "\n"
            )
        return 0
    libraries = evaluate_libraries(settings)
    lib_lines = sum(int(r["lines"]) for r in libraries)  # type: ignore[call-overload]
    lib_high = sum(int(r["high_findings"]) for r in libraries)  # type: ignore[call-overload]
    figures: dict[str, object] = {
        "detect_secrets": not args.no_detect_secrets,
        "annotations": len(corpus.expectations),
        "annotations_met": sum(e.met for e in corpus.expectations),
        "recall": round(corpus.recall, 3),
        "signals": len(corpus.true_signals) + len(corpus.false_signals),
        "true_signals": len(corpus.true_signals),
        "precision": round(corpus.precision, 3),
        "corpus_decisions": corpus.decisions,
        "library_lines": lib_lines,
        "libraries_rejected": [r["library"] for r in libraries if r["decision"] == "reject"],
        "libraries_in_review": [r["library"] for r in libraries if r["decision"] == "review"],
        "library_high_per_10k_lines": round(lib_high / lib_lines * 10_000, 2) if lib_lines else 0.0,
        "libraries": libraries,
    }
    if args.bandit:
        figures["bandit"] = bandit_comparison(corpus, libraries)

    print(f"corpus: recall {corpus.recall:.3f} ({figures['annotations_met']}/{figures['annotations']} annotations), "
          f"precision {corpus.precision:.3f} ({figures['true_signals']}/{figures['signals']} signals)")  # fmt: skip
    print("decisions: " + ", ".join(f"{k}={v}" for k, v in corpus.decisions.items()))
    print(f"libraries: {len(libraries)} packages, {lib_lines:,} lines, rejected {figures['libraries_rejected']}, "
          f"review {figures['libraries_in_review']}, high findings per 10k lines {figures['library_high_per_10k_lines']}")  # fmt: skip
    for row in libraries:
        print(f"  {row['library']:<12} {row['lines']:>7,} lines  {row['decision']:<8} risk {row['risk_score']:<6} "
              f"high {row['high_findings']}  signals {row['signal_rules']}")  # fmt: skip
    if args.verbose:
        for e in corpus.expectations:
            if not e.met:
                print(f"MISS {e.file}:{e.line} {'|'.join(e.alternatives)}")
        for where, f in corpus.false_signals:
            print(f"FALSE {where} {f.file}:{f.line} {f.rule} {f.severity} {f.message[-60:]}")
    if args.bandit:
        print("bandit: " + json.dumps(figures["bandit"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

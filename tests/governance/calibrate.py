"""Fit the risk-score weights (governance/score_weights.json) on the labelled corpus and installed libraries.

    .venv/bin/python tests/governance/calibrate.py [--write] [--json out.json]

Samples: every entry of ``tests/governance/corpus`` (malicious = 1, benign = 0) and every well-known library of
``evaluate.LIBRARIES`` scanned in place (0). The set-aside corpus is never read. Features are
``governance.scoring.features``; the model is an L2-regularised logistic regression with balanced class
weights (scikit-learn, a dev dependency). Prints the fitted weights, the precision-recall curve of the final
risk score (after the corroboration caps) and the figures at the review and reject thresholds.
"""

from __future__ import annotations

import argparse
import json
import site
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from governance import (  # noqa: E402
    ScanSettings,
    scan_path,
    scoring,
)
from tests.governance.evaluate import CORPUS, LIBRARIES  # noqa: E402


def samples(settings: ScanSettings) -> list[tuple[str, int, list]]:
    out = []
    for kind, label in (("malicious", 1), ("benign", 0)):
        for entry in sorted((CORPUS / kind).iterdir()):
            out.append((f"{kind}/{entry.name}", label, scan_path(entry, settings=settings).findings))
    site_packages = Path(site.getsitepackages()[0])
    for name in LIBRARIES:
        if (site_packages / name).is_dir():
            out.append((f"library/{name}", 0, scan_path(site_packages / name, settings=settings).findings))
    return out


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_curve

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="write governance/score_weights.json")
    parser.add_argument("--json", type=Path, help="write the curve and figures here")
    args = parser.parse_args(argv)
    settings = ScanSettings()
    data = samples(settings)
    x = [[scoring.features(findings)[name] for name in scoring.FEATURES] for _, _, findings in data]
    y = [label for _, label, _ in data]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    weights = {
        "intercept": round(float(model.intercept_[0]), 4),
        "weights": {
            name: round(float(w), 4) for name, w in zip(scoring.FEATURES, model.coef_[0], strict=True)
        },
        "fitted_on": {"malicious": sum(y), "benign": len(y) - sum(y), "features": list(scoring.FEATURES)},
    }
    print("weights:", json.dumps(weights))
    if args.write:
        scoring.WEIGHTS_FILE.write_text(json.dumps(weights, indent=2) + "\n")
        scoring.score_model.cache_clear()
    scores = [scoring.risk_score(findings, settings)[0] for _, _, findings in data]
    precision, recall, thresholds = precision_recall_curve(y, scores)
    curve = [
        {"threshold": round(float(t), 3), "precision": round(float(p), 3), "recall": round(float(r), 3)}
        for p, r, t in zip(precision[:-1], recall[:-1], thresholds, strict=True)
    ]
    print("| threshold | precision | recall |\n|---:|---:|---:|")
    for point in curve:
        print(f"| {point['threshold']} | {point['precision']} | {point['recall']} |")
    figures = {}
    for label, threshold in (("review", settings.review_threshold), ("reject", settings.reject_threshold)):
        flagged = [(s >= threshold, t) for s, t in zip(scores, y, strict=True)]
        tp = sum(1 for f, t in flagged if f and t)
        fp = sum(1 for f, t in flagged if f and not t)
        figures[label] = {"threshold": threshold, "malicious_at_or_above": tp, "of_malicious": sum(y),
                          "benign_at_or_above": fp, "of_benign": len(y) - sum(y)}  # fmt: skip
        print(f"{label} >= {threshold}: {tp}/{sum(y)} malicious, {fp}/{len(y) - sum(y)} benign")
    benign_max = max(s for s, t in zip(scores, y, strict=True) if not t)
    print(f"highest benign score {benign_max}; " + ", ".join(
        f"{n}={s}" for (n, t, _), s in zip(data, scores, strict=True) if not t and s >= 0.2))  # fmt: skip
    if args.json:
        args.json.write_text(
            json.dumps({"weights": weights, "curve": curve, "thresholds": figures}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Operator steps the SDK live tests cannot take through the API, run against a live server's home:
``python tests/sdk/operator_seed.py --home DIR approve SUBMISSION_ID`` (governance's decision) and
``... close-month`` (the hand-closed October of tests/api/test_invoice_corrections_and_statements.py:
ten_acme ATOM-202610-00001 69.00, ten_beta ATOM-202610-00002 10.50, acme's slack-notify 30.50 gross)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("step", choices=["approve", "close-month"])
    parser.add_argument("submission_id", nargs="?")
    args = parser.parse_args()

    from atom.opdb import make_engine, record_submission_outcome, session_scope
    from atom.settings import Settings

    settings = Settings(ATOM_HOME=str(args.home))  # type: ignore[call-arg]
    if args.step == "close-month":
        from tests.api.test_invoice_corrections_and_statements import close_month

        close_month(SimpleNamespace(settings=settings))  # type: ignore[arg-type]
        return
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            record_submission_outcome(
                session, args.submission_id, status="approved", decision="approve", report={}, risk_score=0.1
            )
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()

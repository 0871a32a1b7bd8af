"""Reviewer steps the SDK live tests cannot take through the API (they are the review console's), run
against a live server's home: ``python tests/sdk/review_seed.py --home DIR ask SUBMISSION_ID QUESTION``
(the scan sent it to review, a reviewer asks the publisher) and ``... reject-later SUBMISSION_ID DAYS``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

REVIEWER = "reviewer@sdk.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("step", choices=["ask", "reject-later"])
    parser.add_argument("submission_id")
    parser.add_argument("argument", help="the question (ask) or the number of days (reject-later)")
    args = parser.parse_args()

    from atom.clock import today
    from atom.opdb import make_engine, record_submission_outcome, session_scope
    from atom.opdb.reviews import request_info, schedule_rejection
    from atom.settings import Settings

    settings = Settings(ATOM_HOME=str(args.home))  # type: ignore[call-arg]
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            record_submission_outcome(
                session, args.submission_id, status="in_review", decision="review", report={}, risk_score=0.5
            )
            if args.step == "ask":
                request_info(session, args.submission_id, REVIEWER, args.argument)
            else:
                schedule_rejection(
                    session,
                    args.submission_id,
                    REVIEWER,
                    "Obfuscated code",
                    int(args.argument),
                    today=today(settings),
                )
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()

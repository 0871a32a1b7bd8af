"""A submission's status and governance report (its publisher or admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path
from pydantic import BaseModel

from atom.opdb import Submission
from ingest.api.deps import CurrentKey, DbSession
from ingest.api.errors import error_responses, forbidden, not_found

router = APIRouter(tags=["packages"])


class SubmissionOut(BaseModel):
    submission_id: str
    status: str
    package: str
    version: str
    publisher_id: str
    sha256: str
    signing_key_id: str
    submitted_at: datetime
    scanned_at: datetime | None
    decision: str | None
    risk_score: float | None
    review_reason: str | None
    report: dict[str, Any] | None


@router.get(
    "/v1/submissions/{submission_id}",
    response_model=SubmissionOut,
    summary="A submission's status and governance report (null until scanned)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_submission(
    submission_id: Annotated[str, Path(max_length=40, pattern=r"^sub_[0-9a-f]{1,36}$")],
    principal: CurrentKey,
    session: DbSession,
) -> SubmissionOut:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise not_found(f"no submission {submission_id}")
    # Ids are 80 random bits, so answering 403 (rather than hiding it as 404) reveals nothing guessable.
    if not principal.acts_for_publisher(sub.publisher_id):
        raise forbidden("only the submitting publisher or an admin may read a submission")
    return SubmissionOut(
        submission_id=sub.id,
        status=sub.status,
        package=sub.package_name,
        version=sub.version,
        publisher_id=sub.publisher_id,
        sha256=sub.sha256,
        signing_key_id=sub.signing_key_id,
        submitted_at=sub.submitted_at,
        scanned_at=sub.scanned_at,
        decision=sub.decision,
        risk_score=sub.risk_score,
        review_reason=sub.review_reason,
        report=orjson.loads(sub.report_json) if sub.report_json else None,
    )

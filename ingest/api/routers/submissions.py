"""A submission's status and governance report (its publisher or admin), and the publisher's answer to a
reviewer's question (issue 16 item 5, decision 0053)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from atom.opdb import Submission
from atom.opdb.reviews import (
    INFO_REQUESTED,
    QUEUED,
    ReviewStateError,
    answer_info_request,
    info_requests,
    pending_rejection,
    queue_context,
)
from governance.triage import queue_reasons
from ingest.api.deps import CurrentKey, DbSession, request_id
from ingest.api.errors import ApiError, error_responses, forbidden, not_found
from ingest.api.keys import Principal

router = APIRouter(tags=["packages"])

SubmissionId = Annotated[str, Path(max_length=40, pattern=r"^sub_[0-9a-f]{1,36}$")]


class QueueReasonOut(BaseModel):
    kind: str = Field(description="threshold, rule, policy, signature, manifest, scanner or history")
    code: str = Field(description="the rule or policy id, or a fixed word for the other kinds")
    text: str


class InfoRequestOut(BaseModel):
    id: int
    question: str
    requested_at: datetime
    answer: str | None
    answered_at: datetime | None


class ScheduledRejectionOut(BaseModel):
    effective_on: date = Field(
        description="the day the version is rejected unless a higher version arrives first"
    )
    reason: str
    scheduled_at: datetime


class SubmissionOut(BaseModel):
    submission_id: str
    status: str = Field(description="pending_scan, in_review, info_requested, approved or rejected")
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
    queue_reasons: list[QueueReasonOut] = Field(
        default_factory=list,
        description="Why a human reviews it: every threshold, rule and policy that sent it to the queue "
        "(empty when the scanner decided alone)",
    )
    info_requests: list[InfoRequestOut] = Field(
        default_factory=list, description="The reviewers' questions and the publisher's answers, oldest first"
    )
    scheduled_rejection: ScheduledRejectionOut | None = None


class AnswerIn(BaseModel):
    answer: str = Field(
        min_length=1, max_length=20000, description="the answer to the reviewer's open question"
    )


class AnswerOut(BaseModel):
    submission_id: str
    status: str
    info_request: InfoRequestOut


def _readable(session: Session, submission_id: str, principal: Principal) -> Submission:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise not_found(f"no submission {submission_id}")
    # Ids are 80 random bits, so answering 403 (rather than hiding it as 404) reveals nothing guessable.
    if not principal.acts_for_publisher(sub.publisher_id):
        raise forbidden("only the submitting publisher or an admin may read a submission")
    return sub


def _reasons(session: Session, sub: Submission, report: dict[str, Any] | None) -> list[QueueReasonOut]:
    if sub.status not in (QUEUED, INFO_REQUESTED) and sub.decision != "review":
        return []
    context = queue_context(session, sub)
    return [
        QueueReasonOut(**reason.to_dict())
        for reason in queue_reasons(
            report or {},
            first_version=context.first_version,
            returned_after_approval=context.returned_after_approval,
            answered_question=context.answered_question,
            cancelled_rejection=context.cancelled_rejection,
        )
    ]


@router.get(
    "/v1/submissions/{submission_id}",
    response_model=SubmissionOut,
    summary="A submission's status, governance report (null until scanned) and why it waits for a human",
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_submission(submission_id: SubmissionId, principal: CurrentKey, session: DbSession) -> SubmissionOut:
    sub = _readable(session, submission_id, principal)
    report = orjson.loads(sub.report_json) if sub.report_json else None
    rejection = pending_rejection(session, sub.id)
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
        report=report,
        queue_reasons=_reasons(session, sub, report),
        info_requests=[
            InfoRequestOut.model_validate(r, from_attributes=True) for r in info_requests(session, sub.id)
        ],
        scheduled_rejection=(
            ScheduledRejectionOut(
                effective_on=rejection.effective_on,
                reason=rejection.reason,
                scheduled_at=rejection.scheduled_at,
            )
            if rejection is not None
            else None
        ),
    )


@router.post(
    "/v1/submissions/{submission_id}/answers",
    status_code=201,
    response_model=AnswerOut,
    summary="Answer a reviewer's question (that publisher or admin): the submission goes back to review",
    description=(
        "Only while the submission is `info_requested` (409 `no_open_question` otherwise). The answer is kept "
        "beside the question, shown in the review console's history and audited; the submission returns to "
        "`in_review`."
    ),
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def answer_reviewer_question(
    submission_id: SubmissionId, body: AnswerIn, principal: CurrentKey, session: DbSession, request: Request
) -> AnswerOut:
    sub = _readable(session, submission_id, principal)
    try:
        answered = answer_info_request(
            session,
            sub.id,
            body.answer,
            actor=f"{principal.role}:{principal.subject}",
            api_key_id=principal.key_id,
            request_id=request_id(request),
        )
    except ReviewStateError as exc:
        raise ApiError(409, "no_open_question", str(exc)) from None
    return AnswerOut(
        submission_id=sub.id,
        status=sub.status,
        info_request=InfoRequestOut.model_validate(answered, from_attributes=True),
    )

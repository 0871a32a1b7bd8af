"""Governance: a sensor that scans every new submission, and everything again when the rules change."""

import dagster as dg

from atom.opdb import make_engine
from atom.opdb.db import session_scope
from atom.settings import get_settings
from governance import RULES_VERSION
from ingest.review import scan_submission, submissions_to_scan
from orchestration.resources import OperationalDBResource


class ScanSubmissionConfig(dg.Config):
    submission_id: str


@dg.op(description="Scan one submission's archive and record the report and automated decision.")
def scan_submission_op(
    context: dg.OpExecutionContext, config: ScanSubmissionConfig, operational_db: OperationalDBResource
) -> None:
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            outcome = scan_submission(session, get_settings(), config.submission_id)
    finally:
        engine.dispose()
    context.log.info(
        f"{outcome.submission_id}: {outcome.decision} (risk {outcome.risk_score:.2f}, "
        f"{outcome.findings} findings) -> {outcome.status}"
    )


@dg.job(description="Scan one submission (launched by the submission sensor, one run per submission).")
def scan_submission_job() -> None:
    scan_submission_op()


# Every 15 s: a scan takes well under a second (docs/governance-eval.md), so a clean package is approved
# within one tick of its upload. The run key holds the rule set's version: each submission is scanned once
# per version, which is how a new rule set rescans everything.
@dg.sensor(
    job=scan_submission_job, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING
)
def new_submissions_sensor(context: dg.SensorEvaluationContext, operational_db: OperationalDBResource):
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            due = submissions_to_scan(session)
    finally:
        engine.dispose()
    if not due:
        return dg.SkipReason("no submission waits for a scan")
    return [
        dg.RunRequest(
            run_key=f"{submission_id}@{RULES_VERSION}",
            run_config=dg.RunConfig(
                ops={"scan_submission_op": ScanSubmissionConfig(submission_id=submission_id)}
            ),
            tags={"atom/submission": submission_id},
        )
        for submission_id in due
    ]


defs = dg.Definitions(jobs=[scan_submission_job], sensors=[new_submissions_sensor])

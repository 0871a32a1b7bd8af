"""Governance: a sensor that scans every new submission, and everything again when the rules or the stored
suppressions change; a schedule that applies the reviewers' delayed rejections when they fall due."""

import dagster as dg

from atom.clock import naive_now, today
from atom.opdb import make_engine
from atom.opdb.db import session_scope
from atom.opdb.reviews import apply_due_rejections
from atom.settings import get_settings
from ingest.review import scan_submission, scan_version, submissions_to_scan
from orchestration.resources import OperationalDBResource

DELAYED_REJECTIONS_JOB = "delayed_rejections_job"


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
# within one tick of its upload. The run key holds the rule set's version and the digest of the stored
# suppressions: each submission is scanned once per pair, which is how a new rule set or a new suppression
# rescans everything (a few hundred submissions rescan in well under a minute).
@dg.sensor(
    job=scan_submission_job, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING
)
def new_submissions_sensor(context: dg.SensorEvaluationContext, operational_db: OperationalDBResource):
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            due = submissions_to_scan(session)
            version = scan_version(session)
    finally:
        engine.dispose()
    if not due:
        return dg.SkipReason("no submission waits for a scan")
    return [
        dg.RunRequest(
            run_key=f"{submission_id}@{version}",
            run_config=dg.RunConfig(
                ops={"scan_submission_op": ScanSubmissionConfig(submission_id=submission_id)}
            ),
            tags={"atom/submission": submission_id},
        )
        for submission_id in due
    ]


@dg.op(
    description="Reject the versions whose delayed rejection is due today, unless a fixed version arrived."
)
def apply_delayed_rejections(
    context: dg.OpExecutionContext, operational_db: OperationalDBResource
) -> dg.Output[int]:
    settings = get_settings()
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            outcomes = apply_due_rejections(session, today(settings), now=naive_now(settings))
    finally:
        engine.dispose()
    for outcome in outcomes:
        context.log.info(f"{outcome.submission_id}: {outcome.state} ({outcome.resolution})")
    return dg.Output(
        sum(1 for o in outcomes if o.state == "applied"),
        metadata={
            "applied": sum(1 for o in outcomes if o.state == "applied"),
            "cancelled": sum(1 for o in outcomes if o.state == "cancelled"),
            "outcomes": "\n".join(f"{o.submission_id}: {o.state} ({o.resolution})" for o in outcomes),
        },
    )


@dg.job(
    name=DELAYED_REJECTIONS_JOB,
    description="Delayed rejections: a reviewer's rejection takes effect on its day unless a fix arrived.",
)
def delayed_rejections_job() -> None:
    apply_delayed_rejections()


# Hourly: a delayed rejection is due on a day (the platform's today, ATOM_TODAY when pinned), so it takes
# effect within the first hour of that day; a run with nothing due reads one indexed table and ends.
delayed_rejections_hourly = dg.ScheduleDefinition(
    job=delayed_rejections_job,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    jobs=[scan_submission_job, delayed_rejections_job],
    sensors=[new_submissions_sensor],
    schedules=[delayed_rejections_hourly],
)

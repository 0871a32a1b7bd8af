"""Review console: the queue, one package in depth, and the decision. Logic lives in app.review."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from sqlalchemy.exc import IntegrityError

from app import operational, review, ui
from app.formatting import code_span, literal
from atom.clock import today
from atom.opdb.portal import ReviewLockHeld, current_lock
from atom.opdb.registry import Submission, utcnow
from atom.opdb.reviews import MAX_REJECTION_DELAY_DAYS
from atom.settings import get_settings

identity = ui.require_identity(review.REVIEWER_ROLES)
settings = get_settings()
due_days = settings.atom_review_due_days
now = utcnow()

st.title("Review console")
with operational.session() as session:
    queue = review.review_queue(session, due_days, now)
    asked = review.waiting_for_publisher(session)
    scheduled = review.scheduled_rejections(session)

waiting_col, due_col, mine_col = st.columns(3)
waiting_col.metric("Waiting for review", len(queue), border=True)
due_col.metric("Past due", sum(1 for e in queue if e.is_past_due(now)), border=True)
mine_col.metric("Taken by you", sum(1 for e in queue if e.locked_by == identity.email), border=True)
st.caption(
    f"Due {due_days} working days (Mon-Fri) after submission (ATOM_REVIEW_DUE_DAYS); ordered by due date, "
    "then risk, highest first."
)

if asked:
    with st.expander(f"Waiting for the publisher's answer ({len(asked)})"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Asked (UTC)": request.requested_at,
                        "Package": sub.package_name,
                        "Version": sub.version,
                        "Publisher": sub.publisher_id,
                        "Asked by": request.requested_by,
                        "Question": request.question,
                    }
                    for sub, request in asked
                ]
            ),
            hide_index=True,
            key="review_asked",
        )
if scheduled:
    with st.expander(f"Rejections scheduled ({len(scheduled)})"):
        st.caption("Each takes effect on its day unless a higher version of the package arrives first.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Effective": rejection.effective_on,
                        "Package": sub.package_name,
                        "Version": sub.version,
                        "Publisher": sub.publisher_id,
                        "Scheduled by": rejection.scheduled_by,
                        "Reason": rejection.reason,
                    }
                    for sub, rejection in scheduled
                ]
            ),
            hide_index=True,
            key="review_scheduled",
        )

if not queue:
    st.success("The queue is empty: every submission has been decided.")
    st.stop()

queue_table = pd.DataFrame(
    [
        {
            "Due (UTC)": e.due_at,
            "Past due": e.is_past_due(now),
            "Package": e.package_name,
            "Version": e.version,
            "Publisher": e.publisher_id,
            "Risk": e.risk_score,
            "Findings": e.findings,
            "Why queued": "; ".join(e.reasons),
            "Taken by": e.locked_by or "",
            "Submission": e.submission_id,
        }
        for e in queue
    ]
)
ui.table_with_csv(queue_table, key="review_queue", file_name="review_queue.csv")

by_id = {e.submission_id: e for e in queue}
selected = st.selectbox(
    "Package to review",
    list(by_id),
    format_func=lambda sid: (
        f"{by_id[sid].package_name} {by_id[sid].version} (due {by_id[sid].due_at:%Y-%m-%d})"
    ),
    key="review_submission",
)
entry = by_id[selected]

with operational.session() as session:
    submission = session.get(Submission, selected)
    assert submission is not None
    lock = current_lock(session, selected, now)
    previous = review.previous_submission(session, submission)
    history = review.package_history(session, submission.package_id)
    archive = review.load_archive(settings.artifacts_dir, submission)
    previous_archive = review.load_archive(settings.artifacts_dir, previous) if previous is not None else None
report = review.report_of(submission)

# Everything below that comes from the package (names, paths, the scanner's messages quoting it) is
# shown as code or escaped, never as markdown: a file named "[click](http://evil)" stays text (issue 11).
st.header(literal(f"{submission.package_name} {submission.version}"))
st.caption(
    f"Publisher {code_span(submission.publisher_id)} · submitted {submission.submitted_at:%Y-%m-%d %H:%M} UTC · "
    f"due {entry.due_at:%Y-%m-%d %H:%M} UTC · risk {entry.risk_score if entry.risk_score is not None else '-'} · "
    f"sha256 `{submission.sha256[:16]}…`"
)
for reason in entry.reasons:
    st.markdown(f"- {literal(reason)}")

mine = lock is not None and lock.locked_by == identity.email
if lock is not None and not mine:
    st.warning(f"{lock.locked_by} is reviewing this package until {lock.expires_at:%H:%M} UTC.", icon="🔒")
elif mine:
    assert lock is not None
    left, right = st.columns([4, 1])
    left.info(f"You hold this package until {lock.expires_at:%H:%M} UTC.", icon="🔒")
    if right.button("Release", key="review_release"):
        with operational.session() as session:
            review.release(session, selected, identity)
        st.rerun()
elif st.button("Take this package", key="review_take", type="primary"):
    try:
        with operational.session() as session:
            review.take(session, selected, identity)
    except ReviewLockHeld as exc:
        st.error(str(exc))
    except IntegrityError:  # another reviewer inserted the lock between our read and our commit
        st.error("Another reviewer took this package a moment ago; pick another one from the queue.")
    else:
        st.rerun()

findings_tab, manifest_tab, policies_tab, diff_tab, history_tab = st.tabs(
    ["Findings", "Manifest and signature", "Policies", "Diff against previous version", "History"]
)

with findings_tab:
    findings = sorted(
        report.get("findings", []),
        key=lambda f: (
            -review.SEVERITY_RANK.get(f.get("severity", ""), 0),
            f.get("file", ""),
            f.get("line", 0),
        ),
    )
    if not findings:
        st.info("The scanner reported no findings.")
    if archive is None and findings:
        st.warning("The archive could not be read from the artifact store; code context is unavailable.")
    for finding in findings:
        where = f"{finding.get('file')}:{finding.get('line')}" if finding.get("file") else "package"
        st.markdown(
            f"**{literal(str(finding.get('severity', '')).upper())}** · {code_span(finding.get('rule'))} "
            f"({literal(finding.get('category'))}) · {code_span(where)} — {literal(finding.get('message', ''))}"
        )
        if finding.get("recommendation"):
            st.caption(f"Recommendation: {literal(finding['recommendation'])}")
        if archive is not None and finding.get("file") and finding.get("line"):
            context = review.code_context(archive, str(finding["file"]), int(finding["line"]))
            if context:
                st.code(review.render_context(context), language=None)
        if finding.get("file"):
            number = findings.index(finding)
            with st.expander("Suppress this finding"), st.form(f"review_suppress_{number}"):
                scope = st.radio(
                    "Scope",
                    list(review.SUPPRESSION_SCOPES),
                    format_func=review.SUPPRESSION_SCOPES.__getitem__,
                    key=f"review_suppress_scope_{number}",
                )
                why = st.text_input(
                    "Why the finding is acceptable (audited, shown in every report it suppresses)",
                    key=f"review_suppress_why_{number}",
                )
                if st.form_submit_button("Suppress", type="secondary"):
                    try:
                        with operational.session() as session:
                            row = review.suppress_finding(
                                session, submission, finding, identity, why, scope=scope, archive=archive
                            )
                    except review.ReviewError as exc:
                        st.error(str(exc))
                    else:
                        st.success(
                            f"Suppression {row.id} stored: the next scan of every submission of "
                            f"{literal(submission.package_name)} reports this finding as suppressed."
                        )
    suppressed = report.get("suppressed", [])
    if suppressed:
        st.subheader("Suppressed findings")
        st.caption("Reviewed exceptions: kept in the report, left out of the risk score and the policies.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Rule": f.get("rule"),
                        "Where": f"{f.get('file')}:{f.get('line')}",
                        "Severity": f.get("severity"),
                        "Suppressed by": f.get("suppressed_by"),
                        "Reason": f.get("reason"),
                    }
                    for f in suppressed
                ]
            ),
            hide_index=True,
            key="review_suppressed",
        )
    with operational.session() as session:
        in_force = review.package_suppressions(session, submission.package_name)
    if in_force:
        with st.expander(f"Suppressions in force for {literal(submission.package_name)} ({len(in_force)})"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Id": row.id,
                            "Package": row.package_name or "every package",
                            "Rule": row.rule,
                            "Path": row.path_pattern,
                            "Content": "that line" if row.content_hash != "*" else "any",
                            "By": row.created_by,
                            "When (UTC)": row.created_at,
                            "Reason": row.reason,
                        }
                        for row in in_force
                    ]
                ),
                hide_index=True,
                key="review_suppressions_in_force",
            )
            revoked_id = st.selectbox(
                "Suppression to revoke", [row.id for row in in_force], key="review_revoke_id"
            )
            if st.button("Revoke", key="review_revoke"):
                try:
                    with operational.session() as session:
                        review.revoke(session, int(revoked_id), identity)
                except review.ReviewError as exc:
                    st.error(str(exc))
                else:
                    st.toast(f"Suppression {revoked_id} revoked: the next scan counts its findings again")
                    st.rerun()

with manifest_tab:
    signature = report.get("signature") or {}
    status = signature.get("status", "not checked")
    (st.success if status == "valid" else st.error)(
        f"Signature: {literal(status)}"
        + (f" (key {code_span(signature.get('key_id'))})" if signature.get("key_id") else "")
    )
    st.json(json.loads(submission.manifest_json or "{}"), expanded=True)

with policies_tab:
    policies = pd.DataFrame(
        [
            {
                "Policy": p.get("id"),
                "Name": p.get("name"),
                "Result": p.get("status"),
                "Rules": ", ".join(p.get("finding_rules", [])),
            }
            for p in report.get("policies", [])
        ],
        columns=["Policy", "Name", "Result", "Rules"],
    )
    st.dataframe(policies, hide_index=True, key="review_policies")

with diff_tab:
    if archive is None:
        st.warning("The archive could not be read from the artifact store.")
    else:
        if previous is None:
            st.info("First version of this package: every file is new.")
        else:
            st.caption(
                f"Against {literal(previous.version)} ({previous.status}), submitted {previous.submitted_at:%Y-%m-%d}."
            )
        changes = review.file_diff(previous_archive, archive)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "File": c.path,
                        "Change": c.change,
                        "Bytes before": c.old_bytes,
                        "Bytes now": c.new_bytes,
                    }
                    for c in changes
                ]
            ),
            hide_index=True,
            key="review_diff",
        )
        for change in changes:
            if change.diff and previous is not None:
                with st.expander(f"{change.change}: {code_span(change.path)}"):
                    st.code(change.diff, language="diff")

with history_tab:
    st.dataframe(
        pd.DataFrame(history, columns=["at", "version", "event", "by", "detail"]).rename(
            columns={
                "at": "When (UTC)",
                "version": "Version",
                "event": "Event",
                "by": "By",
                "detail": "Detail",
            }
        ),
        hide_index=True,
        key="review_history",
    )

st.subheader("Decision")
if not mine:
    st.caption("Take the package to decide on it.")
else:
    action = st.radio(
        "Decision",
        list(review.ACTIONS),
        horizontal=True,
        key="review_decision",
        format_func=review.ACTION_LABELS.__getitem__,
    )
    label = f"{review.ACTION_LABELS[action]}: {submission.package_name} {submission.version}"
    if action == "request_info":
        question = st.text_area(
            "Question for the publisher (they answer through the API; the package waits as info_requested)",
            key="review_question",
        )
        if st.button(label, key="review_submit", type="primary"):
            try:
                with operational.session() as session:
                    review.ask_publisher(session, selected, identity, question)
            except review.ReviewError as exc:
                st.error(str(exc))
            else:
                st.session_state.pop("review_submission", None)
                st.toast(f"{submission.package_name} {submission.version}: question sent to the publisher")
                st.rerun()
        st.stop()
    canned_for = "approve" if action == "approve" else "reject"
    days = 0
    if action == "reject_later":
        days = int(
            st.number_input(
                "Reject after (days), unless a higher version arrives first",
                min_value=1,
                max_value=MAX_REJECTION_DELAY_DAYS,
                value=review.DEFAULT_REJECTION_DELAY_DAYS,
                key="review_delay_days",
            )
        )
    canned = st.selectbox(
        "Reason", ["(write your own)", *review.CANNED_REASONS[canned_for]], key=f"review_canned_{canned_for}"
    )
    note = st.text_area("Details for the publisher and the audit log", key="review_note")
    if st.button(label, key="review_submit", type="primary"):
        parts = [part for part in (canned if not canned.startswith("(") else "", note.strip()) if part]
        try:
            with operational.session() as session:
                if action == "reject_later":
                    rejection = review.reject_later(
                        session, selected, identity, ": ".join(parts), days, today(settings)
                    )
                    outcome = f"rejection scheduled for {rejection.effective_on}"
                else:
                    review.decide(session, selected, identity, action, ": ".join(parts))
                    outcome = review.DECISIONS[action]
        except review.ReviewError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("review_submission", None)
            st.toast(f"{submission.package_name} {submission.version}: {outcome}")
            st.rerun()

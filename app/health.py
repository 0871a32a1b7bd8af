"""A tenant's red/amber/green health from three signals: usage trend, days past due, failed payments.

Thresholds are ours, chosen to match how dunning works: Baremetrics counts a customer delinquent for more
than 30 days as cancelled, so 30 days past due is red; any overdue amount or a usage drop of 30 % or more
month over month is amber.
"""

from __future__ import annotations

from dataclasses import dataclass

RED, AMBER, GREEN = "red", "amber", "green"
USAGE_DROP_AMBER = 0.30
DAYS_PAST_DUE_RED = 30
BADGE = {RED: "🔴 red", AMBER: "🟠 amber", GREEN: "🟢 green"}


@dataclass(frozen=True)
class Health:
    score: str
    reasons: tuple[str, ...]

    @property
    def badge(self) -> str:
        return BADGE[self.score]


def tenant_health(
    *,
    state: str | None,
    events_last_30_days: int,
    events_prior_30_days: int,
    max_days_past_due: int,
    failed_payments: int,
) -> Health:
    red: list[str] = []
    amber: list[str] = []
    if state in ("past_due", "suspended", "churned"):
        red.append(f"lifecycle state {state}")
    if max_days_past_due > DAYS_PAST_DUE_RED:
        red.append(f"{max_days_past_due} days past due")
    elif max_days_past_due > 0:
        amber.append(f"{max_days_past_due} days past due")
    if failed_payments:
        red.append(f"{failed_payments} failed payment(s)")
    if events_prior_30_days > 0:
        change = (events_last_30_days - events_prior_30_days) / events_prior_30_days
        if change <= -USAGE_DROP_AMBER:
            amber.append(f"usage {change:+.0%} over the last 30 days")
    elif events_last_30_days == 0 and state not in ("churned",):
        amber.append("no usage in 60 days")
    if red:
        return Health(RED, tuple(red + amber))
    if amber:
        return Health(AMBER, tuple(amber))
    return Health(GREEN, ("usage steady, nothing overdue",))

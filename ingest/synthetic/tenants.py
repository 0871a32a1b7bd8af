"""Tenants, their plan history (subscriptions) and lifecycle (tenant events): the demand side.

Lifecycles are simulated per tenant with competing daily hazards; that is a loop over a few thousand
tenants at most, never over events. The first tenants follow scripted stories so that every lifecycle
state and every kind of plan change exists at any scale and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from ingest.synthetic.names import COUNTRIES, COUNTRY_WEIGHTS, TENANT_PREFIXES, TENANT_SUFFIXES
from ingest.synthetic.rng import stream
from ingest.synthetic.scales import Scale

PLANS = ("starter", "team", "business", "enterprise")
PLAN_AMOUNTS = {"starter": "0", "team": "49", "business": "499", "enterprise": "1999"}
SEGMENT_PLAN_WEIGHTS = {
    "smb": (0.45, 0.45, 0.10, 0.0),
    "mid_market": (0.0, 0.35, 0.55, 0.10),
    "enterprise": (0.0, 0.0, 0.40, 0.60),
}
# How much of its usual usage a tenant emits in each state; churned tenants emit nothing.
ACTIVITY = {"trialing": 0.4, "active": 1.0, "past_due": 0.8, "reactivated": 1.0, "churned": 0.0}

TRIAL_DAYS = 14
TRIAL_CONVERSION = 0.85
DAILY_PLAN_CHANGE = 0.05 / 30
DAILY_PAST_DUE = 0.03 / 30
DAILY_CHURN = 0.012 / 30
PAST_DUE_RECOVERY = 0.75
REACTIVATION = 0.30


@dataclass
class _History:
    """Builds one tenant's events and contiguous subscriptions while keeping intervals non-empty."""

    tenant_id: str
    rng: np.random.Generator
    events: list[tuple[datetime, str]] = field(default_factory=list)
    subs: list[list[Any]] = field(default_factory=list)  # [plan_id, is_trial, started_on, ended_on]

    def _at(self, day: date) -> datetime:
        at = datetime.combine(day, datetime.min.time()) + timedelta(seconds=int(self.rng.integers(0, 86_400)))
        if self.events and at <= self.events[-1][0]:
            at = self.events[-1][0] + timedelta(minutes=1)
        return at

    def state(self, day: date, state: str, at: datetime | None = None) -> None:
        self.events.append((at or self._at(day), state))

    def open(self, day: date, plan: str, is_trial: bool = False) -> None:
        self.close(day)
        self.subs.append([plan, is_trial, day, None])

    def close(self, day: date) -> None:
        if self.subs and self.subs[-1][3] is None:
            if day <= self.subs[-1][2]:
                self.subs.pop()  # replaced on the day it started: the empty interval never existed
            else:
                self.subs[-1][3] = day

    @property
    def plan(self) -> str:
        return str(self.subs[-1][0])


def _next_plan(rng: np.random.Generator, plan: str) -> str:
    i = PLANS.index(plan)
    up = i < len(PLANS) - 1 and (i == 0 or rng.random() < 0.7)
    return PLANS[i + 1] if up else PLANS[i - 1]


def _simulate(h: _History, created_at: datetime, plan: str, today: date) -> None:
    rng = h.rng
    created = created_at.date()
    h.state(created, "trialing", at=created_at)
    h.open(created, "team" if plan == "starter" else plan, is_trial=True)
    day = created + timedelta(days=TRIAL_DAYS)
    if day > today:
        return
    churned = rng.random() >= TRIAL_CONVERSION
    if not churned:
        h.state(day, "active")
        h.open(day, plan)
    total = DAILY_PLAN_CHANGE + DAILY_PAST_DUE + DAILY_CHURN
    while True:
        if churned:
            h.state(day, "churned")
            h.close(day)
            if rng.random() >= REACTIVATION:
                return
            day += timedelta(days=int(rng.integers(20, 121)))
            if day > today:
                return
            h.state(day, "reactivated")
            h.open(day, plan)
            churned = False
        day += timedelta(days=1 + int(rng.exponential(1 / total)))
        if day > today:
            return
        kind = rng.random() * total
        if kind < DAILY_PLAN_CHANGE:
            plan = _next_plan(rng, h.plan)
            h.open(day, plan)
        elif kind < DAILY_PLAN_CHANGE + DAILY_PAST_DUE:
            h.state(day, "past_due")
            day += timedelta(days=int(rng.integers(3, 22)))
            if day > today:
                return
            if rng.random() < PAST_DUE_RECOVERY:
                h.state(day, "active")
            else:
                churned = True
        else:
            churned = True


def _scripted(h: _History, story: int, today: date, window_days: int) -> datetime:
    """Stories 0-5 make sure each current state and each kind of plan change exists; returns created_at."""
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    # Inside the usage window (the marketplace launched on its first day), at least 160 days back so the
    # dated events of each story below still follow the signup and its trial.
    created = min({0: 200, 1: 5, 2: 190, 3: 185, 4: 200, 5: 175}[story], window_days - 1)
    created_at = datetime.combine(d(created), datetime.min.time()) + timedelta(hours=9)
    first_plan = "business" if story == 5 else "team"
    h.state(d(created), "trialing", at=created_at)
    h.open(d(created), first_plan, is_trial=True)
    if story == 1:
        return created_at  # still in its trial
    h.state(d(created - TRIAL_DAYS), "active")
    h.open(d(created - TRIAL_DAYS), first_plan)
    if story == 0:  # a mid-month upgrade two months back
        month = (today.replace(day=1) - timedelta(days=40)).replace(day=15)
        h.open(month, "business")
    elif story == 2:
        h.state(d(6), "past_due")
    elif story == 3:
        h.state(d(70), "churned")
        h.close(d(70))
    elif story == 4:
        h.state(d(150), "churned")
        h.close(d(150))
        h.state(d(60), "reactivated")
        h.open(d(60), "team")
    elif story == 5:  # late payment recovered, then a downgrade
        h.state(d(100), "past_due")
        h.state(d(90), "active")
        h.open(d(45), "team")
    return created_at


SCRIPTED_STORIES = 6


@dataclass(frozen=True)
class TenantWorld:
    tenants: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]
    events: list[dict[str, Any]]
    sizes: np.ndarray  # relative usage volume per tenant, heavy-tailed
    activity: np.ndarray  # tenants x usage days: multiplier of usage (0 while not yet created or churned)

    @property
    def tenant_ids(self) -> list[str]:
        return [t["id"] for t in self.tenants]


def _names(rng: np.random.Generator, count: int) -> list[str]:
    combos = [f"{p} {s}" for p in TENANT_PREFIXES for s in TENANT_SUFFIXES]
    order = rng.permutation(len(combos))
    return [
        combos[order[i % len(combos)]] + ("" if i < len(combos) else f" {i // len(combos) + 1}")
        for i in range(count)
    ]


def build_tenants(scale: Scale, seed: int, today: date, usage_days: list[date]) -> TenantWorld:
    rng = stream(seed, "tenants")
    n = scale.tenants
    start = usage_days[0]
    # Pareto with alpha 1.16 is the 80/20 law: a fifth of the tenants emit about four fifths of the usage.
    # Capped so one tenant never dwarfs a small-scale world.
    sizes = np.minimum(rng.pareto(1.16, n) + 1.0, 100.0)
    rank = np.argsort(np.argsort(-sizes))
    segments = np.where(rank < max(1, n // 20), "enterprise", np.where(rank < n // 4, "mid_market", "smb"))
    countries = rng.choice(COUNTRIES, size=n, p=np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
    # The marketplace launched on the first day of the usage window, so every invoice month has usage data:
    # a launch cohort of 55% signs up in the first month, the rest later, more of them towards today (sqrt).
    launch_cohort = rng.random(n) < 0.55
    offsets = np.where(
        launch_cohort,
        rng.integers(0, 31, n),
        np.floor(np.sqrt(rng.random(n)) * len(usage_days)).astype(int),
    )
    names = _names(rng, n)

    tenants, subscriptions, events = [], [], []
    day_index = {d: i for i, d in enumerate(usage_days)}
    activity = np.zeros((n, len(usage_days)), dtype=np.float64)
    for i in range(n):
        tenant_id = "ten_" + "_".join(names[i].lower().split())
        h = _History(tenant_id, stream(seed, f"tenant:{i}"))
        segment = str(segments[i])
        plan = PLANS[int(rng.choice(4, p=SEGMENT_PLAN_WEIGHTS[segment]))]
        if i < SCRIPTED_STORIES:
            created_at = _scripted(h, i, today, len(usage_days))
        else:
            created_day = min(start + timedelta(days=int(offsets[i])), today)
            created_at = datetime.combine(created_day, datetime.min.time()) + timedelta(
                seconds=int(rng.integers(0, 86_400))
            )
            _simulate(h, created_at, plan, today)
        tenants.append(
            {
                "id": tenant_id,
                "name": names[i],
                "segment": segment,
                "country": str(countries[i]),
                "created_at": created_at,
            }
        )
        events += [{"tenant_id": tenant_id, "state": s, "occurred_at": at} for at, s in h.events]
        subscriptions += [
            {
                "id": f"sub_{tenant_id[4:]}_{k + 1}",
                "tenant_id": tenant_id,
                "plan_id": p,
                "is_trial": trial,
                "started_on": begin,
                "ended_on": end,
            }
            for k, (p, trial, begin, end) in enumerate(h.subs)
        ]
        for k, (at, state) in enumerate(h.events):
            first = max(at.date(), start)
            last = h.events[k + 1][0].date() if k + 1 < len(h.events) else today + timedelta(days=1)
            if last > first and first in day_index:
                activity[i, day_index[first] : day_index.get(last, len(usage_days))] = ACTIVITY[state]
    return TenantWorld(tenants, subscriptions, events, sizes, activity)

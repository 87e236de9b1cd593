"""The engagement funnel of eval-1, by month of entry (docs/evaluation.md, "Engagement funnel").

Two ways in, each its own funnel:

- ``candidates``: proposed (the local day of the proposal) → approved (a manager approved it; an
  approval that later expired counts) → first attempt → delivered → engaged → retained;
- ``referrals``: referred (the day received; voided referrals are left out) → first attempt →
  delivered → engaged → retained.

From the entry (for a candidacy, its approval day): the first custom-notification attempt on or
after it, then the first delivered one on or after it. Engaged: a service referral connected
within 90 days of that delivery (its day to 90 days after). Retained: engaged, and at least one
peer contact in each of the three 30-day windows after the delivery (days 1-30, 31-60, 61-90).
Each step counts the entries that reached it; its share is of the step before. The median days
are from the step before to this one, over the entries that reached it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from vip.casework.models import Contact
from vip.core.dates import Month
from vip.evaluation.cohort import Sources
from vip.identification.models import Candidate
from vip.notifications.models import NotificationAttempt
from vip.referrals.models import Referral

ENGAGED_WITHIN_DAYS = 90
RETENTION_WINDOWS = ((1, 30), (31, 60), (61, 90))
CANDIDATE_STEPS = ("proposed", "approved", "first_attempt", "delivered", "engaged", "retained")
REFERRAL_STEPS = ("referred", "first_attempt", "delivered", "engaged", "retained")


@dataclass(frozen=True)
class Step:
    step: str
    count: int | None  # None: withheld
    share: float | None  # of the step before; None for the first step, or withheld
    median_days: float | None  # from the step before

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "count": self.count, "share": self.share, "median_days": self.median_days}


@dataclass(frozen=True)
class MonthFunnel:
    month: str
    kind: str  # "candidates" or "referrals"
    steps: list[Step]

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "kind": self.kind, "steps": [s.to_dict() for s in self.steps]}


def _attempt_days(as_of: dt.date) -> tuple[dict[int, list[dt.date]], dict[int, list[dt.date]]]:
    """Person -> sorted days of every attempt, and of every delivered attempt, up to ``as_of``."""
    every: dict[int, list[dt.date]] = defaultdict(list)
    delivered: dict[int, list[dt.date]] = defaultdict(list)
    rows = NotificationAttempt.objects.filter(voided_at__isnull=True, attempted_on__lte=as_of).values_list(
        "person_id", "attempted_on", "outcome"
    )
    for person, day, outcome in rows.iterator(chunk_size=20_000):
        every[person].append(day)
        if outcome == "delivered":
            delivered[person].append(day)
    for days in (*every.values(), *delivered.values()):
        days.sort()
    return every, delivered


def _contact_days(zone: ZoneInfo, as_of: dt.date) -> dict[int, list[dt.date]]:
    found: dict[int, list[dt.date]] = defaultdict(list)
    rows = Contact.objects.filter(voided_at__isnull=True).values_list("person_id", "contacted_at")
    for person, moment in rows.iterator(chunk_size=20_000):
        day = moment.astimezone(zone).date()
        if day <= as_of:
            found[person].append(day)
    for days in found.values():
        days.sort()
    return found


def _first_on_or_after(days: list[dt.date], start: dt.date) -> dt.date | None:
    at = bisect.bisect_left(days, start)
    return days[at] if at < len(days) else None


def _journey(
    person: int,
    start: dt.date,
    sources: Sources,
    attempts: dict[int, list[dt.date]],
    delivered: dict[int, list[dt.date]],
    contacts: dict[int, list[dt.date]],
) -> list[dt.date | None]:
    """The days of first attempt, delivery, engagement and retention after ``start`` (None: not reached)."""
    first = _first_on_or_after(attempts.get(person, []), start)
    given = _first_on_or_after(delivered.get(person, []), start)
    if first is None or given is None:
        return [first, None, None, None]
    window = given + dt.timedelta(days=ENGAGED_WITHIN_DAYS)
    engaged = min((d for d in sources.connected.get(person, ()) if given <= d <= window), default=None)
    retained = None
    if engaged is not None:
        seen = contacts.get(person, [])
        ends = []
        for low, high in RETENTION_WINDOWS:
            day = _first_on_or_after(seen, given + dt.timedelta(days=low))
            if day is None or day > given + dt.timedelta(days=high):
                break
            ends.append(day)
        else:
            retained = max(engaged, ends[-1])
    return [first, given, engaged, retained]


def _steps(names: tuple[str, ...], journeys: list[list[dt.date | None]], threshold: int) -> list[Step]:
    """Counts, shares and median days of each step over ``journeys`` (each: the day of every step)."""
    steps = []
    previous_count = None
    for i, name in enumerate(names):
        reached = [j for j in journeys if all(day is not None for day in j[: i + 1])]
        count = len(reached)
        days = [(j[i] - j[i - 1]).days for j in reached] if i else []  # type: ignore[operator]
        share: float | None = count / previous_count if previous_count else None
        median = float(statistics.median(days)) if days else None
        if threshold and 1 <= count <= threshold:
            steps.append(Step(name, None, None, None))
        else:
            withheld_before = threshold and previous_count is not None and 1 <= previous_count <= threshold
            steps.append(Step(name, count, None if withheld_before else share, median))
        previous_count = count
    return steps


def funnel(sources: Sources, zone: ZoneInfo, threshold: int = 0) -> list[MonthFunnel]:
    """The funnel of every month with an entry, up to the as-of day's month, oldest first."""
    as_of = sources.as_of
    attempts, delivered = _attempt_days(as_of)
    contacts = _contact_days(zone, as_of)
    by_month: dict[tuple[str, str], list[list[dt.date | None]]] = defaultdict(list)
    rows = Candidate.objects.values_list("person_id", "proposed_at", "decided_at", "status")
    for person, proposed_at, decided_at, status in rows.iterator(chunk_size=20_000):
        proposed = proposed_at.astimezone(zone).date()
        if proposed > as_of:
            continue
        approved = None
        if decided_at is not None and status in {"approved", "expired"}:
            approved = decided_at.astimezone(zone).date()
            if approved > as_of:
                approved = None
        later = _journey(person, approved, sources, attempts, delivered, contacts) if approved else [None] * 4
        by_month[(str(Month.of(proposed)), "candidates")].append([proposed, approved, *later])
    referrals = Referral.objects.filter(voided_at__isnull=True, received_on__lte=as_of)
    for person, received in referrals.values_list("person_id", "received_on").iterator(chunk_size=20_000):
        journey = [received, *_journey(person, received, sources, attempts, delivered, contacts)]
        by_month[(str(Month.of(received)), "referrals")].append(journey)
    out = []
    for (month, kind), journeys in sorted(by_month.items()):
        names = CANDIDATE_STEPS if kind == "candidates" else REFERRAL_STEPS
        out.append(MonthFunnel(month, kind, _steps(names, journeys, threshold)))
    return out

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

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from vip.casework.models import Contact
from vip.evaluation.cohort import NO_DAY, PersonDays, Sources, columns, day_number, day_sql

NONE = -1  # a step not reached
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


def _attempts(as_of: dt.date) -> tuple[PersonDays, PersonDays]:
    """Every attempt up to ``as_of``, and every delivered one, as (person, day)."""
    every = PersonDays.read(
        ["person_id", day_sql("attempted_on"), "CASE WHEN outcome = 'delivered' THEN 1 ELSE 0 END"],
        "notifications_notificationattempt WHERE voided_at IS NULL AND attempted_on <= %s",
        [as_of],
    )
    given = every.kind == 1
    return every, PersonDays(every.person[given], every.day[given], every.kind[given])


def contact_days(zone: ZoneInfo, as_of: dt.date) -> PersonDays:
    """Every peer contact up to ``as_of``, by its local day."""
    rows = Contact.objects.filter(voided_at__isnull=True).values_list("person_id", "contacted_at")
    found = []
    for person, moment in rows.iterator(chunk_size=20_000):
        day = moment.astimezone(zone).date()
        if day <= as_of:
            found.append((person, day_number(day), 0))
    return PersonDays.of(found)


def _then(table: PersonDays, person: np.ndarray, start: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """The day of each person's first row of ``table`` on or after ``start`` where ``reached``; NONE otherwise."""
    at = table.first_from(person, np.where(reached, start, 0))
    return np.where(reached, table.day_at(at, NONE), NONE)


def _journeys(
    person: np.ndarray, start: np.ndarray, sources: Sources, every: PersonDays, given: PersonDays, seen: PersonDays
) -> list[np.ndarray]:
    """The days of first attempt, delivery, engagement and retention after ``start`` (NONE: not reached)."""
    started = start != NONE
    if not started.all():  # worked out for the entries that started only (most proposals are never approved)
        out = [np.full(len(person), NONE, dtype=np.int64) for _ in range(4)]
        parts = _journeys(person[started], start[started], sources, every, given, seen)
        for whole, part in zip(out, parts, strict=True):
            whole[started] = part
        return out
    first = _then(every, person, start, started)
    delivered = _then(given, person, start, started & (first != NONE))
    link = _then(sources.connected, person, delivered, delivered != NONE)
    engaged = np.where((link != NONE) & (link <= delivered + ENGAGED_WITHIN_DAYS), link, NONE)
    retained = engaged.copy()
    for low, high in RETENTION_WINDOWS:
        day = _then(seen, person, delivered + low, retained != NONE)
        inside = (day != NONE) & (day <= delivered + high)
        retained = np.where(inside, np.maximum(retained, day), NONE)
    return [first, delivered, engaged, retained]


def _steps(names: tuple[str, ...], days: list[np.ndarray], threshold: int) -> list[Step]:
    """Counts, shares and median days of each step (``days``: the day of every step, NONE: not reached)."""
    steps = []
    previous_count = None
    reached = np.ones(len(days[0]), dtype=bool)
    for i, name in enumerate(names):
        reached &= days[i] != NONE
        count = int(reached.sum())
        gaps = (days[i] - days[i - 1])[reached] if i else np.zeros(0)
        share: float | None = count / previous_count if previous_count else None
        median = float(np.median(gaps)) if len(gaps) else None
        if threshold and 1 <= count <= threshold:
            steps.append(Step(name, None, None, None))
        else:
            withheld_before = threshold and previous_count is not None and 1 <= previous_count <= threshold
            steps.append(Step(name, count, None if withheld_before else share, median))
        previous_count = count
    return steps


Entries = list[tuple[str, tuple[str, ...], list[np.ndarray]]]  # kind, steps, the day of each step


def funnel(
    sources: Sources, zone: ZoneInfo, threshold: int = 0, fiscal_year_start_month: int | None = None
) -> list[MonthFunnel]:
    """The funnel of every month with an entry, up to the as-of day's month, oldest first; with
    ``fiscal_year_start_month``, of every fiscal year of entry instead ("FY2025", the public
    edition's: docs/evaluation.md)."""
    return by_period(journeys(sources, zone), threshold, fiscal_year_start_month)


def journeys(sources: Sources, zone: ZoneInfo) -> Entries:
    """Every entry's way through the funnel (candidacies, then referrals), as the day of each step."""
    as_of = sources.as_of
    through = day_number(as_of)
    every, given = _attempts(as_of)
    seen = contact_days(zone, as_of)
    entries: Entries = []
    c = sources.candidacies
    kept = c.day <= through
    if kept.any():
        approved = np.where((c.approved != NO_DAY) & (c.approved <= through), c.approved, NONE)[kept]
        later = _journeys(c.person[kept], approved, sources, every, given, seen)
        entries.append(("candidates", CANDIDATE_STEPS, [c.day[kept], approved, *later]))
    person, received = columns(
        ["person_id", day_sql("received_on")],
        "referrals_referral WHERE voided_at IS NULL AND received_on <= %s",
        [as_of],
    )
    if len(person):
        later = _journeys(person, received, sources, every, given, seen)
        entries.append(("referrals", REFERRAL_STEPS, [received, *later]))
    return entries


def by_period(entries: Entries, threshold: int = 0, fiscal_year_start_month: int | None = None) -> list[MonthFunnel]:
    """The funnel of each month of entry (or fiscal year, with ``fiscal_year_start_month``)."""
    out = []
    for kind, names, unsorted in entries:
        # Each period's entries, one slice of the entries sorted by the day of entry (months and
        # fiscal years follow the days' order).
        order = np.argsort(unsorted[0], kind="stable")
        days = [d[order] for d in unsorted]
        moments = days[0].astype("datetime64[D]")
        months = moments.astype("datetime64[M]").astype(np.int64)  # months since 1970, in order
        if fiscal_year_start_month is not None:  # the calendar year the fiscal year ends in
            start = fiscal_year_start_month
            months = months // 12 + 1970 - (months % 12 + 1 < start) + (1 if start > 1 else 0)
        keys, starts = np.unique(months, return_index=True)
        if fiscal_year_start_month is None:
            labels = [str(m) for m in np.datetime_as_string(keys.astype("datetime64[M]"), unit="M")]
        else:
            labels = [f"FY{year}" for year in keys.tolist()]
        bounds = [*starts.tolist(), len(months)]
        for label, low, high in zip(labels, bounds, bounds[1:], strict=False):
            out.append(MonthFunnel(label, kind, _steps(names, [d[low:high] for d in days], threshold)))
    out.sort(key=lambda m: (m.month, m.kind))
    return out

"""The comparison group of eval-1 (docs/evaluation.md, "Comparison group").

- The comparison pool: people the published criteria proposed (a candidacy without a proposing
  account) who were not notified within 90 days of the proposal. Their origin is the proposal day
  (local). A later notification censors them on its day; they then enter the notified cohort with
  their own origin. A person notified on or before the proposal day is not in the pool, and a
  person with several such candidacies is in it once, from the first.
- The notified who were candidates: a notified person with a candidacy by the criteria proposed on
  or before their origin (the latest such candidacy gives their criterion).
- A candidacy's criterion is that of its first reason (the criteria write reasons in their
  published order).
- Matching: each such notified person takes up to three people of the pool with the same
  criterion, age band (on the origin day; for the pool, on the proposal day) and sex, the nearest
  in origin within 180 days, each used once, never themselves; in rounds, so that as many as
  possible have one match before anyone has three.
- The hazard ratio: a Cox model (lifelines) of the matched people, notified against comparison,
  adjusted for age band, sex and the shootings each was involved in during the 365 days before
  origin, with standard errors robust to the matched sets; its proportional-hazards check is
  lifelines' test on the rank of time.

The core (:func:`match`, :func:`hazard_ratio`) works on plain subjects, so that it can be tested
and benchmarked on generated data with a planted hazard ratio.
"""

from __future__ import annotations

import bisect
import datetime as dt
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import OuterRef, Subquery

from vip.core.config import ProgramConfig
from vip.evaluation.cohort import Sources, age_band_on, day_number, first_event, follow_up_end
from vip.identification.models import Candidate, CandidateReason

NOT_NOTIFIED_WITHIN_DAYS = 90
MATCHES_PER_PERSON = 3
CALIPER_DAYS = 180
PRIOR_DAYS = 365


@dataclass(frozen=True)
class Subject:
    """One person's follow-up in one group."""

    person: int
    notified: bool
    origin: dt.date
    time: int  # days from origin to the event or to censoring
    event: bool
    criterion: str
    age_band: str
    sex: str
    prior_shootings: int

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.criterion, self.age_band, self.sex)


@dataclass(frozen=True)
class MatchedSet:
    notified: Subject
    comparison: tuple[Subject, ...]


def _criteria_candidacies(zone: ZoneInfo, as_of: dt.date) -> dict[int, list[tuple[dt.date, str]]]:
    """Person -> (local proposal day, criterion) of every candidacy the criteria proposed by ``as_of``."""
    # The first reason of each candidacy only (the criteria write them in their published order):
    # a criteria history holds millions of reasons, most of them the network's.
    first = CandidateReason.objects.filter(candidate=OuterRef("pk")).order_by("id").values("criterion")[:1]
    bound = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Candidate.objects.filter(proposed_by__isnull=True, proposed_at__lt=bound)
        .annotate(criterion=Subquery(first))
        .values_list("person_id", "proposed_at", "criterion")
    )
    found: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for person, moment, criterion in rows.iterator(chunk_size=20_000):
        if criterion and criterion != "manual":
            found[person].append((moment.astimezone(zone).date(), criterion))
    for items in found.values():
        items.sort()
    return found


def _prior(sources: Sources, person: int, origin: dt.date) -> int:
    """Shootings the person was involved in during the 365 days before ``origin``."""
    days = sources.shootings.days_of(person)
    end = day_number(origin)
    return int(((days >= end - PRIOR_DAYS) & (days < end)).sum())


def _subject(
    config: ProgramConfig,
    sources: Sources,
    person: int,
    *,
    notified: bool,
    origin: dt.date,
    end: dt.date,
    criterion: str,
) -> Subject:
    """One person's follow-up from ``origin`` to their first violent event, or to ``end`` (or to
    their recorded death, if earlier)."""
    end = follow_up_end(sources, person, origin, end)
    first = first_event(sources, person, origin, end)
    return Subject(
        person=person,
        notified=notified,
        origin=origin,
        time=((first[0] if first else end) - origin).days,
        event=first is not None,
        criterion=criterion,
        age_band=age_band_on(config, sources, person, origin),
        sex=sources.sex_of(person),
        prior_shootings=_prior(sources, person, origin),
    )


def subjects(config: ProgramConfig, sources: Sources) -> tuple[list[Subject], list[Subject]]:
    """The notified who were candidates, and the comparison pool (docs/evaluation.md)."""
    as_of = sources.as_of
    candidacies = _criteria_candidacies(config.zone, as_of)
    notified, pool = [], []
    for person, items in sorted(candidacies.items()):
        origin = sources.origin_of(person)
        before = [item for item in items if origin is not None and item[0] <= origin]
        if origin is not None and before:
            criterion = before[-1][1]
            notified.append(
                _subject(config, sources, person, notified=True, origin=origin, end=as_of, criterion=criterion)
            )
        for day, criterion in items:
            if origin is not None and origin <= day + dt.timedelta(days=NOT_NOTIFIED_WITHIN_DAYS):
                continue  # notified before, on or within 90 days of the proposal
            end = as_of if origin is None else min(as_of, origin)  # a later notification censors
            pool.append(_subject(config, sources, person, notified=False, origin=day, end=end, criterion=criterion))
            break  # in the pool once, from the first such candidacy
    return notified, pool


def match(
    notified: list[Subject], pool: list[Subject], per_person: int = MATCHES_PER_PERSON, caliper: int = CALIPER_DAYS
) -> tuple[list[MatchedSet], list[Subject]]:
    """Matched sets (each notified person with 1 to ``per_person`` of the pool) and the notified
    left unmatched. Exact on criterion, age band and sex; nearest origin within ``caliper`` days
    (ties: the lower person id); without replacement. In rounds: each notified person, in order
    of origin, takes their nearest one left, then each their second, and so on, so that as many
    as possible have one before anyone has three."""
    cells: dict[tuple[str, str, str], list[tuple[int, int, Subject]]] = defaultdict(list)
    for subject in pool:
        cells[subject.cell].append((subject.origin.toordinal(), subject.person, subject))
    for items in cells.values():
        items.sort(key=lambda item: (item[0], item[1]))
    order = sorted(notified, key=lambda s: (s.origin, s.person))
    chosen: dict[int, list[Subject]] = {s.person: [] for s in order}
    for _round in range(per_person):
        for person in order:
            items = cells.get(person.cell, [])
            day = person.origin.toordinal()
            low = bisect.bisect_left(items, day - caliper, key=lambda item: item[0])
            high = bisect.bisect_right(items, day + caliper, key=lambda item: item[0])
            near = min(
                ((abs(items[i][0] - day), items[i][1], i) for i in range(low, high) if items[i][1] != person.person),
                default=None,
            )
            if near is not None:
                chosen[person.person].append(items.pop(near[2])[2])  # without replacement
    sets = [
        MatchedSet(p, tuple(sorted(chosen[p.person], key=lambda s: (s.origin, s.person))))
        for p in order
        if chosen[p.person]
    ]
    return sets, [p for p in order if not chosen[p.person]]


@dataclass(frozen=True)
class HazardRatio:
    value: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    ph_test_p: float | None  # the proportional-hazards test of the notified term (small: doubtful)
    n_notified: int
    n_comparison: int
    events_notified: int
    events_comparison: int
    adjusted_for: tuple[str, ...]
    note: str = ""  # why there is no estimate, where there is none

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "proportional_hazards_p": self.ph_test_p,
            "n_notified": self.n_notified,
            "n_comparison": self.n_comparison,
            "events_notified": self.events_notified,
            "events_comparison": self.events_comparison,
            "adjusted_for": list(self.adjusted_for),
            "note": self.note,
        }


def hazard_ratio(sets: list[MatchedSet]) -> HazardRatio:
    """The Cox hazard ratio of the notified against their matches (docs/evaluation.md)."""
    rows = []
    for number, matched in enumerate(sets):
        for subject in (matched.notified, *matched.comparison):
            rows.append((number, subject))
    notified = [s for _n, s in rows if s.notified]
    comparison = [s for _n, s in rows if not s.notified]
    adjusted = ("age band", "sex", "shootings in the 365 days before origin")

    def without(note: str) -> HazardRatio:
        return HazardRatio(
            None,
            None,
            None,
            None,
            None,
            n_notified=len(notified),
            n_comparison=len(comparison),
            events_notified=sum(s.event for s in notified),
            events_comparison=sum(s.event for s in comparison),
            adjusted_for=adjusted,
            note=note,
        )

    if not notified or not comparison or not any(s.event for _n, s in rows):
        return without("too few to estimate")
    import pandas as pd  # deferred: loaded with lifelines, for the model only
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError
    from lifelines.statistics import proportional_hazard_test

    frame = pd.DataFrame(
        {
            "time": [s.time for _n, s in rows],
            "event": [int(s.event) for _n, s in rows],
            "notified": [int(s.notified) for _n, s in rows],
            "prior_shootings": [s.prior_shootings for _n, s in rows],
            "set": [n for n, _s in rows],
        }
    )
    for name, values in (("age", [s.age_band for _n, s in rows]), ("sex", [s.sex for _n, s in rows])):
        dummies = pd.get_dummies(pd.Series(values, dtype="category"), prefix=name, drop_first=True, dtype=float)
        frame = pd.concat([frame, dummies], axis=1)
    constant = [c for c in frame.columns if c not in {"time", "event", "notified", "set"} and frame[c].nunique() < 2]
    frame = frame.drop(columns=constant)
    fitter = CoxPHFitter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines warns of near-constant columns; the check is ours
            fitter.fit(frame, duration_col="time", event_col="event", cluster_col="set", robust=True)
            check = proportional_hazard_test(fitter, frame, time_transform="rank")
    except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
        return without(f"the model could not be estimated ({exc})")
    summary = fitter.summary.loc["notified"]
    ph = check.summary.loc["notified", "p"] if "notified" in check.summary.index else None
    base = without("")
    return HazardRatio(
        value=float(summary["exp(coef)"]),
        ci_low=float(summary["exp(coef) lower 95%"]),
        ci_high=float(summary["exp(coef) upper 95%"]),
        p_value=float(summary["p"]),
        ph_test_p=None if ph is None else float(ph),
        n_notified=base.n_notified,
        n_comparison=base.n_comparison,
        events_notified=base.events_notified,
        events_comparison=base.events_comparison,
        adjusted_for=adjusted,
    )

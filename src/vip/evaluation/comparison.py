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
from dataclasses import dataclass
from typing import Any

import numpy as np

from vip.core.config import ProgramConfig
from vip.evaluation.cohort import _SPAN, NO_DAY, Sources, age_bands, ages_on, day_number, day_of, follow_up

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


def _subjects(
    config: ProgramConfig,
    sources: Sources,
    person: np.ndarray,
    origin: np.ndarray,
    end: np.ndarray,
    criterion: list[str],
    notified: bool,
) -> list[Subject]:
    """The follow-up of each ``person`` from ``origin`` (day numbers), all at once: to the first
    violent event strictly after it, or to ``end`` (or to a recorded death, if earlier, never
    before the origin); the age band on the origin day; the shootings the person was involved in
    during the 365 days before it."""
    if not len(person):
        return []
    followed = follow_up(sources, person, origin, end)
    time, event = followed.time, followed.event
    bands = age_bands(config, ages_on(followed.born(sources), origin))
    sexes = [
        sources.sex[i] if hit else "unknown"
        for i, hit in zip(followed.at.tolist(), followed.listed.tolist(), strict=True)
    ]
    keys = sources.shootings.keys
    prior = np.searchsorted(keys, person * _SPAN + origin) - np.searchsorted(keys, person * _SPAN + origin - PRIOR_DAYS)
    dates: dict[int, dt.date] = {}
    out = []
    for values in zip(
        person.tolist(), origin.tolist(), time.tolist(), event.tolist(), criterion, bands, sexes, prior.tolist(),
        strict=True,
    ):  # fmt: skip
        who, number, days, hurt, code, band, sex, shootings = values
        if number not in dates:
            dates[number] = day_of(number)
        out.append(Subject(who, notified, dates[number], days, hurt, code, band, sex, shootings))
    return out


def subjects(config: ProgramConfig, sources: Sources) -> tuple[list[Subject], list[Subject]]:
    """The notified who were candidates, and the comparison pool (docs/evaluation.md)."""
    c = sources.candidacies
    through = day_number(sources.as_of)
    manual = c.criteria.index("manual") if "manual" in c.criteria else -2
    kept = c.by_criteria & (c.criterion >= 0) & (c.criterion != manual) & (c.day <= through)
    person, day, criterion = c.person[kept], c.day[kept], c.criterion[kept]  # by person, day, criterion
    people = np.unique(person)
    found = sources.origin.first_from(people, np.zeros(len(people), dtype=np.int64))
    origin = sources.origin.day_at(found, NO_DAY)
    has_origin = origin != NO_DAY
    # The notified who were candidates: their latest candidacy on or before their origin.
    keys = person * _SPAN + day
    latest = np.searchsorted(keys, people * _SPAN + np.where(has_origin, origin, 0), side="right") - 1
    was = has_origin & (latest >= 0)
    was[was] = person[latest[was]] == people[was]
    # The pool: a person's first candidacy, unless notified before, on or within 90 days after it
    # (a later candidacy is later still); a later notification censors them on its day.
    first = np.searchsorted(person, people, side="left")
    pooled = ~has_origin | (origin > day[first] + NOT_NOTIFIED_WITHIN_DAYS)
    end = np.where(has_origin, np.minimum(through, origin), through)
    names = c.criteria
    notified = _subjects(
        config,
        sources,
        people[was],
        origin[was],
        np.full(int(was.sum()), through, dtype=np.int64),
        [names[k] for k in criterion[latest[was]].tolist()],
        True,
    )
    pool = _subjects(
        config,
        sources,
        people[pooled],
        day[first[pooled]],
        end[pooled],
        [names[k] for k in criterion[first[pooled]].tolist()],
        False,
    )
    return notified, pool


def _by_origin(subject: Subject) -> tuple[dt.date, int]:
    return (subject.origin, subject.person)


class _Cell:
    """The pool people of one matching cell, in order of origin and person id."""

    def __init__(self) -> None:
        self.days: list[int] = []
        self.people: list[int] = []
        self.subjects: list[Subject] = []

    def add(self, subject: Subject) -> None:  # in order of (origin, person)
        self.days.append(subject.origin.toordinal())
        self.people.append(subject.person)
        self.subjects.append(subject)

    def take_nearest(self, day: int, person: int, caliper: int) -> Subject | None:
        """Remove and return the one nearest in origin to ``day`` within ``caliper`` days (ties: the
        lower person id), never ``person`` themselves (in the pool once at most); None when there
        is none."""
        days, people = self.days, self.people
        size = len(days)
        at = bisect.bisect_left(days, day)
        right = at + 1 if at < size and people[at] == person else at  # the nearest on or after the day
        left = at - 1  # the nearest before it: the lowest id of the latest day before
        if left >= 0:
            left = bisect.bisect_left(days, days[left])
            if people[left] == person:
                if left + 1 < at and days[left + 1] == days[left]:
                    left += 1
                elif left > 0:
                    left = bisect.bisect_left(days, days[left - 1])
                else:
                    left = -1
        found = [(days[i] - day if i >= at else day - days[i], people[i], i) for i in (right, left) if 0 <= i < size]
        if not found:
            return None
        distance, _who, index = min(found)
        if distance > caliper:
            return None
        del days[index], people[index]
        return self.subjects.pop(index)


def match(
    notified: list[Subject], pool: list[Subject], per_person: int = MATCHES_PER_PERSON, caliper: int = CALIPER_DAYS
) -> tuple[list[MatchedSet], list[Subject]]:
    """Matched sets (each notified person with 1 to ``per_person`` of the pool) and the notified
    left unmatched. Exact on criterion, age band and sex; nearest origin within ``caliper`` days
    (ties: the lower person id); without replacement. In rounds: each notified person, in order
    of origin, takes their nearest one left, then each their second, and so on, so that as many
    as possible have one before anyone has three."""
    cells: dict[tuple[str, str, str], _Cell] = {}
    for subject in sorted(pool, key=lambda s: (s.origin, s.person)):
        cells.setdefault(subject.cell, _Cell()).add(subject)
    order = sorted(notified, key=lambda s: (s.origin, s.person))
    chosen: dict[int, list[Subject]] = {s.person: [] for s in order}
    for _round in range(per_person):
        for person in order:
            cell = cells.get(person.cell)
            taken = cell.take_nearest(person.origin.toordinal(), person.person, caliper) if cell else None
            if taken is not None:
                chosen[person.person].append(taken)  # without replacement
    sets = [MatchedSet(p, tuple(sorted(chosen[p.person], key=_by_origin))) for p in order if chosen[p.person]]
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

    size = len(rows)
    frame = pd.DataFrame(
        {
            "time": np.fromiter((s.time for _n, s in rows), dtype=np.int64, count=size),
            "event": np.fromiter((s.event for _n, s in rows), dtype=np.int64, count=size),
            "notified": np.fromiter((s.notified for _n, s in rows), dtype=np.int64, count=size),
            "prior_shootings": np.fromiter((s.prior_shootings for _n, s in rows), dtype=np.int64, count=size),
            "set": np.fromiter((n for n, _s in rows), dtype=np.int64, count=size),
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
            fitter.fit(frame.drop(columns=["set"]), duration_col="time", event_col="event")
        robust, ph = cox_checks(fitter, frame, "set")
    except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
        return without(f"the model could not be estimated ({exc})")
    from scipy.stats import norm

    at = list(fitter.params_.index).index("notified")
    beta, se = float(fitter.params_["notified"]), float(np.sqrt(robust[at, at]))
    base = without("")
    return HazardRatio(
        value=float(np.exp(beta)),
        ci_low=float(np.exp(beta - norm.ppf(0.975) * se)),
        ci_high=float(np.exp(beta + norm.ppf(0.975) * se)),
        p_value=float(2 * norm.sf(abs(beta / se))),
        ph_test_p=float(ph[at]),
        n_notified=base.n_notified,
        n_comparison=base.n_comparison,
        events_notified=base.events_notified,
        events_comparison=base.events_comparison,
        adjusted_for=adjusted,
    )


def cox_checks(fitter: Any, frame: Any, cluster: str) -> tuple[np.ndarray, np.ndarray]:
    """For a Cox model fitted by lifelines on ``frame``: the variance of its coefficients robust to
    the clusters of column ``cluster`` (Lin and Wei's sandwich), and the p-value of each
    coefficient's proportional-hazards test (Grambsch and Therneau, on the rank of event times,
    as ``lifelines.statistics.proportional_hazard_test`` with ``time_transform="rank"``).

    lifelines computes both one person at a time against everyone before them, which is
    quadratic in the number of people (minutes for a city's hundred thousand); these are the same
    estimators in one pass over the people in order of time, with Breslow's risk sets at tied
    times (lifelines weighs ties by Efron's). On times without ties they are lifelines' own
    figures: ``tests/test_comparison.py`` checks both."""
    from scipy.stats import chi2

    names = list(fitter.params_.index)
    x = frame[names].to_numpy(dtype=float)
    x = x - x.mean(axis=0)  # the residuals do not move with a shift; the exponentials stay small
    order = np.argsort(frame["time"].to_numpy(), kind="stable")
    t = frame["time"].to_numpy(dtype=float)[order]
    e = frame["event"].to_numpy(dtype=float)[order]
    x = x[order]
    w = np.exp(x @ fitter.params_.to_numpy())
    start = np.searchsorted(t, t, side="left")  # the risk set at each time: everyone from there on
    last = np.searchsorted(t, t, side="right") - 1
    s0 = np.cumsum(w[::-1])[::-1][start]
    s1 = np.cumsum((w[:, None] * x)[::-1], axis=0)[::-1][start]
    mean = s1 / s0[:, None]
    a = np.cumsum(e / s0)[last]
    b = np.cumsum(e[:, None] * mean / s0[:, None], axis=0)[last]
    score = e[:, None] * (x - mean) - w[:, None] * (x * a[:, None] - b)
    groups = np.unique(frame[cluster].to_numpy()[order], return_inverse=True)[1]
    summed = np.zeros((groups.max() + 1, len(names)))
    np.add.at(summed, groups, score)
    variance = fitter.variance_matrix_.to_numpy()
    robust = variance @ (summed.T @ summed) @ variance
    events = e > 0
    deaths = int(events.sum())
    scaled = deaths * (x[events] - mean[events]) @ variance
    ranks = np.arange(1, deaths + 1, dtype=float)
    centred = ranks - ranks.mean()
    statistic = (centred @ scaled) ** 2 / (deaths * fitter.standard_errors_.to_numpy() ** 2 * (centred**2).sum())
    return robust, chi2.sf(statistic, 1)

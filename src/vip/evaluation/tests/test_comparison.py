"""The comparison group (eval-1): who is in the pool and from when, the censoring of a later
notification, matching (exact cells, nearest origin within 180 days, up to three, each once), and
the Cox hazard ratio recovering a planted one on generated data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from vip.evaluation.cohort import read_sources
from vip.evaluation.comparison import MatchedSet, Subject, hazard_ratio, match, subjects
from vip.evaluation.evaluate import evaluation_read
from vip.evaluation.tests.test_survival import attempt, died_of, outcome, person
from vip.identification.services import Reason, candidate_propose
from vip.people.models import Person

DENVER = ZoneInfo("America/Denver")
AS_OF = dt.date(2025, 6, 30)


def propose(who: Person, day: dt.date, criterion: str = "shot_recently", actor: Any = None) -> None:
    """A candidacy proposed on ``day`` (local noon), by the criteria unless ``criterion`` is manual."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=DENVER), tick=False):
        candidate_propose(actor=actor, person=who, reasons=[Reason(criterion, "a reason", "incident", "I-1")])


@pytest.mark.django_db
def test_who_is_in_the_pool_and_from_when(program: Any) -> None:
    proposed = dt.date(2024, 1, 10)
    never = person()
    propose(never, proposed)
    soon = person()
    propose(soon, proposed)
    attempt(soon, proposed + dt.timedelta(days=90))  # notified within 90 days: not in the pool
    late = person()
    propose(late, proposed)
    attempt(late, proposed + dt.timedelta(days=91))  # later: in the pool, censored that day
    hurt = person()
    propose(hurt, proposed)
    outcome(hurt, proposed + dt.timedelta(days=30), "shot")
    manual = person()
    propose(manual, proposed, criterion="manual")  # not proposed by the criteria
    before = person()
    attempt(before, proposed - dt.timedelta(days=5))
    propose(before, proposed)  # notified before the proposal: never in the pool
    twice = person()
    propose(twice, proposed)
    propose(twice, proposed + dt.timedelta(days=200), criterion="arrested_with_gun")  # in the pool once
    died = person()
    propose(died, proposed)
    died_of(died, proposed + dt.timedelta(days=45))  # not a `killed` outcome: censored that day
    outcome(died, proposed + dt.timedelta(days=60), "arrest_violent")  # after the death: not seen

    notified, pool = subjects(program, read_sources(program, AS_OF))
    by_person = {s.person: s for s in pool}
    assert set(by_person) == {never.pk, late.pk, hurt.pk, twice.pk, died.pk}
    assert (by_person[died.pk].time, by_person[died.pk].event) == (45, False)
    assert (by_person[never.pk].origin, by_person[never.pk].time) == (proposed, (AS_OF - proposed).days)
    assert (by_person[never.pk].event, by_person[never.pk].criterion) == (False, "shot_recently")
    assert (by_person[late.pk].time, by_person[late.pk].event) == (91, False)
    assert (by_person[hurt.pk].time, by_person[hurt.pk].event) == (30, True)
    assert by_person[twice.pk].origin == proposed
    # The notified who were candidates before their origin: the late one enters with its own origin.
    notified_by_person = {s.person: s for s in notified}
    assert set(notified_by_person) == {soon.pk, late.pk}
    assert notified_by_person[late.pk].origin == proposed + dt.timedelta(days=91)
    assert notified_by_person[soon.pk].criterion == "shot_recently"


def candidate_pairs(
    pairs: int, *, comparison_hurt_every: int, notified_hurt_every: int | None = None, after: int = 60
) -> None:
    """``pairs`` pairs of the criteria's candidates proposed a day apart from 2023-06-01: one of
    each pair notified three days later, the other never. Every ``comparison_hurt_every``-th of
    the others is shot 40 days after the proposal; every ``notified_hurt_every``-th notified one
    is arrested with a gun ``after`` days after it."""
    proposed = dt.date(2023, 6, 1)
    for n in range(pairs):
        notified, other = person(), person()
        propose(notified, proposed + dt.timedelta(days=n))
        propose(other, proposed + dt.timedelta(days=n))
        attempt(notified, proposed + dt.timedelta(days=n + 3))
        if n % comparison_hurt_every == 0:
            outcome(other, proposed + dt.timedelta(days=n + 40), "shot")
        if notified_hurt_every and n % notified_hurt_every == 0:
            outcome(notified, proposed + dt.timedelta(days=n + after), "arrest_firearm")


def subject(person: int, notified: bool, day: int, cell: tuple[str, str, str] = ("c", "18-24", "male")) -> Subject:
    return Subject(person, notified, dt.date(2024, 1, 1) + dt.timedelta(days=day), 100, False, *cell, 0)


def test_matching_is_exact_nearest_within_the_caliper_and_without_replacement() -> None:
    notified = [
        subject(1, True, 0),
        subject(2, True, 10),
        subject(3, True, 500),
        subject(4, True, 0, ("d", "18-24", "male")),
    ]
    pool = [
        subject(10, False, 5),
        subject(11, False, -20),
        subject(12, False, 30),
        subject(13, False, 170),
        subject(14, False, 200),  # 200 days from person 1, 190 from person 2: beyond 180 for both
        subject(15, False, 0, ("c", "25-34", "male")),  # another age band
        subject(16, False, 0, ("c", "18-24", "female")),  # another sex
        subject(2, False, 12),  # person 2 themselves, from an earlier candidacy
    ]
    sets, unmatched = match(notified, pool)
    got = {s.notified.person: [c.person for c in s.comparison] for s in sets}
    # In rounds: 1 takes 10 (5 days away), 2 takes 12 (20 days; itself is never its own match); then
    # 1 takes 2 (12 days: another person's earlier candidacy is a match like any other) and 2 takes
    # 11 (30 days); then 1 takes 13 (170 days), and 14 is beyond 180 days of both.
    assert got[1] == [10, 2, 13]
    assert got[2] == [11, 12]
    assert {u.person for u in unmatched} == {3, 4}  # 500: nobody within 180 days; "d": nobody in the cell


def _planted(seed: int, hazard: float, people: int = 400) -> list[MatchedSet]:
    """Generated sets: each notified person with three comparison people of its cell; times
    exponential, the notified's hazard ``hazard`` times the comparison's; censoring uniform."""
    rng = random.Random(seed)
    sets = []
    for n in range(people):
        band, sex = rng.choice(["18-24", "25-34"]), rng.choice(["male", "female"])
        base = 1 / 900 * (1.5 if band == "18-24" else 1.0)
        members = []
        for k in range(4):
            treated = k == 0
            rate = base * (hazard if treated else 1.0)
            prior = rng.randrange(3)
            rate *= 1.3**prior
            when = rng.expovariate(rate)
            follow = rng.uniform(200, 1500)
            members.append(
                Subject(
                    n * 4 + k,
                    treated,
                    dt.date(2020, 1, 1),
                    int(min(when, follow)),
                    when <= follow,
                    "c",
                    band,
                    sex,
                    prior,
                )
            )
        sets.append(MatchedSet(members[0], tuple(members[1:])))
    return sets


@pytest.mark.parametrize("seed", [2026])
def test_the_hazard_ratio_recovers_a_planted_one(seed: int) -> None:
    planted = 0.6
    result = hazard_ratio(_planted(seed, planted))
    assert result.value is not None and result.ci_low is not None and result.ci_high is not None
    assert result.ci_low <= planted <= result.ci_high
    assert result.ci_high < 1.0  # the effect is found, not only covered
    assert result.n_notified == 400 and result.n_comparison == 1200
    assert result.ph_test_p is not None and result.ph_test_p > 0.01  # proportional by construction


def test_no_estimate_without_events() -> None:
    sets = [MatchedSet(subject(1, True, 0), (subject(2, False, 0),))]
    result = hazard_ratio(sets)
    assert result.value is None
    assert result.note == "too few to estimate"


@pytest.mark.django_db
def test_the_evaluation_reports_the_comparison(program: Any) -> None:
    candidate_pairs(12, comparison_hurt_every=3, notified_hurt_every=4)
    data = evaluation_read(user=None, as_of=AS_OF).to_dict()
    assert data["matching"]["notified_candidates"] == 12
    assert data["matching"]["matched"] == 12
    assert data["matching"]["comparison_matched"] == 12  # one candidate of the pool for each
    assert data["hazard_ratio"]["n_notified"] == 12
    assert data["hazard_ratio"]["events_notified"] == 3
    assert data["hazard_ratio"]["events_comparison"] == 4
    assert data["hazard_ratio"]["value"] is not None
    assert [p["at_risk"] for p in data["survival"]["comparison"]][:1] == [8]  # 4 had an event by day 90


def test_the_robust_variance_and_the_proportional_hazards_test_are_lifelines_own() -> None:
    """On times without ties, ``cox_checks`` gives what lifelines gives (its own robust variance
    and test are quadratic in the number of people, so vip computes them in one pass)."""
    import warnings

    import numpy as np
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    from vip.evaluation.comparison import cox_checks

    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "notified": rng.integers(0, 2, n).astype(float),
            "prior_shootings": rng.poisson(0.7, n).astype(float),
            "age_young": rng.integers(0, 2, n).astype(float),
            "set": np.repeat(np.arange(n // 4), 4),
        }
    )
    hazard = np.exp(-0.5 * frame["notified"] + 0.3 * frame["prior_shootings"] + 0.2 * frame["age_young"])
    frame["time"] = rng.exponential(300 / hazard)  # continuous: no two alike
    frame["event"] = (frame["time"] < 500).astype(int)
    frame["time"] = np.minimum(frame["time"], 500.0 + rng.uniform(0, 1, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = CoxPHFitter().fit(frame, duration_col="time", event_col="event", cluster_col="set", robust=True)
        plain = CoxPHFitter().fit(frame.drop(columns=["set"]), duration_col="time", event_col="event")
        test = proportional_hazard_test(plain, frame.drop(columns=["set"]), time_transform="rank")
    robust, ph = cox_checks(plain, frame, "set")
    assert np.sqrt(np.diag(robust)) == pytest.approx(theirs.standard_errors_.to_numpy(), rel=1e-9)
    assert ph == pytest.approx(test.summary.loc[list(plain.params_.index), "p"].to_numpy(), rel=1e-9)

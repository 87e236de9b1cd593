"""The evaluation's survival curves (eval-1): hand-built people, notifications, outcomes,
incidents and service referrals (through the real services), each definition's edges, the
figures against lifelines' own estimator on durations worked out here by hand, the public
edition's withholding, who may read it, that reading is audited, and `vip evaluate`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError
from lifelines import KaplanMeierFitter

from vip.audit.models import AuditEvent
from vip.cli import main
from vip.core.models import ServiceCategory
from vip.evaluation.cohort import load_cohort
from vip.evaluation.definitions import ENGAGED, NOT_ENGAGED, SURVIVAL_DAYS, TOO_RECENT
from vip.evaluation.evaluate import evaluation_read
from vip.identification.services import incident_record, involvement_add
from vip.notifications.services import attempt_record
from vip.outcomes.services import outcome_record
from vip.people.models import Person
from vip.people.services import person_create, person_update
from vip.service_referrals.services import service_referral_create, service_referral_move

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
AS_OF = dt.date(2025, 6, 30)
_keys = {"n": 0}


def _key(prefix: str) -> str:
    _keys["n"] += 1
    return f"{prefix}-{_keys['n']}"


def person(born: dt.date | None = dt.date(2000, 5, 1)) -> Person:
    return person_create(actor=None, first_name="Ana", last_name=_key("Baca"), date_of_birth=born)


def attempt(who: Person, day: dt.date, outcome: str = "delivered") -> None:
    moment = dt.datetime(day.year, day.month, day.day, 18, 0, tzinfo=DENVER)
    attempt_record(actor=None, person=who, attempted_at=moment, outcome=outcome, team={"peer_support"})


def outcome(who: Person, day: dt.date, kind: str) -> None:
    outcome_record(actor=None, person=who, occurred_on=day, type=kind, source_ref=_key("R"))


def died_of(who: Person, day: dt.date) -> None:
    """Record a death that is not a `killed` outcome, as the person page's correction does."""
    fresh = Person.objects.get(pk=who.pk)
    person_update(actor=None, person=fresh, expected_version=fresh.version, died_on=day)


def involved(who: Person, day: dt.date, role: str, kind: str = "shooting") -> None:
    moment = dt.datetime(day.year, day.month, day.day, 23, 30, tzinfo=DENVER)  # 23:30 local: 05:30 UTC next day
    incident = incident_record(actor=None, key=_key("I"), occurred_at=moment, type=kind)
    involvement_add(actor=None, incident=incident, person=who, role=role)


def connected(who: Person, day: dt.date) -> None:
    category = ServiceCategory.objects.get(code="housing")
    referral = service_referral_create(actor=None, person=who, category=category, referred_on=day)
    service_referral_move(actor=None, referral=referral, status="connected", on=day, expected_version=referral.version)


def row(cohort: Any, who: Person) -> dict[str, Any]:
    i = int(np.searchsorted(cohort.person, who.pk))
    assert cohort.person[i] == who.pk, f"{who} is not in the cohort"
    return {
        "time": int(cohort.time[i]),
        "event": bool(cohort.event[i]),
        "kind": cohort.event_kind[i],
        "fiscal_year": cohort.fiscal_year[i],
        "age_band": cohort.age_band[i],
        "engagement": cohort.engagement[i],
    }


def test_each_definitions_edge(program: Any) -> None:
    origin = dt.date(2024, 3, 10)
    same_day = person()
    attempt(same_day, origin)
    outcome(same_day, origin, "shot")  # on the origin day: not counted
    witness = person()
    attempt(witness, origin)
    involved(witness, origin + dt.timedelta(days=5), "witness")  # witnesses never count
    victim = person()
    attempt(victim, origin)
    involved(victim, origin + dt.timedelta(days=12), "victim")  # the incident's local day counts
    not_violent = person()
    attempt(not_violent, origin)
    involved(not_violent, origin + dt.timedelta(days=3), "suspect", kind="robbery")  # not a violent type here
    outcome(not_violent, origin + dt.timedelta(days=4), "arrest_other")  # not a violent outcome
    later = person()
    attempt(later, origin)
    outcome(later, AS_OF + dt.timedelta(days=1), "arrest_firearm")  # after as-of: censored at as-of
    first_of_two = person()
    attempt(first_of_two, origin)
    outcome(first_of_two, origin + dt.timedelta(days=40), "killed")
    outcome(first_of_two, origin + dt.timedelta(days=20), "arrest_violent")  # the first one counts
    retried = person(born=dt.date(2006, 3, 10))
    attempt(retried, origin - dt.timedelta(days=7), outcome="not_found")  # not delivered: not the origin
    attempt(retried, origin)
    attempt(retried, origin + dt.timedelta(days=30))  # a second delivery does not move the origin
    after = person()
    attempt(after, AS_OF + dt.timedelta(days=1))  # origin after as-of: not in the cohort
    never = person()
    attempt(never, origin, outcome="refused")
    # A death that is not a `killed` outcome censors at its day: an event after it is not seen
    # (a record's error), an event on the day itself is.
    died = person()
    attempt(died, origin)
    outcome(died, origin + dt.timedelta(days=50), "arrest_violent")
    died_of(died, origin + dt.timedelta(days=30))
    died_same_day = person()
    attempt(died_same_day, origin)
    outcome(died_same_day, origin + dt.timedelta(days=30), "shot")
    died_of(died_same_day, origin + dt.timedelta(days=30))
    died_after = person()  # a death after as-of: followed to as-of
    attempt(died_after, origin)

    cohort = load_cohort(program, AS_OF)
    censored = (AS_OF - origin).days
    assert row(cohort, same_day)["event"] is False
    assert row(cohort, same_day)["time"] == censored
    assert row(cohort, witness)["event"] is False
    assert (row(cohort, victim)["time"], row(cohort, victim)["event"], row(cohort, victim)["kind"]) == (
        12,
        True,
        "victim:shooting",
    )
    assert row(cohort, not_violent)["event"] is False
    assert (row(cohort, later)["time"], row(cohort, later)["event"]) == (censored, False)
    assert (row(cohort, first_of_two)["time"], row(cohort, first_of_two)["kind"]) == (20, "arrest_violent")
    assert row(cohort, retried)["time"] == censored  # from the first delivered day
    assert row(cohort, retried)["age_band"] == "18-24"  # 18 on the origin day itself (born 2006-03-10)
    assert row(cohort, retried)["fiscal_year"] == "FY2024"  # July-June: 2024-03-10 is in FY2024
    assert after.pk not in set(cohort.person.tolist())
    assert never.pk not in set(cohort.person.tolist())
    assert (row(cohort, died)["time"], row(cohort, died)["event"]) == (30, False)
    assert (row(cohort, died_same_day)["time"], row(cohort, died_same_day)["event"]) == (30, True)
    died_of(died_after, AS_OF + dt.timedelta(days=1))
    assert (row(load_cohort(program, AS_OF), died_after)["time"], row(cohort, died_after)["event"]) == (censored, False)


def person_without_birth(program: Any, origin: dt.date, cohort_as_of: dt.date) -> Person:
    """A person with no date of birth, notified on ``origin`` (the cohort is read again by the caller)."""
    someone = person(born=None)
    attempt(someone, origin)
    return someone


def test_an_unknown_birth_is_the_unknown_age_band(program: Any) -> None:
    origin = dt.date(2024, 3, 10)
    someone = person_without_birth(program, origin, AS_OF)
    assert row(load_cohort(program, AS_OF), someone)["age_band"] == "Unknown"


def test_engagement_within_90_days_of_origin(program: Any) -> None:
    origin = dt.date(2024, 3, 10)
    on_day_90, on_day_91, before = person(), person(), person()
    for who in (on_day_90, on_day_91, before):
        attempt(who, origin)
    connected(on_day_90, origin + dt.timedelta(days=90))
    connected(on_day_91, origin + dt.timedelta(days=91))
    connected(before, origin - dt.timedelta(days=1))  # before the origin: not engagement with it
    recent, recent_engaged = person(), person()
    attempt(recent, AS_OF - dt.timedelta(days=30))
    attempt(recent_engaged, AS_OF - dt.timedelta(days=30))
    connected(recent_engaged, AS_OF - dt.timedelta(days=2))
    cohort = load_cohort(program, AS_OF)
    assert row(cohort, on_day_90)["engagement"] == ENGAGED
    assert row(cohort, on_day_91)["engagement"] == NOT_ENGAGED
    assert row(cohort, before)["engagement"] == NOT_ENGAGED
    assert row(cohort, recent)["engagement"] == TOO_RECENT
    assert row(cohort, recent_engaged)["engagement"] == ENGAGED


# Times worked out by hand: (days from origin to the event, event?) for each person below.
PLAN = [(30, True), (30, True), (45, False), (100, True), (150, True), (200, False), (400, True)]
PLAN += [(180, True), (365, True), (365, False), (500, True), (700, False), (800, True)]  # some on reading days
PLAN += [(n * 37 % 900 + 5, n % 3 == 0) for n in range(40)]


def _build(plan: list[tuple[int, bool]], as_of: dt.date) -> None:
    """A person per plan entry: notified so that the evaluation's time is the planned one."""
    for days, event in plan:
        who = person()
        if event:
            origin = as_of - dt.timedelta(days=days + 100)
            attempt(who, origin)
            outcome(who, origin + dt.timedelta(days=days), "shot")
        else:
            attempt(who, as_of - dt.timedelta(days=days))  # censored at as-of, ``days`` after origin


def test_the_curve_is_lifelines_kaplan_meier_on_the_same_durations(program: Any) -> None:
    _build(PLAN, AS_OF)
    got = evaluation_read(user=None, as_of=AS_OF).to_dict()["survival"]["notified"]
    durations = np.array([d for d, _e in PLAN], dtype=float)
    observed = np.array([e for _d, e in PLAN], dtype=bool)
    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    bounds = fitter.confidence_interval_survival_function_
    assert [p["day"] for p in got] == list(SURVIVAL_DAYS)
    for point in got:
        day = point["day"]
        assert point["at_risk"] == sum(1 for d, _e in PLAN if d >= day)
        assert point["events"] == sum(1 for d, e in PLAN if e and d <= day)
        if point["at_risk"] == 0:
            assert point["survival"] is None
            continue
        expected = float(fitter.predict(day))
        assert point["survival"] == pytest.approx(expected, abs=1e-12)
        band = bounds[bounds.index <= day].iloc[-1]
        assert point["ci_low"] == pytest.approx(float(band.iloc[0]), abs=1e-12)
        assert point["ci_high"] == pytest.approx(float(band.iloc[1]), abs=1e-12)


def test_the_public_edition_withholds_small_points(program: Any, make_user: Any) -> None:
    _build(PLAN, AS_OF)
    analyst = make_user("analyst")
    public = evaluation_read(user=analyst, as_of=AS_OF, audience="public").to_dict()
    official = evaluation_read(user=None, as_of=AS_OF).to_dict()
    threshold = program.suppression_threshold
    assert public["threshold"] == threshold
    for shown, exact in zip(public["survival"]["notified"], official["survival"]["notified"], strict=True):
        small = any(1 <= exact[k] <= threshold for k in ("at_risk", "events"))
        if small:
            assert shown == {
                "day": exact["day"],
                "survival": None,
                "ci_low": None,
                "ci_high": None,
                "at_risk": None,
                "events": None,
                "withheld": True,
            }
        elif not shown["withheld"]:  # else withheld so that no small count can be worked out
            assert shown == {**exact, "events": None}  # a point's count of events is never published
    assert any(p["withheld"] for p in public["survival"]["notified"])  # the plan has small late points
    assert not any(p["withheld"] for p in official["survival"]["notified"])
    groups = {(g["dimension"], g["cohort"]): g for g in public["survival"]["cohorts"]}
    for group in groups.values():
        assert group["size"] is None or not 1 <= group["size"] <= threshold


def test_who_may_read_it_and_the_read_is_audited(program: Any, make_user: Any) -> None:
    _build(PLAN[:5], AS_OF)
    for role in ("peer", "police", "admin"):
        with pytest.raises(PermissionDenied):
            evaluation_read(user=make_user(role), as_of=AS_OF, audience="public")
    analyst, manager = make_user("analyst"), make_user("manager")
    with pytest.raises(PermissionDenied):
        evaluation_read(user=analyst, as_of=AS_OF, audience="official")
    before = AuditEvent.objects.filter(action="evaluation.read").count()
    evaluation = evaluation_read(user=manager, as_of=AS_OF, audience="official")
    event = AuditEvent.objects.filter(action="evaluation.read").latest("id")
    assert AuditEvent.objects.filter(action="evaluation.read").count() == before + 1
    assert event.actor_id == manager.pk
    assert event.object_id == AS_OF.isoformat()
    assert event.changes["audience"] == "official"
    assert event.changes["fingerprint"] == evaluation.fingerprint
    with pytest.raises(ValidationError):
        evaluation_read(user=manager, as_of=dt.date.today() + dt.timedelta(days=2))


def test_the_fingerprint_follows_the_data(program: Any) -> None:
    _build(PLAN[:5], AS_OF)
    first = evaluation_read(user=None, as_of=AS_OF).fingerprint
    assert evaluation_read(user=None, as_of=AS_OF).fingerprint == first
    _build([(60, True)], AS_OF)
    second = evaluation_read(user=None, as_of=AS_OF).fingerprint
    assert second != first
    assert evaluation_read(user=None, as_of=AS_OF, audience="public").fingerprint == second  # the same data
    # A referral nobody has visited yet changes only the funnel: the fingerprint too.
    from vip.referrals.services import referral_create

    referral_create(actor=None, person=person(), received_on=dt.date(2025, 5, 2), source="hospital")
    assert evaluation_read(user=None, as_of=AS_OF).fingerprint != second


def test_vip_evaluate_writes_the_json_contract(program: Any, make_user: Any, tmp_path: Path) -> None:
    _build(PLAN, AS_OF)
    make_user("analyst", username="ines")
    result = CliRunner().invoke(main, ["evaluate", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"notified: {len(PLAN)}" in result.output
    data = json.loads((tmp_path / "evaluation.json").read_text(encoding="utf-8"))
    assert data["definitions"] == "eval-1"
    assert data["as_of"] == AS_OF.isoformat()
    assert data["statement"].startswith("These figures describe")
    assert {"day", "survival", "ci_low", "ci_high", "at_risk"} <= set(data["survival"]["notified"][0])
    dimensions = {g["dimension"] for g in data["survival"]["cohorts"]}
    assert dimensions == {"fiscal_year", "age_band", "engagement"}
    refused = CliRunner().invoke(
        main, ["evaluate", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path), "--as", "ines"]
    )
    assert refused.exit_code != 0  # an analyst: the public edition only
    every = CliRunner().invoke(
        main, ["evaluate", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path), "--format", "json,csv,xlsx,pdf,html"]
    )
    assert every.exit_code == 0, every.output
    assert {p.name for p in tmp_path.iterdir()} >= {
        "evaluation.json",
        "evaluation.csv",
        "evaluation.xlsx",
        "evaluation.pdf",
        "evaluation.html",
    }
    assert (tmp_path / "evaluation.pdf").read_bytes().startswith(b"%PDF")
    page = (tmp_path / "evaluation.html").read_text(encoding="utf-8")
    assert "Evaluation as of 2025-06-30" in page and "not proof" in page and "data:image/svg+xml" in page
    bad = CliRunner().invoke(main, ["evaluate", "--format", "docx", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown format" in bad.output
    public = CliRunner().invoke(
        main, ["evaluate", "--audience", "public", "--as", "ines", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path)]
    )
    assert public.exit_code == 0, public.output


def test_ages_and_fiscal_years_by_column_agree_with_the_dates_module() -> None:
    """The cohort computes ages and fiscal years on whole columns; vip.core.dates is the rule."""
    import random

    from vip.core.dates import age_on, fiscal_year
    from vip.evaluation.cohort import ages_on, day_number, fiscal_years

    rng = random.Random(29)
    born = [dt.date(2000, 2, 29), dt.date(1996, 2, 29), dt.date(2001, 3, 1), dt.date(1999, 12, 31)]
    born += [dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(365 * 40)) for _ in range(400)]
    days = [dt.date(2024, 2, 28), dt.date(2023, 2, 28), dt.date(2023, 3, 1), dt.date(2024, 2, 29)]
    days += [dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(365 * 16)) for _ in range(400)]
    pairs = [(b, d) for b in born[:20] for d in days[:20]] + list(zip(born, days, strict=True))
    ages = ages_on(
        np.array([day_number(b) for b, _d in pairs], dtype=np.int64),
        np.array([day_number(d) for _b, d in pairs], dtype=np.int64),
    )
    assert ages.tolist() == [age_on(b, d) if b <= d else -1 for b, d in pairs]
    numbers = np.array([day_number(d) for d in days], dtype=np.int64)
    for start in (1, 7, 10):
        assert fiscal_years(numbers, start) == [fiscal_year(d, start).label for d in days]

"""Security rows 40 and 41: every public release together reveals no small count.

A generated city with small counts publishes 24 consecutive months of public Monthly
Informational Reports, each checked against the release ledger as `report_generate` does; an
attacker of its own (tests/security/ledger_attack.py) then reads all of them together and pins
nothing from 1 to the threshold, nor narrows it below the protection width. The same attacker
pins small counts in the editions as they would be without the ledger, which shows it can.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pytest
from django.utils import timezone

from tests.security.ledger_attack import attack_releases
from vip.core.dates import Month
from vip.releases.ledger import Edition
from vip.reports.facts import OUTCOME_TYPES, REFERRAL_SOURCES, Facts, FieldFacts, day_number
from vip.reports.metrics import compute
from vip.reports.render import build, to_data
from vip.reports.services import plan_against

pytestmark = [
    pytest.mark.slow,
    # The facts are built in memory and the editions, the ledger and the attack are computations
    # over them: nothing here reads the database, so the PostgreSQL run would repeat the same
    # minutes of integer programming to the same result. (Every edition a database makes is
    # checked against the ledger by the reports' and releases' own tests, on both.)
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="no database in it: the integer-program attack runs once, in the SQLite run",
    ),
]

FIRST = Month(2024, 1)
MONTHS = 24
FIELD_MONTHS = 7


def small_city(seed: int = 7, start: dt.date = dt.date(2022, 7, 1), end: dt.date = dt.date(2025, 12, 31)) -> dict:
    """A program with a handful of notifications, referrals and outcomes a month."""
    rng = np.random.default_rng(seed)
    days = np.arange(day_number(start), day_number(end) + 1)
    people = np.arange(1, 400)
    born = np.array([day_number(dt.date(1975, 1, 1)) + int(rng.integers(0, 365 * 30)) for _ in people])
    deliveries = sorted({(int(rng.choice(people)), int(rng.choice(days))) for _ in range(len(days) // 7)})
    d_person = np.array([p for p, _ in deliveries])
    d_day = np.array([d for _, d in deliveries])
    connections = sorted({(int(rng.choice(people)), int(rng.choice(days))) for _ in range(len(days) // 9)})
    referral_day = np.sort(rng.choice(days, size=len(days) // 4))
    outcomes = sorted({(int(rng.choice(people)), int(rng.choice(days))) for _ in range(len(days) // 20)})
    return {
        "delivery_person": d_person,
        "delivery_day": d_day,
        "delivery_area": rng.integers(-1, 3, size=len(d_day)),
        "delivery_person_area": rng.integers(0, 3, size=len(d_day)),
        "person_id": people,
        "person_born": born,
        "connection_person": np.array([p for p, _ in connections]),
        "connection_day": np.array([d for _, d in connections]),
        "connection_category": rng.integers(0, 3, size=len(connections)),
        "referral_day": referral_day,
        "referral_source": rng.integers(0, len(REFERRAL_SOURCES), size=len(referral_day)),
        "outcome_person": np.array([p for p, _ in outcomes]),
        "outcome_day": np.array([d for _, d in outcomes]),
        "outcome_type": rng.integers(0, len(OUTCOME_TYPES), size=len(outcomes)),
    }


def field_city(seed: int = 11, start: dt.date = dt.date(2022, 7, 1), end: dt.date = dt.date(2025, 12, 31)) -> dict:
    """The optional sections' records of the small city: a few mediations, payments and call-ins a month."""
    rng = np.random.default_rng(seed)
    days = np.arange(day_number(start), day_number(end) + 1)
    m_day = np.sort(rng.choice(days, size=len(days) // 6))
    p_day = np.sort(rng.choice(days, size=len(days) // 8))
    p_cents = np.where(rng.random(len(p_day)) < 0.1, -2500, rng.choice([2500, 5000, 10000], size=len(p_day)))
    c_day = np.sort(rng.choice(days, size=len(days) // 45))
    invited = rng.integers(3, 15, size=len(c_day))
    return {
        "mediation_day": m_day,
        "mediation_outcome": rng.integers(0, 3, size=len(m_day)),
        "payment_day": p_day,
        "payment_person": rng.integers(1, 60, size=len(p_day)),
        "payment_cents": p_cents,
        "call_in_day": c_day,
        "call_in_invited": invited,
        "call_in_attended": (invited * rng.random(len(c_day))).astype(np.int64),
    }


def facts_of(city: dict, month: Month, config) -> Facts:
    through = day_number(month.last_day)

    def upto(days: np.ndarray) -> np.ndarray:
        return days <= through

    d, c, r, o = (upto(city[k]) for k in ("delivery_day", "connection_day", "referral_day", "outcome_day"))
    return Facts(
        through=month.last_day,
        as_of=None,
        area_codes=("north", "south", "west"),
        area_names=("North", "South", "West"),
        category_codes=("housing", "work", "health"),
        category_names=("Housing", "Work", "Health"),
        category_active=(True, True, True),
        fiscal_year_start_month=config.fiscal_year_start_month,
        month_labels=tuple(config.month_labels),
        age_bands=tuple((b.label, b.min_age, b.max_age) for b in config.age_bands),
        delivery_person=city["delivery_person"][d],
        delivery_day=city["delivery_day"][d],
        delivery_area=city["delivery_area"][d],
        delivery_person_area=city["delivery_person_area"][d],
        person_id=city["person_id"],
        person_born=city["person_born"],
        connection_person=city["connection_person"][c],
        connection_day=city["connection_day"][c],
        connection_category=city["connection_category"][c],
        referral_day=city["referral_day"][r],
        referral_source=city["referral_source"][r],
        outcome_person=city["outcome_person"][o],
        outcome_day=city["outcome_day"][o],
        outcome_type=city["outcome_type"][o],
        field=_field_facts(city["field"], through) if "field" in city else None,
    )


def _field_facts(field: dict, through: int) -> FieldFacts:
    m, p, c = (field[k] <= through for k in ("mediation_day", "payment_day", "call_in_day"))
    return FieldFacts(
        sections=("mediations", "incentives", "call_ins"),
        mediation_day=field["mediation_day"][m],
        mediation_outcome=field["mediation_outcome"][m],
        payment_day=field["payment_day"][p],
        payment_person=field["payment_person"][p],
        payment_cents=field["payment_cents"][p],
        call_in_day=field["call_in_day"][c],
        call_in_invited=field["call_in_invited"][c],
        call_in_attended=field["call_in_attended"][c],
    )


def editions(city: dict, config, *, ledger: bool, months: int = MONTHS) -> tuple[list[dict], list[dict]]:
    """Official and public editions (JSON) of months FIRST-12 .. FIRST+months-1 (public from FIRST)."""
    official, public, prior = [], [], []
    now = timezone.now()
    for i in range(-12, months):
        month = FIRST.shift(i)
        facts = facts_of(city, month, config)
        numbers = compute(facts, month)
        official.append(to_data(build(numbers, "official", config, None, now)))
        if i < 0:
            continue
        report = build(numbers, "public", config, None, now)
        if ledger:
            plan = plan_against(report, facts, config, prior)
            prior.append(Edition(str(month), plan["cells"], plan["truths"]))
        public.append(to_data(report))
    return official, public


def attacked(program, *, ledger: bool, field: bool = False) -> list:
    """What the attacker narrows too far in 24 months of the small city's public editions (with the
    field work's optional sections when ``field``). Without the ledger a year is enough for the
    attacker to pin small counts (what those tests show)."""
    city = small_city()
    if field:
        city["field"] = field_city()
    # With the optional sections, January to July: the fiscal year starts again in July (FYTD
    # begins again), at a fifth of the solver's time. The sections' tables are of the same kinds
    # as the rest (counts by month with M-1, M-2 and FYTD columns), read by the same attacker.
    months = FIELD_MONTHS if field else (MONTHS if ledger else 12)
    official, public = editions(city, program, ledger=ledger, months=months)
    return attack_releases(
        official,
        public,
        fiscal_start=program.fiscal_year_start_month,
        threshold=program.suppression_threshold,
        width=program.protection_width,
    )


def test_row_40_no_small_count_is_recovered_from_every_public_release_together(program) -> None:
    found = attacked(program, ledger=True)
    assert found == [], found[:10]


def test_row_40_the_attacker_pins_small_counts_when_editions_are_protected_one_by_one(program) -> None:
    """Without the ledger (each edition protected alone) the same attacker recovers small counts."""
    found = attacked(program, ledger=False)
    pinned = [e for e in found if e.low == e.high == e.truth]
    assert pinned, "the attacker should recover small counts from editions protected one by one"


def test_row_40_holds_with_the_field_works_sections(program) -> None:
    """The optional sections' counts (mediations, incentive payments, call-ins) enter the ledger like
    every other count: their public editions, across a fiscal year's start, reveal no small count
    either."""
    found = attacked(program, ledger=True, field=True)
    assert found == [], found[:10]


def test_row_40_the_field_sections_small_counts_fall_without_the_ledger(program) -> None:
    found = attacked(program, ledger=False, field=True)
    pinned = [e.label for e in found if e.low == e.high == e.truth]
    tables = ("mediations", "incentives_paid", "call_in_attendance")
    assert any(t in label for label in pinned for t in tables), pinned[:10]

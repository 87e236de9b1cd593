"""The engagement funnel (eval-1): each step of a hand-built candidacy and referral, counted in the
month of entry, with the shares, the median days between steps, and the public edition."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ContactFactory, PersonFactory, UserFactory
from vip.evaluation.cohort import read_sources
from vip.evaluation.funnel import funnel
from vip.evaluation.tests.test_comparison import propose
from vip.evaluation.tests.test_survival import attempt, connected
from vip.identification.models import Candidate
from vip.identification.services import candidate_decide
from vip.referrals.services import referral_create

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
AS_OF = dt.date(2025, 6, 30)


def contact(person: Any, day: dt.date) -> None:
    ContactFactory(
        person=person,
        actor=person.assigned_peer,
        contacted_at=dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=DENVER),
    )


def steps(month: str, kind: str, threshold: int = 0) -> dict[str, tuple[Any, Any, Any]]:
    config_zone = DENVER
    from vip.core.config import program_config

    rows = funnel(read_sources(program_config(), AS_OF), config_zone, threshold)
    found = [m for m in rows if m.month == month and m.kind == kind]
    assert len(found) == 1, f"no funnel for {month} {kind}"
    return {s.step: (s.count, s.share, s.median_days) for s in found[0].steps}


def test_every_step_of_a_candidacy(program: Any) -> None:
    manager = UserFactory(role="manager")
    peer = UserFactory(role="peer")
    proposed = dt.date(2024, 3, 4)
    whole = PersonFactory(peer=peer)  # goes all the way
    declined = PersonFactory()
    waiting = PersonFactory()
    for who in (whole, declined, waiting):
        propose(who, proposed)
    for who, approve in ((whole, True), (declined, False)):
        candidacy = Candidate.objects.get(person=who)
        with time_machine.travel(dt.datetime(2024, 3, 6, 9, 0, tzinfo=DENVER), tick=False):
            candidate_decide(actor=manager, candidate=candidacy, approve=approve, reason="reviewed")
    attempt(whole, dt.date(2024, 3, 1), outcome="delivered")  # before the approval: not this journey's
    attempt(whole, dt.date(2024, 3, 9), outcome="not_found")
    attempt(whole, dt.date(2024, 3, 12))  # delivered
    connected(whole, dt.date(2024, 4, 1))
    for day in (dt.date(2024, 3, 20), dt.date(2024, 4, 25), dt.date(2024, 6, 1)):  # days 8, 44, 81
        contact(whole, day)
    got = steps("2024-03", "candidates")
    assert got["proposed"] == (3, None, None)
    assert got["approved"] == (1, pytest.approx(1 / 3), 2.0)
    assert got["first_attempt"] == (1, 1.0, 3.0)  # 6 March to 9 March
    assert got["delivered"] == (1, 1.0, 3.0)  # 9 March to 12 March
    assert got["engaged"] == (1, 1.0, 20.0)  # 12 March to 1 April
    assert got["retained"][0] == 1


def test_retention_needs_a_contact_in_each_window(program: Any) -> None:
    peer = UserFactory(role="peer")
    received = dt.date(2024, 9, 2)
    kept, gap = PersonFactory(peer=peer), PersonFactory(peer=peer)
    for who in (kept, gap):
        referral_create(actor=None, person=who, received_on=received, source="hospital")
        attempt(who, received + dt.timedelta(days=1))
        connected(who, received + dt.timedelta(days=10))
    delivered = received + dt.timedelta(days=1)
    for offset in (30, 31, 90):  # the last day of the first window, the first of the second, the last of the third
        contact(kept, delivered + dt.timedelta(days=offset))
    for offset in (5, 70):  # nothing in days 31-60
        contact(gap, delivered + dt.timedelta(days=offset))
    got = steps("2024-09", "referrals")
    assert got["referred"][0] == 2
    assert got["delivered"] == (2, 1.0, 0.0)
    assert got["engaged"] == (2, 1.0, 9.0)
    assert got["retained"][0] == 1


def test_the_public_edition_withholds_small_steps(program: Any) -> None:
    received = dt.date(2024, 9, 2)
    for n in range(12):
        who = PersonFactory()
        referral_create(actor=None, person=who, received_on=received, source="hospital")
        if n < 3:
            attempt(who, received + dt.timedelta(days=2))
    got = steps("2024-09", "referrals", threshold=10)
    assert got["referred"] == (12, None, None)
    assert got["first_attempt"] == (None, None, None)  # 3: withheld
    assert got["delivered"] == (None, None, None)
    assert got["engaged"] == (0, None, None)  # 0 is shown; its share of a withheld count is not

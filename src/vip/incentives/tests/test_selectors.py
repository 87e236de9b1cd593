"""Reading incentives by role: the peer worker their caseload's (their note with them), managers
every one (never the note), budgets as figures for both; police, analysts, administrators and
integrations nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from vip.core.config import program_today
from vip.incentives.selectors import (
    budget_line,
    budget_lines,
    budget_list,
    incentive_list,
    net_paid,
    payment_list,
    proposals,
    totals,
)
from vip.incentives.services import incentive_pay, payment_reverse
from vip.incentives.tests.helpers import FY, NOV_1, approved, budget, paid, proposed

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    budget(world, 100_000)
    mine = paid(world, "intake")  # own person, note by the peer
    theirs = paid(world, "intake", person="elsewhere")
    return mine, theirs


def test_a_peer_sees_their_caseloads_incentives_and_payments_with_the_note(world, records) -> None:
    mine, _theirs = records
    assert [i.pk for i in incentive_list(user=world["peer"])] == [mine.incentive_id]
    assert [p.pk for p in payment_list(user=world["peer"])] == [mine.pk]
    assert next(iter(payment_list(user=world["peer"]))).reference == "GC-1001"
    assert incentive_list(user=world["other_peer"]).filter(pk=mine.incentive_id).count() == 0


def test_a_manager_sees_every_incentive_but_never_the_peers_note(world) -> None:
    budget(world)
    proposed(world, note="Told me about his new job")
    proposed(world, person="elsewhere", note="Told me nothing")
    seen = list(incentive_list(user=world["manager"]))
    assert len(seen) == 2
    assert {i.note for i in seen} == {""}
    peer_sees = list(incentive_list(user=world["peer"]))
    assert [i.note for i in peer_sees] == ["Told me about his new job"]


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_other_roles_see_no_incentives_payments_or_budgets(world, records, role) -> None:
    for selector in (incentive_list, payment_list, budget_list):
        with pytest.raises(PermissionDenied):
            selector(user=world[role])
    with pytest.raises(PermissionDenied):
        totals(user=world[role], by="person")


def test_budgets_are_figures_for_peers_and_managers(world, records) -> None:
    for role in ("peer", "manager"):
        [line] = budget_lines(user=world[role])
        assert (line.fiscal_year, line.label, line.start, line.end) == (
            FY,
            "FY2023",
            dt.date(2022, 7, 1),
            dt.date(2023, 6, 30),
        )
        # The whole program's sums (figures): both payments, whoever's caseload.
        assert (line.amount, line.approved_unpaid, line.paid, line.remaining) == (100_000, 0, 5_000, 95_000)


def test_a_budget_line_counts_approved_unpaid_paid_net_and_proposals(world) -> None:
    budget(world, 50_000)
    payment = paid(world, "intake")  # $25 paid
    payment_reverse(actor=world["manager"], payment=payment, reason="lost")  # $0 net: approved, unpaid
    approved(world, "safety_plan")  # $25 approved, unpaid
    paid(world, "service_connected")  # $50 paid
    proposed(world, "days_90")  # $100 waiting
    line = budget_line(user=world["manager"], fiscal_year=FY)
    assert (line.approved_unpaid, line.paid, line.proposed, line.remaining) == (5_000, 5_000, 10_000, 40_000)
    empty = budget_line(user=world["manager"], fiscal_year=FY + 3)
    assert (empty.budget, empty.remaining, empty.paid) == (None, None, 0)


def test_net_paid_and_totals_count_reversals(world) -> None:
    budget(world, 100_000)
    first = paid(world, "intake")
    payment_reverse(actor=world["manager"], payment=first, reason="wrong card")
    incentive_pay(actor=world["manager"], incentive=first.incentive, paid_on=dt.date(2022, 12, 2), method="cash")
    other = paid(world, "days_90", person="elsewhere")
    assert net_paid(user=world["manager"], incentive_ids=[first.incentive_id, other.incentive_id]) == {
        first.incentive_id: 2_500,
        other.incentive_id: 10_000,
    }
    by_person = totals(user=world["manager"], by="person")
    assert by_person == {world["own"].pk: 2_500, world["elsewhere"].pk: 10_000}
    assert totals(user=world["peer"], by="person") == {world["own"].pk: 2_500}
    months = totals(user=world["manager"], by="month")
    reversed_in = str(program_today())[:7]  # a reversal is dated the day it is recorded
    expected: dict[str, int] = {"2022-11": 2_500 + 10_000, "2022-12": 2_500}
    expected[reversed_in] = expected.get(reversed_in, 0) - 2_500
    assert months == expected
    assert totals(user=world["manager"], by="fiscal_year") == {FY: 12_500}
    assert totals(user=world["manager"], by="person", start=dt.date(2022, 12, 1), end=dt.date(2022, 12, 31)) == {
        world["own"].pk: 2_500
    }
    with pytest.raises(ValueError, match="totals by person, month or fiscal_year"):
        totals(user=world["manager"], by="week")  # type: ignore[arg-type]


def test_the_approvals_queue_holds_proposals_oldest_first(world) -> None:
    budget(world)
    later = proposed(world, "days_90", reached_on=NOV_1)
    earlier = proposed(world, "intake", reached_on=dt.date(2022, 10, 1))
    approved(world, "safety_plan")
    assert [i.pk for i in proposals(user=world["manager"])] == [earlier.pk, later.pk]

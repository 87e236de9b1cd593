"""The incentives' services: proposals, decisions within the budget, withdrawals, payments and
reversals, budgets. Each write records exactly one audit event of its own action (the peer's note
redacted); a refused one writes nothing and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.factories import AuditTrail, audit_store_down
from vip.audit.services import REDACTED
from vip.core.config import program_today
from vip.core.errors import ConflictError
from vip.incentives import services
from vip.incentives.models import Incentive, IncentiveBudget, IncentivePayment
from vip.incentives.services import (
    budget_set,
    incentive_decide,
    incentive_pay,
    incentive_propose,
    incentive_withdraw,
    payment_reverse,
)
from vip.incentives.tests.helpers import FY, NOV_1, NOV_10, approved, budget, paid, proposed

pytestmark = pytest.mark.django_db

NOT_ON_CASELOAD = "This person is not on your caseload"


def _counts() -> tuple[int, int, int]:
    return Incentive.objects.count(), IncentivePayment.objects.count(), IncentiveBudget.objects.count()


# --- incentive_propose ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "person"), [("peer", "own"), ("manager", "own"), ("manager", "elsewhere")])
def test_a_proposal_takes_the_profiles_amount_and_is_audited_once(world, role, person) -> None:
    trail = AuditTrail()
    incentive = incentive_propose(
        actor=world[role], person=world[person], milestone="days_90", reached_on=NOV_1, note="No incidents since July"
    )
    stored = Incentive.objects.get(pk=incentive.pk)
    assert (stored.person_id, stored.milestone, stored.amount_cents, stored.reached_on) == (
        world[person].pk,
        "days_90",
        10_000,  # the Albuquerque profile: 90 days engaged without violence, $100
        NOV_1,
    )
    assert (stored.status, stored.recorded_by_id, stored.note) == (
        "proposed",
        world[role].pk,
        "No incidents since July",
    )
    event = trail.single()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "incentive.propose",
        "incentives.incentive",
        str(incentive.pk),
        world[role].pk,
    )
    assert (event.changes["note"], event.changes["amount_cents"]) == (REDACTED, 10_000)


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("peer", "elsewhere", NOT_ON_CASELOAD),
        ("other_peer", "own", NOT_ON_CASELOAD),
        ("peer", "nobody", NOT_ON_CASELOAD),
        ("police", "own", "Your role may not propose incentives"),
        ("analyst", "own", "Your role may not propose incentives"),
        ("admin", "own", "Your role may not propose incentives"),
        ("integration", "own", "Your role may not propose incentives"),
    ],
)
def test_a_proposal_is_the_peer_workers_for_their_caseload_or_a_managers(world, role, person, message) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match=message):
        incentive_propose(actor=world[role], person=world[person], milestone="intake", reached_on=NOV_1)
    assert _counts() == (0, 0, 0)
    assert trail.events() == []


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"milestone": "birthday"}, "milestone", "Unknown milestone birthday"),
        ({"milestone": ""}, "milestone", "Unknown milestone"),
        ({"reached_on": dt.date(2099, 1, 1)}, "reached_on", "cannot be in the future"),
        ({"reached_on": None}, "reached_on", "must be a day"),
        ({"note": "x" * 2001}, "note", "under 2000 characters"),
    ],
)
def test_a_proposal_refuses_bad_values_naming_the_field(world, values, field, message) -> None:
    trail = AuditTrail()
    arguments = {"milestone": "intake", "reached_on": NOV_1, **values}
    with pytest.raises(ValidationError, match=message) as refused:
        incentive_propose(actor=world["peer"], person=world["own"], **arguments)
    assert field in refused.value.message_dict
    assert _counts() == (0, 0, 0)
    assert trail.events() == []


def test_a_person_gets_each_milestone_once_unless_declined_or_withdrawn(world) -> None:
    budget(world)
    first = proposed(world)
    with pytest.raises(ValidationError, match="already has the incentive for “Intake and needs assessment completed”"):
        proposed(world)
    declined = incentive_decide(actor=world["manager"], incentive=first, approve=False, expected_version=1, reason="x")
    assert declined.status == "declined"
    second = proposed(world)  # a declined one leaves the milestone free
    incentive_withdraw(actor=world["peer"], incentive=second, expected_version=1)
    third = proposed(world)  # so does a withdrawn one
    incentive_decide(actor=world["manager"], incentive=third, approve=True, expected_version=1)
    with pytest.raises(ValidationError, match="a milestone is paid once"):
        proposed(world)  # an approved one holds it
    proposed(world, "intake", person="elsewhere")  # another person's is their own


def test_the_database_holds_a_milestone_once_under_a_race(world) -> None:
    """The service's check can be raced; the conditional unique constraint cannot."""
    first = proposed(world)
    twin = Incentive(
        person=first.person, milestone="intake", amount_cents=2500, reached_on=NOV_1, recorded_by=world["peer"]
    )
    with pytest.raises(ValidationError, match="already has this milestone's incentive"):
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


# --- incentive_decide -------------------------------------------------------------------------------


def test_a_manager_approves_a_proposal_within_the_budget_and_it_is_audited_once(world) -> None:
    budget(world, 10_000)
    incentive = proposed(world)
    trail = AuditTrail()
    decided = incentive_decide(actor=world["manager"], incentive=incentive, approve=True, expected_version=1)
    stored = Incentive.objects.get(pk=incentive.pk)
    assert (stored.status, stored.decided_by_id, stored.version) == ("approved", world["manager"].pk, 2)
    assert stored.decided_at is not None and stored.decided_at.tzinfo is not None
    assert decided.status == "approved"
    event = trail.single()
    assert (event.action, event.object_id, event.actor_id) == (
        "incentive.decide",
        str(incentive.pk),
        world["manager"].pk,
    )
    assert event.changes["status"] == ["proposed", "approved"]


def test_the_proposer_never_decides_even_a_manager(world) -> None:
    budget(world)
    mine = proposed(world, actor=world["manager"])
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="You proposed this incentive: another manager decides on it"):
        incentive_decide(actor=world["manager"], incentive=mine, approve=True, expected_version=1)
    with pytest.raises(PermissionDenied, match="another manager decides"):
        incentive_decide(actor=world["manager"], incentive=mine, approve=False, expected_version=1, reason="no")
    assert Incentive.objects.get(pk=mine.pk).status == "proposed"
    assert trail.events() == []
    # Another manager does.
    assert incentive_decide(actor=world["other_manager"], incentive=mine, approve=True, expected_version=1).status == (
        "approved"
    )


@pytest.mark.parametrize("role", ["peer", "other_peer", "police", "analyst", "admin", "integration"])
def test_only_managers_decide(world, role) -> None:
    budget(world)
    incentive = proposed(world)
    with pytest.raises(PermissionDenied, match="Your role may not decide on incentives"):
        incentive_decide(actor=world[role], incentive=incentive, approve=True, expected_version=1)
    assert Incentive.objects.get(pk=incentive.pk).status == "proposed"


def test_an_approval_is_refused_without_a_budget_for_the_milestones_fiscal_year(world) -> None:
    budget(world, year=FY + 1)  # FY2024's: not the one a milestone of November 2022 draws on
    incentive = proposed(world)
    with pytest.raises(ValidationError, match="No incentive budget is set for FY2023"):
        incentive_decide(actor=world["manager"], incentive=incentive, approve=True, expected_version=1)
    assert Incentive.objects.get(pk=incentive.pk).status == "proposed"


def test_an_approval_is_refused_when_the_years_approved_amounts_would_exceed_the_budget(world) -> None:
    budget(world, 10_000)
    approved(world, "intake")  # $25
    approved(world, "safety_plan")  # $25: $50 of $100 approved
    service = proposed(world, "service_connected")  # $50: exactly what is left
    incentive_decide(actor=world["manager"], incentive=service, approve=True, expected_version=1)
    over = proposed(world, "days_90")  # $100 more
    with pytest.raises(ValidationError) as refused:
        incentive_decide(actor=world["manager"], incentive=over, approve=True, expected_version=1)
    assert refused.value.messages == [
        "Approving this incentive ($100.00) would exceed the FY2023 budget: $100.00 of $100.00 is approved "
        "already, $0.00 is left."
    ]
    # A proposal of another fiscal year draws on its own year's budget.
    later = proposed(world, "job_or_school", reached_on=dt.date(2023, 7, 3))
    with pytest.raises(ValidationError, match="No incentive budget is set for FY2024"):
        incentive_decide(actor=world["manager"], incentive=later, approve=True, expected_version=1)
    # Declining needs no budget.
    assert incentive_decide(actor=world["manager"], incentive=over, approve=False, expected_version=1, reason="no")


def test_paid_and_reversed_amounts_still_count_against_the_budget_until_withdrawn(world) -> None:
    budget(world, 5_000)
    payment = paid(world, "intake")  # $25 approved and paid
    payment_reverse(actor=world["manager"], payment=payment, reason="lost card")  # still approved
    approved(world, "safety_plan")  # $25: the budget is used up
    third = proposed(world, "service_connected")
    with pytest.raises(ValidationError, match="would exceed the FY2023 budget"):
        incentive_decide(actor=world["manager"], incentive=third, approve=True, expected_version=1)


def test_a_decision_needs_the_current_version_and_a_proposal(world) -> None:
    budget(world)
    incentive = proposed(world)
    with pytest.raises(ConflictError):
        incentive_decide(actor=world["manager"], incentive=incentive, approve=True, expected_version=7)
    incentive_decide(actor=world["manager"], incentive=incentive, approve=True, expected_version=1)
    with pytest.raises(ConflictError):  # the second of two managers who opened version 1
        incentive_decide(actor=world["other_manager"], incentive=incentive, approve=False, expected_version=1)
    with pytest.raises(ValidationError, match="This incentive is approved already"):
        incentive_decide(actor=world["other_manager"], incentive=incentive, approve=False, expected_version=2)


def test_declining_needs_a_reason(world) -> None:
    incentive = proposed(world)
    with pytest.raises(ValidationError, match="Reason for declining: give the reason") as refused:
        incentive_decide(actor=world["manager"], incentive=incentive, approve=False, expected_version=1, reason=" ")
    assert "reason" in refused.value.message_dict
    declined = incentive_decide(
        actor=world["manager"], incentive=incentive, approve=False, expected_version=1, reason="Not yet 90 days"
    )
    assert (declined.status, declined.decline_reason) == ("declined", "Not yet 90 days")


# --- incentive_withdraw -------------------------------------------------------------------------------


def test_the_proposer_withdraws_their_proposal_and_it_is_audited_once(world) -> None:
    incentive = proposed(world)
    trail = AuditTrail()
    withdrawn = incentive_withdraw(actor=world["peer"], incentive=incentive, expected_version=1)
    assert (withdrawn.status, withdrawn.withdrawn_by_id, withdrawn.decided_by_id) == (
        "withdrawn",
        world["peer"].pk,
        None,
    )
    assert trail.single().action == "incentive.withdraw"


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("other_peer", "Only whoever recorded this entry"),
        ("police", "Your role may not withdraw incentives"),
        ("analyst", "Your role may not withdraw incentives"),
    ],
)
def test_a_proposal_is_withdrawn_by_its_proposer_or_a_manager_only(world, role, message) -> None:
    incentive = proposed(world)
    with pytest.raises(PermissionDenied, match=message):
        incentive_withdraw(actor=world[role], incentive=incentive, expected_version=1)
    assert incentive_withdraw(actor=world["manager"], incentive=incentive, expected_version=1).status == "withdrawn"


def test_a_peer_withdraws_nothing_once_it_is_decided(world) -> None:
    budget(world)
    incentive = approved(world)
    with pytest.raises(PermissionDenied, match="Your role may not decide on incentives"):
        incentive_withdraw(actor=world["peer"], incentive=incentive, expected_version=2)
    declined = incentive_decide(
        actor=world["manager"], incentive=proposed(world, "days_90"), approve=False, expected_version=1, reason="r"
    )
    with pytest.raises(ValidationError, match="This incentive is declined"):
        incentive_withdraw(actor=world["manager"], incentive=declined, expected_version=2)


def test_a_manager_withdraws_a_mistaken_approval_while_nothing_is_paid(world) -> None:
    budget(world, 2_500)
    incentive = approved(world)
    with pytest.raises(ValidationError, match="Give the reason for withdrawing an approval"):
        incentive_withdraw(actor=world["other_manager"], incentive=incentive, expected_version=2)
    withdrawn = incentive_withdraw(
        actor=world["other_manager"], incentive=incentive, expected_version=2, reason="Approved the wrong person"
    )
    # The approval stays on record; the budget is free again.
    assert (withdrawn.status, withdrawn.decided_by_id, withdrawn.withdraw_reason) == (
        "withdrawn",
        world["manager"].pk,
        "Approved the wrong person",
    )
    assert approved(world).status == "approved"


def test_a_paid_approval_is_not_withdrawn(world) -> None:
    budget(world)
    payment = paid(world)
    with pytest.raises(ValidationError, match="reverse its payment before withdrawing"):
        incentive_withdraw(actor=world["manager"], incentive=payment.incentive, expected_version=2, reason="r")
    payment_reverse(actor=world["manager"], payment=payment, reason="wrong person")
    assert (
        incentive_withdraw(actor=world["manager"], incentive=payment.incentive, expected_version=2, reason="r").status
        == "withdrawn"
    )


# --- incentive_pay and payment_reverse ------------------------------------------------------------------


def test_a_manager_pays_an_approved_incentive_its_amount_once(world) -> None:
    budget(world)
    incentive = approved(world, "service_connected")
    trail = AuditTrail()
    payment = incentive_pay(
        actor=world["manager"], incentive=incentive, paid_on=NOV_10, method="check", reference="CHK 1001"
    )
    stored = IncentivePayment.objects.get(pk=payment.pk)
    assert (stored.amount_cents, stored.paid_on, stored.method, stored.reference, stored.recorded_by_id) == (
        5_000,
        NOV_10,
        "check",
        "CHK 1001",
        world["manager"].pk,
    )
    event = trail.single()
    assert (event.action, event.object_type) == ("incentive.pay", "incentives.incentivepayment")
    with pytest.raises(ValidationError, match="This incentive is paid already"):
        incentive_pay(actor=world["manager"], incentive=incentive, paid_on=NOV_10, method="cash")
    assert IncentivePayment.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"paid_on": dt.date(2099, 1, 1)}, "paid_on", "cannot be in the future"),
        ({"paid_on": dt.date(2022, 10, 31)}, "paid_on", "cannot be before the milestone was reached"),
        ({"method": "bitcoin"}, "method", "Choose how it was paid"),
        ({"reference": "9" * 101}, "reference", "under 100 characters"),
    ],
)
def test_a_payment_refuses_bad_values_naming_the_field(world, values, field, message) -> None:
    budget(world)
    incentive = approved(world)
    with pytest.raises(ValidationError, match=message) as refused:
        incentive_pay(actor=world["manager"], incentive=incentive, **{"paid_on": NOV_10, "method": "cash", **values})
    assert field in refused.value.message_dict
    assert IncentivePayment.objects.count() == 0


def test_only_an_approved_incentive_is_paid(world) -> None:
    incentive = proposed(world)
    with pytest.raises(ValidationError, match="Only an approved incentive is paid; this one is proposed"):
        incentive_pay(actor=world["manager"], incentive=incentive, paid_on=NOV_10, method="cash")


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin", "integration"])
def test_only_managers_pay_and_reverse(world, role) -> None:
    budget(world)
    payment = paid(world)
    with pytest.raises(PermissionDenied, match="Your role may not pay incentives"):
        incentive_pay(actor=world[role], incentive=approved(world, "days_90"), paid_on=NOV_10, method="cash")
    with pytest.raises(PermissionDenied, match="Your role may not reverse incentive payments"):
        payment_reverse(actor=world[role], payment=payment, reason="x")
    assert IncentivePayment.objects.count() == 1


def test_a_payment_is_reversed_once_by_a_row_of_its_own_and_paid_again(world) -> None:
    budget(world)
    payment = paid(world)
    trail = AuditTrail()
    reversal = payment_reverse(actor=world["manager"], payment=payment, reason="Card never activated")
    assert (reversal.amount_cents, reversal.reversal_of_id, reversal.reason, reversal.paid_on) == (
        -2_500,
        payment.pk,
        "Card never activated",
        program_today(),
    )
    assert (reversal.method, reversal.reference) == ("gift_card", "GC-1001")
    assert trail.single().action == "incentive.reverse"
    # The payment itself is unchanged.
    assert IncentivePayment.objects.get(pk=payment.pk).amount_cents == 2_500
    with pytest.raises(ValidationError, match="This payment was reversed already"):
        payment_reverse(actor=world["manager"], payment=payment, reason="again")
    with pytest.raises(ValidationError, match="This is a reversal: it cannot be reversed"):
        payment_reverse(actor=world["manager"], payment=reversal, reason="undo")
    with pytest.raises(ValidationError, match="Reason for reversing: give the reason"):
        payment_reverse(actor=world["manager"], payment=payment, reason="")
    again = incentive_pay(actor=world["manager"], incentive=payment.incentive, paid_on=NOV_10, method="check")
    amounts = list(IncentivePayment.objects.filter(incentive=payment.incentive).values_list("amount_cents", flat=True))
    assert sorted(amounts) == [-2_500, 2_500, 2_500]
    assert sum(amounts) == 2_500  # paid once, net
    with pytest.raises(ValidationError, match="paid already"):
        incentive_pay(actor=world["manager"], incentive=again.incentive, paid_on=NOV_10, method="cash")


def test_a_payment_is_never_changed(world) -> None:
    """No service changes a payment, the admin does not show them, and the model refuses."""
    budget(world)
    payment = paid(world)
    assert [name for name in dir(services) if name.startswith("payment_")] == ["payment_reverse"]
    assert not any(name.startswith("incentive_pay_") for name in dir(services))
    assert IncentivePayment not in admin.site._registry
    payment.amount_cents = 1
    with pytest.raises(TypeError, match="never changed"):
        payment.save()
    with pytest.raises(TypeError, match="never changed"):
        IncentivePayment.objects.filter(pk=payment.pk).update(amount_cents=1)
    assert IncentivePayment.objects.get(pk=payment.pk).amount_cents == 2_500


def test_the_database_refuses_a_reversal_without_its_payment_or_of_the_wrong_sign(world) -> None:
    budget(world)
    payment = paid(world)
    wrong = IncentivePayment(
        incentive=payment.incentive, paid_on=NOV_10, method="cash", amount_cents=-2_500, recorded_by=world["manager"]
    )
    with pytest.raises(ValidationError, match="a reversal is negative and names the payment"):
        wrong.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        wrong.save()


def test_a_payment_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    budget(world)
    incentive = approved(world)
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        incentive_pay(actor=world["manager"], incentive=incentive, paid_on=NOV_10, method="cash")
    assert IncentivePayment.objects.count() == 0


# --- budget_set ----------------------------------------------------------------------------------------


def test_a_manager_sets_and_changes_a_budget_with_its_version(world) -> None:
    trail = AuditTrail()
    first = budget_set(actor=world["manager"], fiscal_year=FY, amount_cents=100_000, note="Council grant")
    assert (first.fiscal_year, first.amount_cents, first.note, first.set_by_id, first.version) == (
        FY,
        100_000,
        "Council grant",
        world["manager"].pk,
        1,
    )
    assert trail.single().action == "incentive.budget"
    raised = budget_set(actor=world["other_manager"], fiscal_year=FY, amount_cents=150_000, expected_version=1)
    assert (raised.amount_cents, raised.version, raised.set_by_id) == (150_000, 2, world["other_manager"].pk)
    with pytest.raises(ConflictError):  # a stale version
        budget_set(actor=world["manager"], fiscal_year=FY, amount_cents=90_000, expected_version=1)
    with pytest.raises(ConflictError):  # "set a new one" while someone else had set it
        budget_set(actor=world["manager"], fiscal_year=FY, amount_cents=90_000)
    with pytest.raises(ValidationError, match="No budget is set for FY2025 yet"):
        budget_set(actor=world["manager"], fiscal_year=2024, amount_cents=90_000, expected_version=1)
    assert IncentiveBudget.objects.get(fiscal_year=FY).amount_cents == 150_000


def test_a_budget_is_never_below_what_its_year_has_approved(world) -> None:
    year = budget(world, 10_000)
    approved(world, "days_90")  # $100
    with pytest.raises(ValidationError, match=r"cannot be less than what is approved in that year already: \$100.00"):
        budget_set(actor=world["manager"], fiscal_year=FY, amount_cents=9_999, expected_version=year.version)
    lowered = budget_set(actor=world["other_manager"], fiscal_year=FY, amount_cents=10_000, expected_version=1)
    assert lowered.version == 1  # unchanged: nothing to save
    raised = budget_set(actor=world["manager"], fiscal_year=FY, amount_cents=12_000, expected_version=1)
    assert raised.amount_cents == 12_000


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"fiscal_year": 1899}, "fiscal_year"),
        ({"fiscal_year": True}, "fiscal_year"),
        ({"amount_cents": -1}, "amount_cents"),
        ({"amount_cents": 10**12}, "amount_cents"),
    ],
)
def test_a_budget_refuses_bad_values_naming_the_field(world, values, field) -> None:
    with pytest.raises(ValidationError) as refused:
        budget_set(actor=world["manager"], **{"fiscal_year": FY, "amount_cents": 100, **values})
    assert field in refused.value.message_dict
    assert IncentiveBudget.objects.count() == 0


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin", "integration"])
def test_only_managers_set_budgets(world, role) -> None:
    with pytest.raises(PermissionDenied, match="Your role may not set incentive budgets"):
        budget_set(actor=world[role], fiscal_year=FY, amount_cents=100)
    assert IncentiveBudget.objects.count() == 0

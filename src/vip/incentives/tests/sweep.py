"""The incentives' records in the canary sweep (tests/security/sweep.py): a proposal with the peer
worker's note (casework: never police's, never a manager's), approved by a manager, paid,
reversed and paid again; a declined proposal; a budget.

``SEEDED`` names the sensitive fields the records carry canaries in (for a check that every
declared sensitive field of a person's records is swept)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vip.accounts.models import User

# What the participant's peer worker wrote about the milestone: behind the wall from police, and
# peer support's own (managers do not see it).
CASEWORK: tuple[str, ...] = ("CANARYINCENTIVE7731",)
# Incentives hold no police records.
POLICE: tuple[str, ...] = ()
API: list[str] = [
    "/api/v1/incentives/",
    "/api/v1/incentives/?person={person_id}",
    "/api/v1/incentives/?status=approved",
]
SEEDED = {
    ("incentives.Incentive", "note"),
    ("incentives.Incentive", "decline_reason"),
    ("incentives.Incentive", "withdraw_reason"),
    ("incentives.IncentivePayment", "reference"),
    ("incentives.IncentivePayment", "reason"),
}
REACHED = dt.date(2022, 11, 2)


def seed(users: dict[str, User], person: Any) -> dict[str, int]:
    from vip.incentives.figures import fiscal_year_of
    from vip.incentives.services import (
        budget_set,
        incentive_decide,
        incentive_pay,
        incentive_propose,
        incentive_withdraw,
        payment_reverse,
    )

    peer, manager = users["peer"], users["manager"]
    budget_set(actor=manager, fiscal_year=fiscal_year_of(REACHED), amount_cents=500_000, note="FY budget")
    incentive = incentive_propose(
        actor=peer,
        person=person,
        milestone="intake",
        reached_on=REACHED,
        note="CANARYINCENTIVE7731 finished the intake with his aunt",
    )
    incentive = incentive_decide(actor=manager, incentive=incentive, approve=True, expected_version=incentive.version)
    first = incentive_pay(
        actor=manager, incentive=incentive, paid_on=dt.date(2022, 11, 4), method="gift_card", reference="GCREF7731"
    )
    payment_reverse(actor=manager, payment=first, reason="REVERSAL7731 card never activated")
    incentive_pay(actor=manager, incentive=incentive, paid_on=dt.date(2022, 11, 9), method="check", reference="CHK7731")
    declined = incentive_propose(actor=peer, person=person, milestone="days_90", reached_on=REACHED)
    incentive_decide(
        actor=manager, incentive=declined, approve=False, expected_version=declined.version, reason="DECLINE7731 early"
    )
    withdrawn = incentive_propose(actor=peer, person=person, milestone="safety_plan", reached_on=REACHED)
    incentive_withdraw(actor=peer, incentive=withdrawn, expected_version=withdrawn.version, reason="WITHDRAW7731")
    return {"incentive_id": incentive.pk, "incentive_payment_id": first.pk}

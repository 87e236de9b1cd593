"""The incentives' actions for tests/test_permission_matrix.py: each performed through its service
as user ``u`` on person ``p`` of the matrix's world ``w`` (every attempt is rolled back).

What an action needs is made by the operator first: a budget for the milestone's fiscal year, a
proposal (put down as ``u``'s own where the rule is the proposer's: ``w.entry_by``), an approval by
a manager who did not propose it, a payment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vip.accounts.models import User

REACHED = dt.date(2022, 11, 1)  # fiscal year 2022 (FY2023) of the Albuquerque profile
PAID = dt.date(2022, 11, 10)


def _budget() -> Any:
    from vip.incentives.services import budget_set

    return budget_set(actor=None, fiscal_year=2022, amount_cents=1_000_000)


def _proposed(person: Any) -> Any:
    from vip.incentives.services import incentive_propose

    return incentive_propose(actor=None, person=person, milestone="intake", reached_on=REACHED)


def _approved(w: Any, person: Any) -> Any:
    from vip.incentives.services import incentive_decide

    _budget()
    incentive = _proposed(person)
    return incentive_decide(actor=w.users["manager"], incentive=incentive, approve=True, expected_version=1)


def _paid(w: Any, person: Any) -> Any:
    from vip.incentives.services import incentive_pay

    return incentive_pay(actor=None, incentive=_approved(w, person), paid_on=PAID, method="gift_card", reference="GC1")


def actions() -> dict[str, Callable[[User, Any, Any], Any]]:
    from vip.incentives.export import finance_csv
    from vip.incentives.services import (
        budget_set,
        incentive_decide,
        incentive_pay,
        incentive_propose,
        incentive_withdraw,
        payment_reverse,
    )

    def decide(u: User, w: Any, p: Any) -> Any:
        _budget()
        return incentive_decide(actor=u, incentive=_proposed(p), approve=True, expected_version=1)

    return {
        "incentive.propose": lambda u, w, p: incentive_propose(
            actor=u, person=p, milestone="safety_plan", reached_on=REACHED
        ),
        "incentive.decide": decide,
        "incentive.withdraw": lambda u, w, p: incentive_withdraw(
            actor=u, incentive=w.entry_by(u, lambda: _proposed(p)), expected_version=1
        ),
        "incentive.pay": lambda u, w, p: incentive_pay(
            actor=u, incentive=_approved(w, p), paid_on=PAID, method="check", reference="CHK 1001"
        ),
        "incentive.reverse": lambda u, w, p: payment_reverse(actor=u, payment=_paid(w, p), reason="card not activated"),
        "incentive.budget": lambda u, w, p: budget_set(actor=u, fiscal_year=2023, amount_cents=50_000),
        "incentive.finance_export": lambda u, w, p: finance_csv(user=u, start=PAID, end=PAID),
    }

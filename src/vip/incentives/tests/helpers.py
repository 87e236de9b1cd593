"""Records the incentives tests start from, made through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vip.incentives.models import Incentive, IncentivePayment
from vip.incentives.services import budget_set, incentive_decide, incentive_pay, incentive_propose

NOV_1 = dt.date(2022, 11, 1)
NOV_10 = dt.date(2022, 11, 10)
FY = 2022  # FY2023 of the Albuquerque profile (July 2022 to June 2023)


def budget(world: dict[str, Any], cents: int = 100_000, year: int = FY) -> Any:
    return budget_set(actor=world["other_manager"], fiscal_year=year, amount_cents=cents)


def proposed(world: dict[str, Any], milestone: str = "intake", person: str = "own", **values: Any) -> Incentive:
    actor = {"own": world["peer"], "elsewhere": world["other_peer"]}.get(person, world["other_manager"])
    return incentive_propose(
        actor=values.pop("actor", actor),
        person=world[person],
        milestone=milestone,
        reached_on=values.pop("reached_on", NOV_1),
        **values,
    )


def approved(world: dict[str, Any], milestone: str = "intake", **values: Any) -> Incentive:
    incentive = proposed(world, milestone, **values)
    return incentive_decide(actor=world["manager"], incentive=incentive, approve=True, expected_version=1)


def paid(
    world: dict[str, Any], milestone: str = "intake", paid_on: dt.date = NOV_10, **values: Any
) -> IncentivePayment:
    return incentive_pay(
        actor=world["manager"],
        incentive=approved(world, milestone, **values),
        paid_on=paid_on,
        method="gift_card",
        reference="GC-1001",
    )

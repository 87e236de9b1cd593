"""The permission matrix's hook (tests/test_permission_matrix.py): each action of safety plans,
performed through its service as user ``u`` on person ``p`` of the matrix's world ``w``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vip.accounts.models import User

NOON = dt.datetime(2022, 11, 3, 18, 0, tzinfo=dt.UTC)
WRITTEN = dt.date(2022, 11, 2)


def _plan_of(person: Any) -> Any:
    """The person's plan, written by the operator when they have none yet."""
    from vip.safety_plans.models import SafetyPlan
    from vip.safety_plans.services import safety_plan_write

    plan = SafetyPlan.objects.filter(person=person).first()
    if plan is None:
        plan = safety_plan_write(
            actor=None, person=person, written_on=WRITTEN, expected_version=None, warning_signs="signs"
        ).plan
    return plan


def _check_in_of(person: Any) -> Any:
    """A check-in on the person's plan, recorded by the operator."""
    from vip.safety_plans.services import safety_check_in_record

    _plan_of(person)
    return safety_check_in_record(actor=None, person=person, checked_at=NOON, status="safe")


def actions() -> dict[str, Callable[[User, Any, Any], Any]]:
    from vip.safety_plans.services import safety_check_in_record, safety_check_in_void, safety_plan_write

    return {
        # The first version of a plan (every attempt is rolled back: the person has none before it).
        "safety_plan.write": lambda u, w, p: safety_plan_write(
            actor=u, person=p, written_on=WRITTEN, expected_version=None, goals="finish school"
        ),
        "safety_plan.check_in": lambda u, w, p: (
            _plan_of(p),
            safety_check_in_record(actor=u, person=p, checked_at=NOON, status="concerns"),
        ),
        "safety_plan.correct": lambda u, w, p: safety_check_in_void(
            actor=u,
            check_in=w.entry_by(u, lambda: _check_in_of(p)),
            reason="recorded for the wrong person",
            expected_version=1,
        ),
    }

"""The people and accounts the safety plan tests act on, built through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import caseload_world
from vip.safety_plans.models import SafetyPlanVersion
from vip.safety_plans.services import safety_plan_write

SECTIONS_V1 = {
    "warning_signs": "Calls from the Westside crew",
    "avoid": "The park on 4th after dark",
    "safe_places": "Aunt's house on Isleta",
    "people_to_call": "Coach Rivera",
    "coping": "Walks away, calls the coach",
    "goals": "Finish the GED",
}


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and a person on the peer's caseload
    (``own``), one on the other peer's (``elsewhere``) and one on nobody's (``nobody``)."""
    return caseload_world()


@pytest.fixture
def write_plan(world: dict[str, Any]) -> Callable[..., SafetyPlanVersion]:
    """The first version of a plan for ``person`` (the own person), by the peer worker."""

    def write(person: Any = None, *, actor: Any = None, **sections: str) -> SafetyPlanVersion:
        return safety_plan_write(
            actor=actor or world["peer"],
            person=person or world["own"],
            written_on=dt.date(2022, 11, 1),
            expected_version=None,
            **(sections or SECTIONS_V1),
        )

    return write

"""The canary sweep's hook (tests/security/sweep.py): safety plans seeded with canaries in every
section, the reason for a revision and a check-in's note. What a person told peer support never
reaches police (nor managers, who see that a plan exists)."""

from __future__ import annotations

import datetime as dt

from vip.accounts.models import User
from vip.people.models import Person

CASEWORK: tuple[str, ...] = (
    "CANARYPLANSIGNS7731",
    "CANARYPLANAVOID7731",
    "CANARYPLANSAFE7731",
    "CANARYPLANCALL7731",
    "CANARYPLANCOPE7731",
    "CANARYPLANGOAL7731",
    "CANARYPLANWHY7731",
    "CANARYCHECKIN7731",
)
POLICE: tuple[str, ...] = ()
# The sensitive text fields seeded with the canaries above (tests/security/test_access_policy.py's
# census of a person's records).
SEEDED = {
    *(
        ("safety_plans.SafetyPlanVersion", name)
        for name in ("warning_signs", "avoid", "safe_places", "people_to_call", "coping", "goals", "reason")
    ),
    ("safety_plans.SafetyCheckIn", "note"),
}
API: list[str] = [
    "/api/v1/safety-plans/?person={person_id}",
]


def seed(users: dict[str, User], person: Person) -> dict[str, int]:
    """A plan of two versions (the sections of both, and the reason for the second, carry
    canaries) and a check-in with a canary note, all by the person's peer worker."""
    from zoneinfo import ZoneInfo

    from vip.safety_plans.services import safety_check_in_record, safety_plan_write

    peer = users["peer"]
    first = safety_plan_write(
        actor=peer,
        person=person,
        written_on=dt.date(2022, 11, 7),
        expected_version=None,
        warning_signs="CANARYPLANSIGNS7731 gets calls from the Westside crew",
        avoid="CANARYPLANAVOID7731 the park on 4th after dark",
        safe_places="CANARYPLANSAFE7731 aunt's house on Isleta",
        people_to_call="CANARYPLANCALL7731 his coach",
        coping="CANARYPLANCOPE7731 walks away, calls the coach",
        goals="CANARYPLANGOAL7731 finish the GED",
    )
    second = safety_plan_write(
        actor=peer,
        person=person,
        written_on=dt.date(2022, 11, 9),
        expected_version=first.plan.version,
        warning_signs="CANARYPLANSIGNS7731 gets calls from the Westside crew, and messages",
        avoid=first.avoid,
        safe_places=first.safe_places,
        people_to_call=first.people_to_call,
        coping=first.coping,
        goals=first.goals,
        reason="CANARYPLANWHY7731 new threats by text",
    )
    check_in = safety_check_in_record(
        actor=peer,
        person=person,
        checked_at=dt.datetime(2022, 11, 10, 15, tzinfo=ZoneInfo("America/Denver")),
        status="concerns",
        plan_still_fits=True,
        note="CANARYCHECKIN7731 slept badly",
    )
    return {"safety_plan_version": second.number, "safety_check_in_id": check_in.pk}

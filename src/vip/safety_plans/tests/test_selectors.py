"""Reading safety plans, per role: the assigned peer worker sees their caseload's plans in full; a
manager sees every plan, its versions and the check-ins' statuses, never the sections or notes;
police and analysts see none (a refusal, not an empty list)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import DENVER
from vip.safety_plans.selectors import (
    people_without_plan,
    safety_check_in_list,
    safety_plan_list,
    safety_plan_of,
    safety_plan_people,
    safety_plan_versions,
)
from vip.safety_plans.services import safety_check_in_record, safety_check_in_void, safety_plan_write

from .conftest import SECTIONS_V1

pytestmark = pytest.mark.django_db

EARLY = dt.datetime(2022, 11, 6, 10, 0, tzinfo=DENVER)
LATE = dt.datetime(2022, 11, 8, 10, 0, tzinfo=DENVER)


@pytest.fixture
def plans(world, write_plan):
    """The own person's plan in two versions with two check-ins (the later one voided); the other
    peer's person's plan with one check-in."""
    first = write_plan()
    second = safety_plan_write(
        actor=world["peer"],
        person=world["own"],
        written_on=dt.date(2022, 11, 4),
        expected_version=first.plan.version,
        **{**SECTIONS_V1, "goals": "Get a job"},
        reason="Finished the GED",
    )
    safety_check_in_record(
        actor=world["peer"], person=world["own"], checked_at=EARLY, status="concerns", note="Threats again"
    )
    late = safety_check_in_record(actor=world["peer"], person=world["own"], checked_at=LATE, status="safe")
    safety_check_in_void(actor=world["peer"], check_in=late, reason="Wrong person", expected_version=1)
    write_plan(world["elsewhere"], actor=world["other_peer"])
    safety_check_in_record(actor=world["other_peer"], person=world["elsewhere"], checked_at=LATE, status="unsafe")
    return {"own": second.plan, "elsewhere": safety_plan_of(user=world["other_peer"], person=world["elsewhere"])}


def test_a_peer_sees_their_caseloads_plans_in_full(world, plans) -> None:
    peer = world["peer"]
    assert [p.person_id for p in safety_plan_list(user=peer)] == [world["own"].pk]
    versions = list(safety_plan_versions(user=peer, plan=plans["own"]))
    assert [(v.number, v.goals, v.reason) for v in versions] == [
        (2, "Get a job", "Finished the GED"),
        (1, "Finish the GED", ""),
    ]
    assert [c.note for c in safety_check_in_list(user=peer)] == ["Threats again"]
    assert safety_plan_of(user=peer, person=world["elsewhere"]) is None


def test_the_list_carries_the_last_check_in_that_stands_and_the_day_of_the_version_in_force(world, plans) -> None:
    own = safety_plan_of(user=world["peer"], person=world["own"])
    # The later check-in was voided: the earlier one is the last that stands.
    assert (own.last_check_in_at, own.last_check_in_status) == (EARLY, "concerns")
    assert (own.current, own.current_written_on) == (2, dt.date(2022, 11, 4))
    elsewhere = safety_plan_of(user=world["manager"], person=world["elsewhere"])
    assert elsewhere.last_check_in_status == "unsafe"


def test_voided_check_ins_only_with_the_history(world, plans) -> None:
    assert len(safety_check_in_list(user=world["peer"])) == 1
    history = list(safety_check_in_list(user=world["peer"], include_voided=True))
    assert [(c.status, c.voided_at is not None) for c in history] == [("safe", True), ("concerns", False)]


def test_a_manager_sees_every_plan_without_what_it_says(world, plans) -> None:
    manager = world["manager"]
    assert {p.person_id for p in safety_plan_list(user=manager)} == {world["own"].pk, world["elsewhere"].pk}
    versions = list(safety_plan_versions(user=manager, plan=plans["own"]))
    assert [(v.number, v.written_on) for v in versions] == [(2, dt.date(2022, 11, 4)), (1, dt.date(2022, 11, 1))]
    for version in versions:
        assert {getattr(version, name) for name in (*SECTIONS_V1, "reason")} == {""}
    check_ins = list(safety_check_in_list(user=manager))
    assert {c.status for c in check_ins} == {"concerns", "unsafe"}
    assert {c.note for c in check_ins} == {""}


def test_another_peer_sees_only_their_own_caseloads_plan(world, plans) -> None:
    other = world["other_peer"]
    assert [p.person_id for p in safety_plan_list(user=other)] == [world["elsewhere"].pk]
    assert list(safety_plan_versions(user=other, plan=plans["own"])) == []
    assert {c.person_id for c in safety_check_in_list(user=other, include_voided=True)} == {world["elsewhere"].pk}


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_roles_that_see_no_safety_plans_are_refused(world, plans, role) -> None:
    user = world[role]
    for read in (
        lambda: safety_plan_list(user=user),
        lambda: safety_plan_of(user=user, person=world["own"]),
        lambda: safety_plan_versions(user=user, plan=plans["own"]),
        lambda: safety_check_in_list(user=user),
        lambda: safety_plan_people(user=user),
        lambda: people_without_plan(user=user),
    ):
        with pytest.raises(PermissionDenied):
            read()


def test_the_people_without_a_plan_are_those_of_the_readers_caseload(world, write_plan) -> None:
    write_plan()
    # The peer's caseload: only the own person, who has a plan now.
    assert list(people_without_plan(user=world["peer"])) == []
    assert list(people_without_plan(user=world["other_peer"])) == [world["elsewhere"]]
    # A manager: everyone on a caseload without a plan (not the person on nobody's caseload).
    assert list(people_without_plan(user=world["manager"])) == [world["elsewhere"]]
    assert set(safety_plan_people(user=world["peer"])) == {world["own"]}
    assert set(safety_plan_people(user=world["manager"])) >= {world["own"], world["elsewhere"], world["nobody"]}

"""Safety plan services: writing the plan (first version, new versions), checking in, voiding a
check-in.

The policy's actions: the plan is written by the peer worker whose caseload the person is on; they
and managers check in; the author of a check-in or a manager voids it. Each write records exactly
one audit event of its own action, without the plan's text; a refused one writes nothing and
records nothing; a stale version is a conflict."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tests.factories import DENVER, AuditTrail, audit_store_down
from vip.audit.services import REDACTED
from vip.core.errors import ConflictError
from vip.people.models import Correction
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion
from vip.safety_plans.services import safety_check_in_record, safety_check_in_void, safety_plan_write

from .conftest import SECTIONS_V1

pytestmark = pytest.mark.django_db

NOV_1 = dt.date(2022, 11, 1)
NOV_5 = dt.date(2022, 11, 5)
MORNING = dt.datetime(2022, 11, 6, 10, 0, tzinfo=DENVER)
NOT_ON_CASELOAD = "This person is not on your caseload"


def _counts() -> tuple[int, int, int]:
    return SafetyPlan.objects.count(), SafetyPlanVersion.objects.count(), SafetyCheckIn.objects.count()


def _revise(world, first: SafetyPlanVersion, *, written_on=NOV_5, reason="New threats by text", **changes):
    return safety_plan_write(
        actor=world["peer"],
        person=world["own"],
        written_on=written_on,
        expected_version=first.plan.version,
        reason=reason,
        **{**SECTIONS_V1, **changes},
    )


# --- safety_plan_write: the first version ---------------------------------------------------------


def test_the_first_version_makes_the_plan_and_is_audited_once_without_its_text(world) -> None:
    trail = AuditTrail()
    version = safety_plan_write(
        actor=world["peer"], person=world["own"], written_on=NOV_1, expected_version=None, **SECTIONS_V1
    )
    plan = SafetyPlan.objects.get(person=world["own"])
    stored = SafetyPlanVersion.objects.get(pk=version.pk)
    assert (plan.current, plan.version, plan.created_by_id) == (1, 1, world["peer"].pk)
    assert (stored.plan_id, stored.number, stored.written_on, stored.by_id) == (plan.pk, 1, NOV_1, world["peer"].pk)
    assert {name: getattr(stored, name) for name in SECTIONS_V1} == SECTIONS_V1
    assert stored.reason == ""
    event = trail.single()
    assert (event.action, event.object_type, event.object_id) == (
        "safety_plan.write",
        "safety_plans.safetyplanversion",
        str(version.pk),
    )
    assert event.changes["number"] == 1 and event.changes["plan"] == plan.pk
    for name in (*SECTIONS_V1, "reason"):
        assert event.changes[name] == REDACTED
    assert "Westside" not in str(event.changes)


def test_the_sections_are_encrypted_at_rest(world, write_plan) -> None:
    version = write_plan()
    with connection.cursor() as cursor:
        cursor.execute("SELECT warning_signs, goals FROM safety_plans_safetyplanversion WHERE id = %s", [version.pk])
        raw = " ".join(cursor.fetchone())
    assert "Westside" not in raw and "GED" not in raw
    assert SafetyPlanVersion.objects.get(pk=version.pk).goals == "Finish the GED"


def test_a_plan_needs_at_least_one_section(world) -> None:
    trail = AuditTrail()
    with pytest.raises(ValidationError) as caught:
        safety_plan_write(
            actor=world["peer"], person=world["own"], written_on=NOV_1, expected_version=None, goals="   "
        )
    assert "warning_signs" in caught.value.message_dict
    assert "at least one section" in caught.value.message_dict["warning_signs"][0]
    assert _counts() == (0, 0, 0)
    assert trail.events() == []


def test_a_plan_written_tomorrow_is_refused_naming_the_field(world) -> None:
    tomorrow = timezone.now().astimezone(DENVER).date() + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        safety_plan_write(
            actor=world["peer"], person=world["own"], written_on=tomorrow, expected_version=None, goals="x"
        )
    assert "written_on" in caught.value.message_dict
    assert _counts() == (0, 0, 0)


def test_a_first_version_when_someone_wrote_one_meanwhile_is_a_conflict(world, write_plan) -> None:
    write_plan()
    trail = AuditTrail()
    with pytest.raises(ConflictError):
        safety_plan_write(
            actor=world["peer"], person=world["own"], written_on=NOV_1, expected_version=None, goals="mine"
        )
    assert _counts() == (1, 1, 0)
    assert trail.events() == []


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("peer", "elsewhere", NOT_ON_CASELOAD),
        ("peer", "nobody", NOT_ON_CASELOAD),
        ("manager", "own", "Your role may not write safety plans"),
        ("police", "own", "Your role may not write safety plans"),
        ("analyst", "own", "Your role may not write safety plans"),
        ("admin", "own", "Your role may not write safety plans"),
    ],
)
def test_who_may_not_write_the_plan_writes_nothing(world, role, person, message) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match=message):
        safety_plan_write(actor=world[role], person=world[person], written_on=NOV_1, expected_version=None, goals="x")
    assert _counts() == (0, 0, 0)
    assert trail.events() == []


# --- safety_plan_write: new versions ---------------------------------------------------------------


def test_a_revision_is_a_new_version_and_the_old_one_is_kept(world, write_plan) -> None:
    first = write_plan()
    trail = AuditTrail()
    second = _revise(world, first, warning_signs="Calls and texts from the Westside crew")
    plan = SafetyPlan.objects.get(pk=first.plan_id)
    assert (plan.current, plan.version) == (2, 2)
    assert (second.number, second.written_on, second.reason) == (2, NOV_5, "New threats by text")
    kept = SafetyPlanVersion.objects.get(pk=first.pk)
    assert (kept.number, kept.warning_signs) == (1, "Calls from the Westside crew")
    assert SafetyPlanVersion.objects.get(pk=second.pk).warning_signs == "Calls and texts from the Westside crew"
    event = trail.single()
    assert (event.action, event.object_id, event.changes["number"]) == ("safety_plan.write", str(second.pk), 2)
    assert event.changes["reason"] == REDACTED


def test_a_revision_needs_a_reason(world, write_plan) -> None:
    first = write_plan()
    with pytest.raises(ValidationError) as caught:
        _revise(world, first, goals="Get a job", reason="  ")
    assert "reason" in caught.value.message_dict
    assert _counts() == (1, 1, 0)
    assert SafetyPlan.objects.get().version == 1


def test_a_revision_that_changes_nothing_is_refused(world, write_plan) -> None:
    first = write_plan()
    with pytest.raises(ValidationError, match="Nothing was changed"):
        _revise(world, first)
    assert _counts() == (1, 1, 0)


def test_a_revision_cannot_be_dated_before_the_version_in_force(world, write_plan) -> None:
    first = write_plan()
    with pytest.raises(ValidationError) as caught:
        _revise(world, first, goals="Get a job", written_on=dt.date(2022, 10, 30))
    assert "written_on" in caught.value.message_dict


def test_two_workers_revising_the_same_version_the_second_gets_a_conflict(world, write_plan) -> None:
    first = write_plan()
    opened = first.plan.version
    _revise(world, first, goals="Get a job")
    trail = AuditTrail()
    with pytest.raises(ConflictError, match="changed by someone else"):
        safety_plan_write(
            actor=world["peer"],
            person=world["own"],
            written_on=NOV_5,
            expected_version=opened,
            **{**SECTIONS_V1, "goals": "Move out of town"},
            reason="Other idea",
        )
    plan = SafetyPlan.objects.get()
    assert (plan.current, plan.version) == (2, 2)
    assert SafetyPlanVersion.objects.get(number=2).goals == "Get a job"  # the first change stands
    assert trail.events() == []


def test_a_revision_of_a_plan_that_does_not_exist_is_refused(world) -> None:
    with pytest.raises(ValidationError) as caught:
        safety_plan_write(
            actor=world["peer"], person=world["own"], written_on=NOV_5, expected_version=1, goals="x", reason="y"
        )
    assert "expected_version" in caught.value.message_dict


# --- safety_check_in_record ------------------------------------------------------------------------


def test_a_check_in_is_recorded_on_the_version_in_force_and_audited_once(world, write_plan) -> None:
    first = write_plan()
    _revise(world, first, goals="Get a job")
    trail = AuditTrail()
    check_in = safety_check_in_record(
        actor=world["peer"],
        person=world["own"],
        checked_at=MORNING,
        status="concerns",
        plan_still_fits=False,
        note="Slept at a friend's: threats again",
    )
    stored = SafetyCheckIn.objects.get(pk=check_in.pk)
    assert (stored.plan_id, stored.plan_number, stored.checked_at, stored.status, stored.plan_still_fits) == (
        first.plan_id,
        2,
        MORNING,
        "concerns",
        False,
    )
    assert (stored.by_id, stored.note, stored.voided_at) == (
        world["peer"].pk,
        "Slept at a friend's: threats again",
        None,
    )
    event = trail.single()
    assert (event.action, event.object_id) == ("safety_plan.check_in", str(check_in.pk))
    assert event.changes["note"] == REDACTED and event.changes["status"] == "concerns"
    assert "threats" not in str(event.changes)


def test_a_manager_checks_in_on_anyone_with_a_plan(world, write_plan) -> None:
    write_plan(world["elsewhere"], actor=world["other_peer"])
    check_in = safety_check_in_record(
        actor=world["manager"], person=world["elsewhere"], checked_at=MORNING, status="safe"
    )
    assert SafetyCheckIn.objects.get(pk=check_in.pk).by_id == world["manager"].pk


def test_no_check_in_without_a_plan(world) -> None:
    trail = AuditTrail()
    with pytest.raises(ValidationError) as caught:
        safety_check_in_record(actor=world["peer"], person=world["own"], checked_at=MORNING, status="safe")
    assert "no safety plan yet" in caught.value.message_dict["person"][0]
    assert SafetyCheckIn.objects.count() == 0
    assert trail.events() == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"checked_at": dt.datetime(2022, 11, 6, 10, 0)}, "checked_at"),  # no time zone
        ({"checked_at": timezone.now() + dt.timedelta(hours=3)}, "checked_at"),  # in the future
        ({"checked_at": dt.datetime(2022, 10, 1, 10, 0, tzinfo=DENVER)}, "checked_at"),  # before the plan
        ({"status": "fine"}, "status"),
    ],
)
def test_a_check_in_with_bad_values_is_refused_naming_the_field(world, write_plan, values, field) -> None:
    write_plan()
    with pytest.raises(ValidationError) as caught:
        safety_check_in_record(
            actor=world["peer"], person=world["own"], **{"checked_at": MORNING, "status": "safe", **values}
        )
    assert field in caught.value.message_dict
    assert SafetyCheckIn.objects.count() == 0


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("police", "own"), ("analyst", "own")])
def test_who_may_not_check_in_records_nothing(world, write_plan, role, person) -> None:
    write_plan(world["elsewhere"], actor=world["other_peer"])
    write_plan()
    trail = AuditTrail()
    with pytest.raises(PermissionDenied):
        safety_check_in_record(actor=world[role], person=world[person], checked_at=MORNING, status="safe")
    assert SafetyCheckIn.objects.count() == 0
    assert trail.events() == []


# --- safety_check_in_void ---------------------------------------------------------------------------


def _check_in(world, actor_role: str = "peer") -> SafetyCheckIn:
    return safety_check_in_record(
        actor=world[actor_role], person=world["own"], checked_at=MORNING, status="safe", note="fine today"
    )


def test_the_author_voids_a_check_in_with_the_reason_and_the_original_is_kept(world, write_plan) -> None:
    write_plan()
    check_in = _check_in(world)
    trail = AuditTrail()
    voided = safety_check_in_void(
        actor=world["peer"], check_in=check_in, reason="Recorded for the wrong person", expected_version=1
    )
    stored = SafetyCheckIn.objects.get(pk=check_in.pk)
    assert stored.voided_at is not None and voided.version == 2
    assert (stored.status, stored.note) == ("safe", "fine today")  # kept as it was
    correction = Correction.objects.get(target_type="safety_plans.safetycheckin", target_id=str(check_in.pk))
    assert (correction.kind, correction.reason, correction.corrected_by_id, correction.person_id) == (
        "voided",
        "Recorded for the wrong person",
        world["peer"].pk,
        world["own"].pk,
    )
    assert [e.action for e in trail.events()] == ["safetycheckin.void"]


def test_a_manager_voids_any_check_in(world, write_plan) -> None:
    write_plan()
    check_in = _check_in(world)
    safety_check_in_void(actor=world["manager"], check_in=check_in, reason="Duplicate", expected_version=1)
    assert SafetyCheckIn.objects.get(pk=check_in.pk).voided_at is not None


@pytest.mark.parametrize("role", ["other_peer", "police", "analyst"])
def test_who_did_not_record_a_check_in_may_not_void_it(world, write_plan, role) -> None:
    write_plan()
    check_in = _check_in(world)
    with pytest.raises(PermissionDenied):
        safety_check_in_void(actor=world[role], check_in=check_in, reason="No", expected_version=1)
    assert SafetyCheckIn.objects.get(pk=check_in.pk).voided_at is None
    assert not Correction.objects.exists()


def test_voiding_a_stale_check_in_is_a_conflict_and_a_void_one_cannot_be_voided_again(world, write_plan) -> None:
    write_plan()
    check_in = _check_in(world)
    safety_check_in_void(actor=world["peer"], check_in=check_in, reason="Duplicate", expected_version=1)
    stale = SafetyCheckIn.objects.get(pk=check_in.pk)
    stale.voided_at = None  # as a page opened before the voiding holds it
    with pytest.raises(ConflictError):
        safety_check_in_void(actor=world["manager"], check_in=stale, reason="Again", expected_version=1)
    with pytest.raises(ValidationError, match="voided"):
        safety_check_in_void(
            actor=world["manager"], check_in=SafetyCheckIn.objects.get(pk=check_in.pk), reason="x", expected_version=2
        )
    assert Correction.objects.count() == 1


def test_a_void_needs_a_reason(world, write_plan) -> None:
    write_plan()
    check_in = _check_in(world)
    with pytest.raises(ValidationError) as caught:
        safety_check_in_void(actor=world["peer"], check_in=check_in, reason=" ", expected_version=1)
    assert "reason" in caught.value.message_dict


# --- the audit fails closed -----------------------------------------------------------------------------


def test_if_the_audit_cannot_be_written_nothing_is_written(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError):
        safety_plan_write(
            actor=world["peer"], person=world["own"], written_on=NOV_1, expected_version=None, **SECTIONS_V1
        )
    assert _counts() == (0, 0, 0)

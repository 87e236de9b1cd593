"""Recording groups, memberships, call-ins and attendance: who may, what is refused, the audit
event each write leaves, and edits of a version someone else changed meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import AuditTrail
from vip.core.errors import ConflictError
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.groups.services import (
    attendance_record,
    call_in_record,
    call_in_update,
    group_record,
    group_update,
    membership_add,
    membership_end,
    membership_sources,
    membership_void,
)
from vip.people.models import Correction
from vip.people.services import person_assign_peer

from .conftest import DENVER

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 5, 1)


# --- groups -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_staff_record_a_group_with_its_audit_event(world, role) -> None:
    trail = AuditTrail()
    group = group_record(actor=world[role], name="  Los   Tecolotes ", aliases="Owls ")
    assert (group.name, group.aliases, group.recorded_by) == ("Los Tecolotes", "Owls", world[role])
    event = trail.single()
    assert (event.action, event.object_type, event.object_id) == ("group.record", "groups.group", str(group.pk))


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_other_roles_may_not_record_groups(world, role) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied):
        group_record(actor=world[role], name="Los Tecolotes")
    assert not Group.objects.exists() and trail.events() == []


def test_a_group_needs_a_name_of_its_own(world) -> None:
    with pytest.raises(ValidationError) as empty:
        group_record(actor=world["police"], name="   ")
    assert "name" in empty.value.message_dict
    group_record(actor=world["police"], name="Los Tecolotes")
    with pytest.raises(ValidationError, match="already recorded"):
        group_record(actor=world["peer"], name="los tecolotes")


def test_only_who_reads_police_intelligence_writes_it(world) -> None:
    with pytest.raises(ValidationError) as refused:
        group_record(actor=world["peer"], name="Los Tecolotes", notes="they sell on Fourth")
    assert "notes" in refused.value.message_dict
    group = group_record(actor=world["police"], name="Los Tecolotes", notes="they sell on Fourth")
    with pytest.raises(ValidationError):
        group_update(actor=world["peer"], group=group, expected_version=group.version, notes="")
    # A peer worker changes what they see; the intelligence stays as it was.
    changed = group_update(actor=world["peer"], group=group, expected_version=group.version, aliases="Owls")
    assert (changed.aliases, Group.objects.get().notes) == ("Owls", "they sell on Fourth")


def test_a_group_changed_meanwhile_is_not_overwritten(world) -> None:
    group = group_record(actor=world["police"], name="Los Tecolotes")
    opened = group.version
    trail = AuditTrail()
    first = group_update(actor=world["manager"], group=group, expected_version=opened, active=False)
    assert first.version == opened + 1
    event = trail.single()
    assert (event.action, event.changes) == ("group.update", {"active": [True, False]})
    with pytest.raises(ConflictError):
        group_update(actor=world["peer"], group=group, expected_version=opened, name="Owls")
    assert Group.objects.get().name == "Los Tecolotes" and Group.objects.get().active is False
    with pytest.raises(ValidationError, match="cannot be changed"):
        group_update(actor=world["manager"], group=group, expected_version=first.version, recorded_by=None)


# --- memberships ------------------------------------------------------------------------------------


def test_each_role_records_memberships_from_its_own_sources(world) -> None:
    group = group_record(actor=None, name="Los Tecolotes")
    assert [s for s, _label in membership_sources(world["police"])] == ["police_intelligence"]
    assert [s for s, _label in membership_sources(world["peer"])] == ["self_reported", "peer_knowledge"]
    assert len(membership_sources(world["manager"])) == 3
    with pytest.raises(ValidationError) as police:
        membership_add(actor=world["police"], group=group, person=world["own"], member_from=DAY, source="self_reported")
    assert "source" in police.value.message_dict
    with pytest.raises(ValidationError) as peer:
        membership_add(
            actor=world["peer"], group=group, person=world["own"], member_from=DAY, source="police_intelligence"
        )
    assert "source" in peer.value.message_dict
    with pytest.raises(ValidationError, match="Unknown source"):
        membership_add(actor=world["manager"], group=group, person=world["own"], member_from=DAY, source="rumour")
    assert not GroupMembership.objects.exists()
    trail = AuditTrail()
    made = membership_add(
        actor=world["manager"], group=group, person=world["own"], member_from=DAY, source="police_intelligence"
    )
    event = trail.single()
    assert (event.action, event.object_id) == ("group.member_add", str(made.pk))
    assert event.changes["source"] == "police_intelligence" and made.recorded_by == world["manager"]


def test_a_peer_worker_adds_only_their_own_caseload(world) -> None:
    group = group_record(actor=None, name="Los Tecolotes")
    with pytest.raises(PermissionDenied, match="caseload"):
        membership_add(
            actor=world["peer"], group=group, person=world["elsewhere"], member_from=DAY, source="self_reported"
        )
    made = membership_add(
        actor=world["peer"], group=group, person=world["own"], member_from=DAY, source="self_reported"
    )
    assert made.current


def test_membership_days_are_checked(world) -> None:
    group = group_record(actor=None, name="Los Tecolotes")
    add = {"actor": world["manager"], "group": group, "person": world["own"], "source": "peer_knowledge"}
    tomorrow = timezone.now().astimezone(DENVER).date() + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as future:
        membership_add(**add, member_from=tomorrow)
    assert "member_from" in future.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        membership_add(**add, member_from=DAY, member_to=DAY - dt.timedelta(days=1))
    assert "member_to" in backwards.value.message_dict
    membership_add(**add, member_from=DAY)
    with pytest.raises(ValidationError, match="already recorded as a current member"):
        membership_add(**add, member_from=DAY + dt.timedelta(days=3))
    # A past membership from the same source is history, not a duplicate.
    membership_add(**add, member_from=dt.date(2019, 1, 1), member_to=dt.date(2019, 6, 1))
    assert GroupMembership.objects.count() == 2


def test_the_database_refuses_a_membership_ending_before_it_starts(world) -> None:
    group = group_record(actor=None, name="Los Tecolotes")
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(
            group=group, person=world["own"], member_from=DAY, member_to=DAY - dt.timedelta(days=1), source="x"
        )


def test_ending_a_membership(world, crews) -> None:
    told = crews["told"]
    trail = AuditTrail()
    ended = membership_end(actor=world["peer"], membership=told, member_to=DAY, expected_version=told.version)
    assert ended.member_to == DAY and not ended.current
    event = trail.single()
    assert (event.action, event.changes) == ("group.member_end", {"member_to": [None, DAY.isoformat()]})
    for day in (DAY, DAY + dt.timedelta(days=1)):
        with pytest.raises(ConflictError):
            membership_end(actor=world["peer"], membership=told, member_to=day, expected_version=told.version - 1)
    assert GroupMembership.objects.get(pk=told.pk).member_to == DAY
    with pytest.raises(ValidationError) as early:
        membership_end(
            actor=world["peer"], membership=ended, member_to=dt.date(2019, 1, 1), expected_version=ended.version
        )
    assert "member_to" in early.value.message_dict


def test_nobody_ends_a_membership_they_do_not_see(world, crews) -> None:
    """A peer worker's person, but a membership from police intelligence: refused; and the other
    way for police."""
    with pytest.raises(PermissionDenied):
        membership_end(actor=world["peer"], membership=crews["intel"], member_to=DAY, expected_version=1)
    with pytest.raises(PermissionDenied):
        membership_end(actor=world["police"], membership=crews["told"], member_to=DAY, expected_version=1)
    with pytest.raises(PermissionDenied):
        membership_end(actor=world["peer"], membership=crews["known"], member_to=DAY, expected_version=1)
    assert not GroupMembership.objects.filter(member_to__isnull=False).exists()


def test_voiding_a_membership_keeps_it_with_the_reason(world, crews) -> None:
    told = crews["told"]
    trail = AuditTrail()
    voided = membership_void(actor=world["peer"], membership=told, reason="he meant his cousin", expected_version=1)
    assert voided.voided_at is not None and GroupMembership.objects.filter(pk=told.pk).exists()
    assert [(e.action, e.outcome) for e in trail.events()] == [("groupmembership.void", "success")]
    kept = Correction.objects.get(target_type="groups.groupmembership", target_id=str(told.pk))
    assert (kept.kind, kept.reason, kept.person) == ("voided", "he meant his cousin", world["own"])
    with pytest.raises(ValidationError, match="voided"):
        membership_end(actor=world["peer"], membership=voided, member_to=DAY, expected_version=voided.version)
    with pytest.raises(ValidationError) as no_reason:
        membership_void(actor=world["manager"], membership=crews["intel"], reason=" ", expected_version=1)
    assert "reason" in no_reason.value.message_dict


def test_only_the_author_or_a_manager_voids(world, crews, make_user) -> None:
    with pytest.raises(PermissionDenied, match="recorded this entry"):
        membership_void(actor=make_user("police"), membership=crews["intel"], reason="not so", expected_version=1)
    with pytest.raises(PermissionDenied, match="recorded this entry"):
        membership_void(actor=world["other_peer"], membership=crews["told"], reason="not so", expected_version=1)
    # The author, once the person has moved to another peer worker's caseload: they no longer see it.
    person_assign_peer(actor=None, person=world["own"], peer=world["other_peer"])
    with pytest.raises(PermissionDenied):
        membership_void(actor=world["peer"], membership=crews["told"], reason="not so", expected_version=1)
    membership_void(actor=world["manager"], membership=crews["intel"], reason="wrong crew", expected_version=1)
    membership_void(actor=world["police"], membership=crews["intel2"], reason="wrong crew", expected_version=1)
    assert GroupMembership.objects.filter(voided_at__isnull=False).count() == 2


# --- call-ins ---------------------------------------------------------------------------------------------


def test_police_and_managers_record_call_ins(world) -> None:
    group = group_record(actor=None, name="Los Tecolotes")
    held = dt.datetime(2022, 11, 10, 18, tzinfo=DENVER)
    with pytest.raises(PermissionDenied):
        call_in_record(actor=world["peer"], held_at=held, place="Church", groups=[group])
    with pytest.raises(ValidationError) as naive:
        call_in_record(actor=world["police"], held_at=held.replace(tzinfo=None), place="Church", groups=[group])
    assert "held_at" in naive.value.message_dict
    with pytest.raises(ValidationError) as future:
        call_in_record(actor=world["police"], held_at=timezone.now() + dt.timedelta(days=3), place="C", groups=[group])
    assert "held_at" in future.value.message_dict
    with pytest.raises(ValidationError) as nobody:
        call_in_record(actor=world["police"], held_at=held, place="Church", groups=[])
    assert "groups" in nobody.value.message_dict
    with pytest.raises(ValidationError) as nowhere:
        call_in_record(actor=world["police"], held_at=held, place=" ", groups=[group])
    assert "place" in nowhere.value.message_dict
    assert not CallIn.objects.exists()
    trail = AuditTrail()
    call_in = call_in_record(actor=world["manager"], held_at=held, place="Church", groups=[group, group])
    assert list(call_in.groups.all()) == [group]
    assert trail.actions() == [("call_in.record", "success")]


def test_changing_a_call_in_and_its_groups_is_one_audited_version(world, crews) -> None:
    call_in, second = crews["call_in"], crews["second"]
    opened = call_in.version
    trail = AuditTrail()
    changed = call_in_update(
        actor=world["manager"],
        call_in=call_in,
        expected_version=opened,
        place="Westgate Library",
        groups=[crews["first"], second],
    )
    assert changed.version == opened + 1 and changed.place == "Westgate Library"
    assert set(changed.groups.all()) == {crews["first"], second}
    event = trail.single()
    assert event.action == "call_in.update"
    assert event.changes["groups"] == [[crews["first"].pk], sorted([crews["first"].pk, second.pk])]
    assert event.changes["place"] == ["Westgate Community Center", "Westgate Library"]
    with pytest.raises(ConflictError):
        call_in_update(actor=world["police"], call_in=call_in, expected_version=opened, groups=[second])
    assert set(CallIn.objects.get().groups.all()) == {crews["first"], second}
    with pytest.raises(PermissionDenied):
        call_in_update(actor=world["peer"], call_in=call_in, expected_version=changed.version, place="X")


def test_attendance_is_recorded_then_changed(world, crews) -> None:
    call_in = crews["call_in"]
    with pytest.raises(ValidationError):
        attendance_record(actor=world["police"], call_in=call_in, person=world["own"], invited=False, attended=False)
    trail = AuditTrail()
    first = attendance_record(actor=world["police"], call_in=call_in, person=world["own"], invited=True, attended=False)
    second = attendance_record(
        actor=world["peer"],
        call_in=call_in,
        person=world["own"],
        invited=True,
        attended=True,
        expected_version=first.version,
    )
    assert second.pk == first.pk and second.attended and CallInAttendance.objects.count() == 1
    assert trail.actions() == [("call_in.attendance", "success"), ("call_in.attendance", "success")]
    with pytest.raises(ConflictError):
        attendance_record(
            actor=world["manager"],
            call_in=call_in,
            person=world["own"],
            invited=True,
            attended=False,
            expected_version=first.version,
        )
    assert CallInAttendance.objects.get().attended is True


def test_a_peer_worker_records_attendance_of_their_caseload_only(world, crews) -> None:
    with pytest.raises(PermissionDenied, match="caseload"):
        attendance_record(
            actor=world["peer"], call_in=crews["call_in"], person=world["elsewhere"], invited=True, attended=True
        )
    for role in ("analyst", "admin", "integration"):
        with pytest.raises(PermissionDenied):
            attendance_record(
                actor=world[role], call_in=crews["call_in"], person=world["own"], invited=True, attended=True
            )
    assert not CallInAttendance.objects.exists()

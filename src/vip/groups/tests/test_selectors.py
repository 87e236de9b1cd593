"""Reading groups as each role: the wall through memberships (police intelligence never to peer
workers, what a participant told peer support never to police), counts and links of what the
reader sees, the network's planning column for managers only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from vip.groups.selectors import (
    attendance_counts,
    attendance_list,
    call_in_list,
    group_list,
    linked_groups,
    member_counts,
    membership_list,
    network,
    person_groups,
    sees_whole_network,
)
from vip.groups.services import attendance_record, membership_void
from vip.notifications.services import attempt_record

from .conftest import DENVER

pytestmark = pytest.mark.django_db


def _ids(records) -> set[int]:
    return {r.pk for r in records}


def test_each_role_sees_the_memberships_of_its_side_of_the_wall(world, crews) -> None:
    intel, told, intel2, known = crews["intel"], crews["told"], crews["intel2"], crews["known"]
    assert _ids(membership_list(user=world["peer"])) == {told.pk}
    assert _ids(membership_list(user=world["other_peer"])) == {known.pk}
    assert _ids(membership_list(user=world["police"])) == {intel.pk, intel2.pk}
    assert _ids(membership_list(user=world["manager"])) == {intel.pk, told.pk, intel2.pk, known.pk}
    for role in ("analyst", "admin", "integration"):
        with pytest.raises(PermissionDenied):
            membership_list(user=world[role])


def test_every_member_of_staff_sees_every_group_but_only_police_and_managers_its_intelligence(world, crews) -> None:
    for role in ("peer", "other_peer", "police", "manager"):
        assert _ids(group_list(user=world[role])) == {crews["first"].pk, crews["second"].pk}
    assert group_list(user=world["peer"]).get(pk=crews["first"].pk).notes == ""
    # Also on a group loaded with a membership.
    assert membership_list(user=world["peer"]).get().group.notes == ""
    assert "INTELNOTE" in group_list(user=world["police"]).get(pk=crews["first"].pk).notes
    assert "INTELNOTE" in group_list(user=world["manager"]).get(pk=crews["first"].pk).notes
    with pytest.raises(PermissionDenied):
        group_list(user=world["analyst"])


def test_counts_and_links_are_of_what_the_reader_sees(world, crews) -> None:
    groups = [crews["first"], crews["second"]]
    first, second = crews["first"].pk, crews["second"].pk
    assert member_counts(user=world["peer"], groups=groups) == {first: 1, second: 0}
    assert member_counts(user=world["other_peer"], groups=groups) == {first: 1, second: 0}
    assert member_counts(user=world["police"], groups=groups) == {first: 1, second: 1}
    # Two sources of one person's membership count them once.
    assert member_counts(user=world["manager"], groups=groups) == {first: 2, second: 1}
    # The two groups share a member by police intelligence only: a peer worker sees no link.
    assert linked_groups(user=world["peer"], group=crews["first"]) == []
    assert linked_groups(user=world["police"], group=crews["first"]) == [(crews["second"], 1)]
    assert linked_groups(user=world["manager"], group=crews["second"]) == [(crews["first"], 1)]


def test_ended_and_voided_memberships_are_not_current(world, crews) -> None:
    membership_void(actor=world["police"], membership=crews["intel2"], reason="wrong crew", expected_version=1)
    assert member_counts(user=world["police"], groups=[crews["second"]]) == {crews["second"].pk: 0}
    assert crews["intel2"].pk not in _ids(membership_list(user=world["police"]))
    assert crews["intel2"].pk in _ids(membership_list(user=world["police"], include_voided=True))
    assert linked_groups(user=world["police"], group=crews["first"]) == []


def test_the_network_as_each_role_sees_it(world, crews) -> None:
    first, second = crews["first"], crews["second"]
    own, elsewhere = world["own"], world["elsewhere"]
    police = network(user=world["police"])
    assert [(link.first, link.second, link.people) for link in police.links] == [(first, second, (own,))]
    assert police.clusters == [[first, second]] and police.whole is False
    assert all(node.not_notified is None for node in police.nodes)
    peer = network(user=world["peer"])
    assert peer.links == [] and peer.clusters == []
    assert {n.group.pk: n.members for n in peer.nodes} == {first.pk: [own], second.pk: []}
    assert peer.people() == [own.pk]
    manager = network(user=world["manager"])
    assert manager.whole and sees_whole_network(world["manager"]) and not sees_whole_network(world["police"])
    members = {n.group.pk: n.members for n in manager.nodes}
    assert sorted(p.pk for p in members[first.pk]) == sorted([own.pk, elsewhere.pk])
    waiting = {n.group.pk: {p.pk for p in n.not_notified or []} for n in manager.nodes}
    assert waiting[first.pk] == {own.pk, elsewhere.pk}
    attempt_record(
        actor=world["peer"],
        person=own,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support"},
    )
    waiting = {n.group.pk: {p.pk for p in n.not_notified or []} for n in network(user=world["manager"]).nodes}
    assert waiting == {first.pk: {elsewhere.pk}, second.pk: set()}


def test_attendance_and_its_counts_as_each_role_sees_them(world, crews) -> None:
    call_in = crews["call_in"]
    attendance_record(actor=world["police"], call_in=call_in, person=world["own"], invited=True, attended=True)
    attendance_record(actor=world["police"], call_in=call_in, person=world["elsewhere"], invited=True, attended=False)
    staff = ("peer", "other_peer", "police", "manager")
    counts = {role: attendance_counts(user=world[role], call_ins=[call_in])[call_in.pk] for role in staff}
    assert (counts["peer"].invited, counts["peer"].attended) == (1, 1)
    assert (counts["other_peer"].invited, counts["other_peer"].attended) == (1, 0)
    assert (counts["police"].invited, counts["police"].attended) == (2, 1)
    assert (counts["manager"].invited, counts["manager"].attended) == (2, 1)
    assert {a.person_id for a in attendance_list(user=world["peer"])} == {world["own"].pk}
    assert _ids(call_in_list(user=world["peer"])) == {call_in.pk}
    with pytest.raises(PermissionDenied):
        attendance_list(user=world["analyst"])


def test_a_persons_groups_as_each_role_sees_them(world, crews) -> None:
    own = world["own"]
    attendance_record(actor=world["police"], call_in=crews["call_in"], person=own, invited=True, attended=False)
    assert _ids(person_groups(user=world["peer"], person=own).memberships) == {crews["told"].pk}
    assert _ids(person_groups(user=world["police"], person=own).memberships) == {crews["intel"].pk, crews["intel2"].pk}
    assert len(person_groups(user=world["manager"], person=own).memberships) == 3
    assert not person_groups(user=world["other_peer"], person=own)
    assert not person_groups(user=world["analyst"], person=own)
    assert len(person_groups(user=world["peer"], person=own).attendance) == 1

"""Reading groups, memberships and call-ins, as the access policy lets the reader see them.

Every count, list and link here is made of the memberships the reader sees
(``membership_list``): a peer support worker's are the self-reported and peer-known memberships
of their caseload, a police officer's those from police intelligence, a manager's all of them.
So a peer never learns from a number what the police know about a group, and the police never
learn from one what a participant told peer support.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import rustworkx as rx
from django.db.models import Q, QuerySet

from vip.core.access import Rows, entry, role_of, rows, sees, selects, visible
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.notifications.models import NotificationAttempt
from vip.notifications.selectors import attempt_list
from vip.people.models import Person


@selects(Group)
def group_list(*, user: Any) -> QuerySet[Group]:
    """The groups the reader sees (every member of staff sees every group; police intelligence
    about a group only where the policy shows it)."""
    return visible(Group.objects.select_related("area"), user)


def group_get(*, user: Any, group_id: int) -> Group:
    """One group the reader sees (``Group.DoesNotExist`` otherwise)."""
    return group_list(user=user).get(pk=group_id)


@selects(GroupMembership)
def membership_list(*, user: Any, include_voided: bool = False) -> QuerySet[GroupMembership]:
    """The memberships the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(GroupMembership.objects.select_related("group", "person", "recorded_by"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


def current_memberships(*, user: Any) -> QuerySet[GroupMembership]:
    """The memberships the reader sees that have not ended (nor been voided)."""
    return membership_list(user=user).filter(member_to__isnull=True)


@selects(CallIn)
def call_in_list(*, user: Any) -> QuerySet[CallIn]:
    return visible(CallIn.objects.select_related("area").prefetch_related("groups"), user)


@selects(CallInAttendance)
def attendance_list(*, user: Any) -> QuerySet[CallInAttendance]:
    """Who was invited to and who attended call-ins, of the people the reader sees it for."""
    return visible(CallInAttendance.objects.select_related("call_in", "person"), user)


def member_counts(*, user: Any, groups: list[Group]) -> dict[int, int]:
    """The number of current members of each group, as the reader sees them (a person counted
    once, whatever the number of sources)."""
    counts: dict[int, set[int]] = defaultdict(set)
    found = current_memberships(user=user).filter(group__in=[g.pk for g in groups])
    for group_id, person_id in found.values_list("group_id", "person_id"):
        counts[group_id].add(person_id)
    return {g.pk: len(counts.get(g.pk, ())) for g in groups}


def linked_groups(*, user: Any, group: Group) -> list[tuple[Group, int]]:
    """The groups that share current members with ``group``, with the number of people in both,
    as the reader sees them (most shared first)."""
    current = current_memberships(user=user)
    people = list(current.filter(group=group).values_list("person_id", flat=True))
    shared: dict[int, set[int]] = defaultdict(set)
    for group_id, person_id in (
        current.filter(person__in=people).exclude(group=group).values_list("group_id", "person_id")
    ):
        shared[group_id].add(person_id)
    found = group_list(user=user).filter(pk__in=list(shared))
    return sorted(((g, len(shared[g.pk])) for g in found), key=lambda pair: (-pair[1], pair[0].name.lower()))


@dataclass(frozen=True)
class AttendanceCounts:
    invited: int
    attended: int


def attendance_counts(*, user: Any, call_ins: list[CallIn]) -> dict[int, AttendanceCounts]:
    """Invited and attended at each call-in, of the attendance the reader sees."""
    invited: dict[int, int] = defaultdict(int)
    attended: dict[int, int] = defaultdict(int)
    if sees(user, CallInAttendance):
        found = attendance_list(user=user).filter(call_in__in=[c.pk for c in call_ins])
        for call_in_id, was_invited, came in found.values_list("call_in_id", "invited", "attended"):
            invited[call_in_id] += int(was_invited)
            attended[call_in_id] += int(came)
    return {c.pk: AttendanceCounts(invited[c.pk], attended[c.pk]) for c in call_ins}


# --- the network -------------------------------------------------------------------------------


@dataclass
class Node:
    group: Group
    members: list[Person] = field(default_factory=list)
    # The current members without a delivered custom notification (the whole network's planners
    # only: None for the others).
    not_notified: list[Person] | None = None


@dataclass(frozen=True)
class Link:
    """Two groups with people in both (as the reader sees them)."""

    first: Group
    second: Group
    people: tuple[Person, ...]

    @property
    def shared(self) -> int:
        return len(self.people)


@dataclass
class Network:
    nodes: list[Node]
    links: list[Link]
    # Groups that are linked, directly or through others (each a list of groups, largest first);
    # groups with no link are left out.
    clusters: list[list[Group]]
    # Whether the reader sees the whole network (and so who has not been notified yet).
    whole: bool

    def people(self) -> list[int]:
        """The ids of every person the network shows (the audit of its read)."""
        return sorted({p.pk for node in self.nodes for p in node.members})

    def links_of(self, group: Group) -> list[tuple[Group, int]]:
        """The groups ``group`` is linked to, with the number of people in both."""
        found = [(link.second, link.shared) for link in self.links if link.first.pk == group.pk]
        found += [(link.first, link.shared) for link in self.links if link.second.pk == group.pk]
        return sorted(found, key=lambda pair: (-pair[1], pair[0].name.lower()))


def sees_whole_network(user: Any) -> bool:
    """Does the reader see every membership, whatever its source (the program's managers)?"""
    if not sees(user, GroupMembership):
        return False
    return rows(user, GroupMembership) == Rows.ALL and (role_of(user) or "") not in entry(GroupMembership).only


def network(*, user: Any, groups: QuerySet[Group] | None = None) -> Network:
    """The groups as nodes with their current members, and a link between two groups for the
    people in both: all as the reader sees them. For the whole network's planners, who among the
    members has not had a delivered custom notification yet."""
    chosen = list(groups if groups is not None else group_list(user=user).filter(active=True))
    by_id = {g.pk: g for g in chosen}
    members: dict[int, dict[int, Person]] = defaultdict(dict)
    for membership in current_memberships(user=user).filter(group__in=list(by_id)).order_by("person_id"):
        members[membership.group_id][membership.person_id] = membership.person
    graph: rx.PyGraph = rx.PyGraph()
    index = {g.pk: graph.add_node(g.pk) for g in chosen}
    people_groups: dict[int, list[int]] = defaultdict(list)
    for group_id, in_group in members.items():
        for person_id in in_group:
            people_groups[person_id].append(group_id)
    shared: dict[tuple[int, int], list[Person]] = defaultdict(list)
    for person_id, group_ids in people_groups.items():
        ordered = sorted(group_ids)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                shared[(first, second)].append(members[first][person_id])
    for (first, second), both in shared.items():
        graph.add_edge(index[first], index[second], len(both))
    links = sorted(
        (Link(by_id[a], by_id[b], tuple(both)) for (a, b), both in shared.items()),
        key=lambda link: (-link.shared, link.first.name.lower(), link.second.name.lower()),
    )
    clusters = [
        sorted((by_id[graph[i]] for i in component), key=lambda g: g.name.lower())
        for component in rx.connected_components(graph)
        if len(component) > 1
    ]
    clusters.sort(key=lambda c: (-len(c), c[0].name.lower()))
    whole = sees_whole_network(user)
    delivered: set[int] = set()
    if whole and sees(user, NotificationAttempt):
        everyone = [pid for in_group in members.values() for pid in in_group]
        delivered = set(
            attempt_list(user=user).filter(person__in=everyone, outcome="delivered").values_list("person_id", flat=True)
        )
    nodes = []
    for group in chosen:
        listed = sorted(members[group.pk].values(), key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.pk))
        waiting = [p for p in listed if p.pk not in delivered] if whole else None
        nodes.append(Node(group, listed, waiting))
    return Network(nodes=nodes, links=links, clusters=clusters, whole=whole)


# --- one person's groups and call-ins (the case file's card) -----------------------------------------


@dataclass
class PersonGroups:
    memberships: list[GroupMembership]
    attendance: list[CallInAttendance]

    def __bool__(self) -> bool:
        return bool(self.memberships or self.attendance)


def person_groups(*, user: Any, person: Person) -> PersonGroups:
    """The groups a person is or was in, and the call-ins they were invited to or attended, as the
    reader sees them (nothing for a role that sees none)."""
    memberships: list[GroupMembership] = []
    attendance: list[CallInAttendance] = []
    if sees(user, GroupMembership):
        memberships = list(
            membership_list(user=user).filter(person=person).order_by("member_to", "-member_from", "group__name")
        )
        # Current ones first (an empty end sorts first on SQLite, last on PostgreSQL).
        memberships.sort(key=lambda m: (m.member_to is not None, -(m.member_to or m.member_from).toordinal()))
    if sees(user, CallInAttendance):
        attendance = list(
            attendance_list(user=user)
            .filter(person=person)
            .filter(Q(invited=True) | Q(attended=True))
            .order_by("-call_in__held_at")
        )
    return PersonGroups(memberships, attendance)

"""Recording groups, who is in them and how the program knows, group call-ins and who came.

The source of a membership is where the wall runs: police record memberships from police
intelligence only, peer support workers only what a participant told them or what peer support
knows; a manager records any. A membership the actor does not see (by the access policy) is
refused as if it did not exist, whatever their action's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import Actor, audit_record, diff
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require, role_of, shows, visible_rows
from vip.core.access.policy import PEER, POLICE
from vip.core.errors import ConflictError
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.groups.choices import PEER_SOURCES, POLICE_SOURCES, MembershipSource
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.people.corrections import entry_void
from vip.people.models import Person

NAME_MAX = 200


# --- groups -----------------------------------------------------------------------------------------


def _name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError({"name": _("Give the group's name.")})
    if len(text) > NAME_MAX:
        raise ValidationError({"name": _("Keep the name under %(n)s characters.") % {"n": NAME_MAX}})
    return text


def _refuse_same_name(name: str, exclude: int | None = None) -> None:
    # Every member of staff sees every group: saying a name is taken tells nobody anything new.
    same = Group.objects.filter(name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError({"name": _("A group named %(name)s is already recorded.") % {"name": name}})


def _refuse_notes(actor: Actor, notes: str) -> None:
    """Police intelligence about a group is written by whoever may read it (police, managers)."""
    if notes and not shows(actor, Group, "notes"):
        raise ValidationError({"notes": _("Police intelligence about a group is recorded by police or managers.")})


@transaction.atomic
def group_record(*, actor: Actor, name: str, area: Area | None = None, aliases: str = "", notes: str = "") -> Group:
    """A new group or crew."""
    require(actor, "group.record")
    name = _name(name)
    _refuse_same_name(name)
    _refuse_notes(actor, notes)
    return audited_create(
        actor=actor,
        model=Group,
        action="group.record",
        values={
            "name": name,
            "aliases": (aliases or "").strip(),
            "area": area,
            "notes": notes or "",
            "recorded_by": actor,
        },
    )


GROUP_FIELDS = frozenset({"name", "aliases", "area", "notes", "active"})


@transaction.atomic
def group_update(*, actor: Actor, group: Group, expected_version: int, **values: Any) -> Group:
    """Change a group (its name, other names, area, whether it is active; police intelligence:
    who may read it). A stale ``expected_version`` is refused (``ConflictError``)."""
    require(actor, "group.record", group)
    unknown = set(values) - GROUP_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "name" in values:
        values["name"] = _name(str(values["name"]))
        _refuse_same_name(values["name"], exclude=group.pk)
    if "aliases" in values:
        values["aliases"] = str(values["aliases"] or "").strip()
    if "notes" in values:
        if not shows(actor, Group, "notes"):
            raise ValidationError({"notes": _("Police intelligence about a group is recorded by police or managers.")})
        values["notes"] = values["notes"] or ""
    if "active" in values:
        values["active"] = bool(values["active"])
    # The record as stored (not as a reader's page got it, with what it withholds blanked).
    stored = Group.objects.get(pk=group.pk)
    if stored.version != expected_version:
        raise ConflictError(stored)
    return audited_update(
        actor=actor, instance=stored, action="group.update", values=values, expected_version=expected_version
    )


# --- memberships ------------------------------------------------------------------------------------


def _sources_for(actor: Actor) -> frozenset[str]:
    """The sources a role records memberships from (the operator: any)."""
    role = role_of(actor)
    if role == POLICE:
        return POLICE_SOURCES
    if role == PEER:
        return PEER_SOURCES
    return frozenset(MembershipSource.values)


def membership_sources(actor: Actor) -> list[tuple[str, str]]:
    """The source choices a form offers this actor."""
    allowed = _sources_for(actor)
    return [(value, str(label)) for value, label in MembershipSource.choices if value in allowed]


def _refuse_source(actor: Actor, source: str) -> None:
    if source not in MembershipSource.values:
        raise ValidationError({"source": _("Unknown source %(source)s.") % {"source": repr(source)}})
    if source not in _sources_for(actor):
        if role_of(actor) == POLICE:
            message = _("Police record group memberships from police intelligence only.")
        else:
            message = _(
                "Peer support records what a participant said or what peer support knows, never police intelligence."
            )
        raise ValidationError({"source": message})


def _refuse_unseen(actor: Actor, record: Model) -> None:
    """Refuse a record the actor does not see (a peer and a membership from police intelligence)."""
    if actor is None:
        return
    try:
        seen = visible_rows(type(record)._base_manager.filter(pk=record.pk), actor).exists()
    except PermissionDenied:
        seen = False
    if not seen:
        raise PermissionDenied(_("Your role does not see this record."))


def _dates(member_from: dt.date, member_to: dt.date | None) -> None:
    refuse_future(member_from, field="member_from", label=_("Member from"))
    refuse_future(member_to, field="member_to", label=_("Member until"))
    if member_to is not None and member_to < member_from:
        raise ValidationError({"member_to": _("A membership cannot end before it starts.")})


@transaction.atomic
def membership_add(
    *,
    actor: Actor,
    group: Group,
    person: Person,
    member_from: dt.date,
    source: str,
    member_to: dt.date | None = None,
) -> GroupMembership:
    """Record that ``person`` is (or was) in ``group`` from ``member_from``, and how the program
    knows it."""
    require(actor, "group.member_add", person)
    _refuse_source(actor, source)
    _dates(member_from, member_to)
    if member_to is None:
        # The same source twice for one current membership: the actor sees both (same source, same person).
        again = GroupMembership.objects.filter(
            group=group, person=person, source=source, member_to__isnull=True, voided_at__isnull=True
        )
        if again.exists():
            raise ValidationError(
                {
                    "person": _("%(person)s is already recorded as a current member of %(group)s from this source.")
                    % {"person": person, "group": group.name}
                }
            )
    return audited_create(
        actor=actor,
        model=GroupMembership,
        action="group.member_add",
        values={
            "group": group,
            "person": person,
            "member_from": member_from,
            "member_to": member_to,
            "source": source,
            "recorded_by": actor,
        },
    )


def _refuse_voided(membership: GroupMembership) -> None:
    if membership.voided_at is not None:
        raise ValidationError(_("This membership was voided: it can no longer be changed."))


@transaction.atomic
def membership_end(
    *, actor: Actor, membership: GroupMembership, member_to: dt.date, expected_version: int
) -> GroupMembership:
    """Record the day a membership ended (or correct that day)."""
    require(actor, "group.member_end", membership)
    _refuse_unseen(actor, membership)
    _refuse_voided(membership)
    _dates(membership.member_from, member_to)
    stored = GroupMembership.objects.get(pk=membership.pk)
    if stored.version != expected_version:
        raise ConflictError(stored)  # even when the day asked for is the one someone else saved
    return audited_update(
        actor=actor,
        instance=stored,
        action="group.member_end",
        values={"member_to": member_to},
        expected_version=expected_version,
    )


@transaction.atomic
def membership_void(
    *, actor: Actor, membership: GroupMembership, reason: str, expected_version: int
) -> GroupMembership:
    """Void a membership recorded by mistake, with the reason: kept as history, out of every count."""
    require(actor, "group.member_correct", membership)
    _refuse_unseen(actor, membership)
    return entry_void(
        actor=actor,
        record=membership,
        action="group.member_correct",
        reason=reason,
        expected_version=expected_version,
    )


# --- call-ins -----------------------------------------------------------------------------------------


def _held_at(held_at: dt.datetime) -> None:
    if not isinstance(held_at, dt.datetime) or timezone.is_naive(held_at):
        # A time without its zone would be stored as if it were UTC: hours off, maybe another day.
        raise ValidationError({"held_at": _("The time of a call-in must carry its time zone.")})
    refuse_future(held_at, field="held_at", label=_("Held at"))


def _place(place: str) -> str:
    text = " ".join((place or "").split())
    if not text:
        raise ValidationError({"place": _("Say where the call-in was held.")})
    return text


def _groups(groups: Sequence[Group]) -> list[Group]:
    chosen = list(dict.fromkeys(groups))
    if not chosen:
        raise ValidationError({"groups": _("Choose at least one group whose members were invited.")})
    return chosen


@transaction.atomic
def call_in_record(
    *,
    actor: Actor,
    held_at: dt.datetime,
    place: str,
    groups: Sequence[Group],
    area: Area | None = None,
    notes: str = "",
) -> CallIn:
    """A group call-in that was held: when, where, and the groups whose members were invited."""
    require(actor, "call_in.record")
    _held_at(held_at)
    chosen = _groups(groups)
    call_in = audited_create(
        actor=actor,
        model=CallIn,
        action="call_in.record",
        values={"held_at": held_at, "place": _place(place), "area": area, "notes": notes or "", "recorded_by": actor},
    )
    call_in.groups.set(chosen)
    return call_in


CALL_IN_FIELDS = frozenset({"held_at", "place", "area", "notes", "groups"})


@transaction.atomic
def call_in_update(*, actor: Actor, call_in: CallIn, expected_version: int, **values: Any) -> CallIn:
    """Change a call-in (when, where, area, notes, the groups invited); a stale version is refused."""
    require(actor, "call_in.record", call_in)
    unknown = set(values) - CALL_IN_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "held_at" in values:
        _held_at(values["held_at"])
    if "place" in values:
        values["place"] = _place(str(values["place"]))
    if "notes" in values:
        values["notes"] = values["notes"] or ""
    groups = _groups(values.pop("groups")) if "groups" in values else None
    stored = CallIn.objects.get(pk=call_in.pk)
    if stored.version != expected_version:
        raise ConflictError(stored)
    before = sorted(stored.groups.values_list("pk", flat=True))
    after = sorted(g.pk for g in groups) if groups is not None else before
    if groups is None or after == before:
        return audited_update(
            actor=actor, instance=stored, action="call_in.update", values=values, expected_version=expected_version
        )
    # The groups invited changed (a relation audited_update cannot diff): the same steps, with the
    # groups named in the one audit event.
    changes = diff(stored, values)
    changes["groups"] = [before, after]
    for name, value in values.items():
        setattr(stored, name, value)
    stored.full_clean()
    moved = CallIn.objects.filter(pk=stored.pk, version=expected_version).update(
        **values, updated_at=timezone.now(), version=F("version") + 1
    )
    if moved != 1:
        raise ConflictError(stored)
    stored.groups.set(groups)
    stored.refresh_from_db()
    audit_record(actor=actor, action="call_in.update", target=stored, changes=changes)
    return stored


@transaction.atomic
def attendance_record(
    *,
    actor: Actor,
    call_in: CallIn,
    person: Person,
    invited: bool,
    attended: bool,
    expected_version: int | None = None,
) -> CallInAttendance:
    """Whether ``person`` was invited to ``call_in`` and whether they came: recorded the first time,
    changed after (with ``expected_version``, a change made meanwhile by someone else is refused)."""
    require(actor, "call_in.attendance", person)
    kept = CallInAttendance.objects.select_for_update().filter(call_in=call_in, person=person).first()
    if kept is None:
        if not invited and not attended:
            raise ValidationError({"invited": _("Record that the person was invited, or that they attended.")})
        return audited_create(
            actor=actor,
            model=CallInAttendance,
            action="call_in.attendance",
            values={
                "call_in": call_in,
                "person": person,
                "invited": bool(invited),
                "attended": bool(attended),
                "recorded_by": actor,
            },
        )
    if expected_version is not None and kept.version != expected_version:
        raise ConflictError(kept)
    return audited_update(
        actor=actor,
        instance=kept,
        action="call_in.attendance",
        values={"invited": bool(invited), "attended": bool(attended)},
        expected_version=kept.version if expected_version is None else expected_version,
    )

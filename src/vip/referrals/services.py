"""Referrals into the program: intake, assignment, acceptance, closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require, require_some
from vip.core.errors import AlreadyReceivedError
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.core.roles import Role
from vip.people.corrections import correctable, entry_correct, entry_void
from vip.people.models import Person
from vip.people.services import new_key, person_assign_peer, person_upsert_by_key
from vip.referrals.choices import ReferralCloseReason, ReferralStatus
from vip.referrals.models import Referral


@transaction.atomic
def referral_create(
    *,
    actor: Actor,
    person: Person,
    received_on: dt.date,
    source: str,
    referred_by: str = "",
    area: Area | None = None,
    reason: str = "",
    key: str | None = None,
) -> Referral:
    require(actor, "referral.create", person)
    refuse_future(received_on, field="received_on", label=_("Received on"))
    return audited_create(
        actor=actor,
        model=Referral,
        action="referral.create",
        values={
            "key": key or new_key("R"),
            "person": person,
            "received_on": received_on,
            "source": source,
            "referred_by": referred_by,
            "area": area,
            "reason": reason,
            "recorded_by": actor,
        },
    )


@transaction.atomic
def referral_assign(*, actor: Actor, referral: Referral, assignee: User) -> Referral:
    require(actor, "referral.assign", referral)
    if referral.status == ReferralStatus.CLOSED:
        raise ValidationError(_("A closed referral cannot be assigned."))
    if assignee.role not in {Role.PEER, Role.POLICE, Role.MANAGER}:
        raise ValidationError(_("Referrals are assigned to program staff."))
    return audited_update(
        actor=actor,
        instance=referral,
        action="referral.assign",
        values={"assigned_to": assignee, "status": ReferralStatus.ASSIGNED},
    )


@transaction.atomic
def referral_assign_many(*, actor: Actor, referrals: list[Referral], assignee: User) -> list[Referral]:
    """Assign several referrals to one person at once (the queue's bulk assign): each through
    ``referral_assign``, so each is checked and audited on its own; one transaction, so a refusal
    or a referral closed meanwhile leaves none of them changed."""
    require_some(actor, "referral.assign")
    return [referral_assign(actor=actor, referral=r, assignee=assignee) for r in referrals]


@transaction.atomic
def referral_accept(*, actor: Actor, referral: Referral) -> Referral:
    require(actor, "referral.accept", referral)
    if referral.status != ReferralStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned referral can be accepted."))
    if actor is not None and referral.assigned_to_id != actor.pk and actor.role != Role.MANAGER:
        raise ValidationError(_("This referral is assigned to someone else."))
    person = referral.person
    if actor is not None and actor.role == Role.PEER and person.assigned_peer_id not in {None, actor.pk}:
        # Taking a person off another peer worker's caseload is a manager's decision (person.assign_peer).
        raise ValidationError(
            _("This person is on another peer support worker's caseload: a manager reassigns them first.")
        )
    if actor is not None and actor.role == Role.PEER and person.assigned_peer_id is None:
        # A peer support worker who accepts a referral takes the person onto their caseload.
        audited_update(actor=actor, instance=person, action="person.assign_peer", values={"assigned_peer": actor})
    return audited_update(
        actor=actor, instance=referral, action="referral.accept", values={"status": ReferralStatus.ACCEPTED}
    )


@transaction.atomic
def referral_close(*, actor: Actor, referral: Referral, closed_on: dt.date, reason: str) -> Referral:
    require(actor, "referral.close", referral)
    if (
        actor is not None
        and actor.role == Role.PEER
        and actor.pk not in {referral.assigned_to_id, referral.person.assigned_peer_id}
    ):
        # As on the web: a peer worker sees (and closes) only their caseload's referrals and those
        # assigned to them.
        raise PermissionDenied(_("This person is not on your caseload."))
    if referral.status == ReferralStatus.CLOSED:
        raise ValidationError(_("This referral is already closed."))
    if reason not in ReferralCloseReason.values:
        raise ValidationError(_("Unknown close reason %(reason)s.") % {"reason": repr(reason)})
    refuse_future(closed_on, field="closed_on", label=_("Closed on"))
    if closed_on < referral.received_on:
        raise ValidationError(_("A referral cannot close before it was received."))
    return audited_update(
        actor=actor,
        instance=referral,
        action="referral.close",
        values={"status": ReferralStatus.CLOSED, "closed_on": closed_on, "close_reason": reason},
    )


@transaction.atomic
def referral_receive(
    *,
    actor: Actor,
    key: str,
    person: dict[str, Any],
    received_on: dt.date,
    source: str,
    referred_by: str = "",
    area: Area | None = None,
    reason: str = "",
) -> Referral:
    """A referral sent by a partner system (e.g. a hospital), with the person it is about: the
    person is matched by their key in that system, or added (never merged: see matching). One
    transaction: a refused person or referral leaves nothing behind."""
    # A peer worker sends referrals only for their own caseload: referral_create checks the person
    # matched or added (an added person is on nobody's caseload), exactly as on the web.
    require_some(actor, "referral.create")
    if Referral.objects.filter(key=key).exists():
        raise AlreadyReceivedError(_("A referral with this key was already received."))
    found = person_upsert_by_key(actor=actor, **person)
    return referral_create(
        actor=actor,
        person=found,
        key=key,
        received_on=received_on,
        source=source,
        referred_by=referred_by,
        area=area,
        reason=reason,
    )


REFERRAL_FIELDS = {"received_on", "source", "referred_by", "reason", "area"}


@transaction.atomic
def referral_correct(
    *, actor: Actor, referral: Referral, reason_for_change: str, expected_version: int, **values: object
) -> Referral:
    """Correct a referral (day received, source, referrer, reason, area), with the reason for the
    change; the original kept."""
    day = values.get("received_on")
    if isinstance(day, dt.date):
        refuse_future(day, field="received_on", label=_("Received on"))
        if referral.closed_on is not None and day > referral.closed_on:
            raise ValidationError(_("A referral cannot close before it was received."))
    return entry_correct(
        actor=actor,
        record=referral,
        action="referral.correct",
        allowed=correctable(actor, Referral, REFERRAL_FIELDS),
        values=dict(values),
        reason=reason_for_change,
        expected_version=expected_version,
    )


@transaction.atomic
def referral_void(*, actor: Actor, referral: Referral, reason: str, expected_version: int) -> Referral:
    """Void a referral recorded in error (a duplicate, the wrong person): kept, no longer counted."""
    return entry_void(
        actor=actor, record=referral, action="referral.correct", reason=reason, expected_version=expected_version
    )


@transaction.atomic
def person_transfer(*, actor: Actor, person: Person, peer: User | None) -> Person:
    """Put a person on another peer support worker's caseload (or on none), as a manager decides:
    the person, and the person's referrals assigned to the peer who had them, move together, so
    the new peer sees the person and the old one no longer does. Each change is audited."""
    previous = person.assigned_peer_id
    moved = person_assign_peer(actor=actor, person=person, peer=peer)
    if peer is not None and previous not in {None, peer.pk}:
        for referral in Referral.objects.filter(person=person, assigned_to_id=previous):
            audited_update(
                actor=actor,
                instance=referral,
                action="referral.transfer",
                values={"assigned_to": peer},
            )
    return moved

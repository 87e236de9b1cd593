"""Referrals into the program: intake, assignment, acceptance, closing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role, require_role
from vip.audit.services import Actor
from vip.core.models import Area
from vip.core.services_base import audited_create, audited_update
from vip.people.models import Person
from vip.people.services import new_key
from vip.referrals.choices import ReferralCloseReason, ReferralStatus
from vip.referrals.models import Referral

INTAKE_ROLES = {Role.PEER, Role.POLICE, Role.MANAGER, Role.INTEGRATION}


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
    require_role(actor, INTAKE_ROLES, _("record referrals"))
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
        },
    )


@transaction.atomic
def referral_assign(*, actor: Actor, referral: Referral, assignee: User) -> Referral:
    require_role(actor, {Role.MANAGER}, _("assign referrals"))
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
def referral_accept(*, actor: Actor, referral: Referral) -> Referral:
    require_role(actor, {Role.PEER, Role.POLICE, Role.MANAGER}, _("accept referrals"))
    if referral.status != ReferralStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned referral can be accepted."))
    if actor is not None and referral.assigned_to_id != actor.pk and actor.role != Role.MANAGER:
        raise ValidationError(_("This referral is assigned to someone else."))
    person = referral.person
    if actor is not None and actor.role == Role.PEER and person.assigned_peer_id is None:
        # A peer support worker who accepts a referral takes the person onto their caseload.
        audited_update(actor=actor, instance=person, action="person.assign_peer", values={"assigned_peer": actor})
    return audited_update(
        actor=actor, instance=referral, action="referral.accept", values={"status": ReferralStatus.ACCEPTED}
    )


@transaction.atomic
def referral_close(*, actor: Actor, referral: Referral, closed_on: dt.date, reason: str) -> Referral:
    require_role(actor, {Role.PEER, Role.POLICE, Role.MANAGER}, _("close referrals"))
    if reason not in ReferralCloseReason.values:
        raise ValidationError(_("Unknown close reason %(reason)s.") % {"reason": repr(reason)})
    if closed_on < referral.received_on:
        raise ValidationError(_("A referral cannot close before it was received."))
    return audited_update(
        actor=actor,
        instance=referral,
        action="referral.close",
        values={"status": ReferralStatus.CLOSED, "closed_on": closed_on, "close_reason": reason},
    )

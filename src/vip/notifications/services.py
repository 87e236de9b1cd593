"""Custom notifications: planning, the legal assessment (police only), attempts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require
from vip.core.config import program_config
from vip.core.dates import local_date
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.notifications.choices import AttemptOutcome, NotificationStatus, TeamRole
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.people.corrections import correctable, entry_correct, entry_void
from vip.people.models import Person
from vip.people.services import new_key
from vip.referrals.models import Referral


@transaction.atomic
def notification_plan(
    *,
    actor: Actor,
    person: Person,
    planned_on: dt.date,
    team: list[User] | None = None,
    referral: Referral | None = None,
    area: Area | None = None,
) -> CustomNotification:
    require(actor, "notification.plan", person)
    notification = audited_create(
        actor=actor,
        model=CustomNotification,
        action="notification.plan",
        values={"person": person, "planned_on": planned_on, "referral": referral, "area": area or person.area},
    )
    if team:
        notification.team.set(team)
    return notification


@transaction.atomic
def legal_assessment_write(
    *, actor: Actor, notification: CustomNotification, text: str, expected_version: int
) -> CustomNotification:
    """The custom legal assessment: written by the police side only."""
    require(actor, "notification.legal_assessment", notification)
    return audited_update(
        actor=actor,
        instance=notification,
        action="notification.legal_assessment",
        values={"legal_assessment": text, "legal_assessment_by": actor},
        expected_version=expected_version,
    )


@transaction.atomic
def attempt_record(
    *,
    actor: Actor,
    person: Person,
    attempted_at: dt.datetime,
    outcome: str,
    team: set[str],
    notification: CustomNotification | None = None,
    referral: Referral | None = None,
    area: Area | None = None,
    legal_risk_explained: bool | None = None,
    offer_of_help: bool | None = None,
    letter_given: bool | None = None,
    notes: str = "",
    key: str | None = None,
) -> NotificationAttempt:
    """Record one attempt to deliver a custom notification (from the field)."""
    require(actor, "notification.attempt", person)
    if attempted_at.tzinfo is None:
        raise ValidationError("attempted_at must carry its time zone")
    refuse_future(attempted_at, field="attempted_at", label=_("When"))
    unknown = team - set(TeamRole.values)
    if unknown:
        raise ValidationError(_("Unknown team roles: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    if outcome not in AttemptOutcome.values:
        raise ValidationError(_("Unknown outcome %(outcome)s") % {"outcome": repr(outcome)})
    if notification is not None and notification.person_id != person.pk:
        raise ValidationError(_("The attempt and the planned notification are for different people."))
    if referral is not None and referral.person_id != person.pk:
        raise ValidationError(_("The attempt and the referral are for different people."))
    config = program_config()
    attempt = audited_create(
        actor=actor,
        model=NotificationAttempt,
        action="notification.attempt",
        values={
            "key": key or new_key("N"),
            "person": person,
            "notification": notification,
            "referral": referral or (notification.referral if notification else None),
            "attempted_on": local_date(attempted_at, config.zone),
            "attempted_at": attempted_at,
            "outcome": outcome,
            "team_peer_support": TeamRole.PEER_SUPPORT in team,
            "team_police": TeamRole.POLICE in team,
            "team_community_leader": TeamRole.COMMUNITY_LEADER in team,
            "team_other": TeamRole.OTHER in team,
            "area": area,
            "legal_risk_explained": legal_risk_explained,
            "offer_of_help": offer_of_help,
            "letter_given": letter_given,
            "notes": notes,
            "recorded_by": actor,
        },
    )
    if notification is not None and outcome == AttemptOutcome.DELIVERED:
        audited_update(
            actor=actor,
            instance=notification,
            action="notification.delivered",
            values={"status": NotificationStatus.DELIVERED},
        )
    return attempt


# --- corrections: whoever recorded the attempt, or a manager; the original kept --------------------

ATTEMPT_FIELDS = {
    "attempted_at",
    "attempted_on",
    "outcome",
    "notes",
    "legal_risk_explained",
    "offer_of_help",
    "letter_given",
}


@transaction.atomic
def attempt_correct(
    *, actor: Actor, attempt: NotificationAttempt, reason: str, expected_version: int, **values: object
) -> NotificationAttempt:
    """Correct an attempt (when, outcome, message parts, notes), with the reason; the original kept.
    A corrected moment moves the attempt's day with it (the delivery date the report counts)."""
    values = dict(values)
    when = values.get("attempted_at")
    if when is not None:
        if not isinstance(when, dt.datetime) or when.tzinfo is None:
            raise ValidationError("attempted_at must carry its time zone")
        refuse_future(when, field="attempted_at", label=_("When"))
        values["attempted_on"] = local_date(when, program_config().zone)
    if "outcome" in values and values["outcome"] not in AttemptOutcome.values:
        raise ValidationError(_("Unknown outcome %(outcome)s") % {"outcome": repr(values["outcome"])})
    return entry_correct(
        actor=actor,
        record=attempt,
        action="notification.attempt_correct",
        allowed=correctable(actor, NotificationAttempt, ATTEMPT_FIELDS),
        values=values,
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def attempt_void(
    *, actor: Actor, attempt: NotificationAttempt, reason: str, expected_version: int
) -> NotificationAttempt:
    """Void an attempt recorded in error: kept as history, no longer counted."""
    return entry_void(
        actor=actor,
        record=attempt,
        action="notification.attempt_correct",
        reason=reason,
        expected_version=expected_version,
    )

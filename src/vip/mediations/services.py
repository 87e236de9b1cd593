"""Recording conflict mediations: the mediation with its parties, changes on the version opened,
follow-ups, parties added or taken off, and voiding with a reason (the original kept).

Every function checks the actor's right first (``vip.core.access.policy``: ``mediation.*``), writes
in one transaction with its one audit event (``audited_create`` / ``audited_update``), and keeps a
``MediationChange`` row for the history the mediation's page shows. The peer app calls these too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require, shows
from vip.core.dates import out_of_range
from vip.core.errors import AlreadyReceivedError, ConflictError
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.core.text import search_name
from vip.mediations.choices import ChangeKind, ConflictTopic, MediationOutcome, PartyRole
from vip.mediations.models import (
    REASON_MAX,
    SUMMARY_MAX,
    Mediation,
    MediationChange,
    MediationFollowUp,
    MediationParty,
    OutsideParty,
    new_mediation_key,
)
from vip.people.models import Person
from vip.people.selectors import person_list

# The most outside parties one mediation records at once (the form offers three).
OUTSIDE_MAX = 20
NAME_MAX = OutsideParty._meta.get_field("name").max_length or 200
PHONE_MAX = OutsideParty._meta.get_field("phone").max_length or 50


@dataclass(frozen=True)
class OutsidePartyInput:
    """Someone not enrolled who took part: what they are called (a street name is fine), a phone."""

    name: str
    phone: str = ""
    role: str = PartyRole.PARTY


# --- checks --------------------------------------------------------------------------------------


def _day(value: dt.date, *, field: str, label: str) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: _("%(field)s must be a day.") % {"field": label}})
    if out_of_range(value):
        raise ValidationError({field: _("Enter a date between 1900 and 2199.")})
    refuse_future(value, field=field, label=label)


def _outcome(value: str, *, field: str = "outcome") -> str:
    if value not in MediationOutcome.values:
        raise ValidationError(
            {field: _("Unknown outcome %(value)s: choose resolved, ongoing or escalated.") % {"value": value}}
        )
    return value


def _topics(values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ValidationError({"topics": _("Topics are a list of codes.")})
    unknown = sorted(set(values) - set(ConflictTopic.values))
    if unknown:
        raise ValidationError({"topics": _("Unknown topics: %(codes)s") % {"codes": ", ".join(unknown)}})
    if not values:
        raise ValidationError({"topics": _("Choose at least one topic (what the conflict was about).")})
    # In the order of the list of topics, each once.
    return [code for code in ConflictTopic.values if code in set(values)]


def _summary(text: str, *, field: str = "summary") -> str:
    if not isinstance(text, str):
        raise ValidationError({field: _("Enter text.")})
    if len(text) > SUMMARY_MAX:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": SUMMARY_MAX}})
    return text.strip()


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX}})
    return text


def _role(value: str) -> str:
    if value not in PartyRole.values:
        raise ValidationError({"role": _("Unknown role %(value)s.") % {"value": value}})
    return value


def _outside(item: OutsidePartyInput) -> OutsidePartyInput:
    name, phone = (item.name or "").strip(), (item.phone or "").strip()
    if not name:
        raise ValidationError({"outside": _("An outside party needs a name (a street name is fine).")})
    if len(name) > NAME_MAX:
        raise ValidationError({"outside": _("Keep a name under %(n)s characters.") % {"n": NAME_MAX}})
    if len(phone) > PHONE_MAX:
        raise ValidationError({"outside": _("Keep a phone number under %(n)s characters.") % {"n": PHONE_MAX}})
    return OutsidePartyInput(name=name, phone=phone, role=_role(item.role))


def _seen_people(actor: User | None, people: Sequence[Person]) -> list[Person]:
    """The people, each once, if the actor sees every one of them (a peer worker: their caseload)."""
    unique = list({p.pk: p for p in people}.values())
    if not unique or actor is None:
        return unique
    try:
        seen = set(person_list(user=actor).filter(pk__in=[p.pk for p in unique]).values_list("pk", flat=True))
    except PermissionDenied:
        seen = set()
    if len(seen) != len(unique):
        raise PermissionDenied(
            _("A participant of a mediation must be someone you see: add others as outside parties.")
        )
    return unique


def _staff(actor: User | None) -> User:
    """Who records: a staff account (a mediation keeps who recorded it; the operator is not one)."""
    if actor is None:
        raise ValidationError(_("Mediations are recorded by a staff account."))
    return actor


def _refuse_voided(mediation: Mediation) -> None:
    if mediation.voided_at is not None:
        raise ValidationError(_("This mediation was voided: it can no longer be changed."))


def _current(mediation: Mediation) -> Mediation:
    """The mediation as stored now, locked for the rest of the transaction."""
    return Mediation.objects.select_for_update().get(pk=mediation.pk)


def _bump(mediation: Mediation, expected_version: int) -> None:
    """Move the mediation to its next version if it is still at ``expected_version`` (its parties
    or follow-ups changed); ConflictError otherwise."""
    updated = Mediation.objects.filter(pk=mediation.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConflictError(mediation)
    mediation.refresh_from_db(fields=["version", "updated_at"])


def _history(
    *,
    actor: User,
    mediation: Mediation,
    kind: str,
    previous: dict[str, Any] | None = None,
    protected: dict[str, Any] | None = None,
    reason: str = "",
    follow_up: MediationFollowUp | None = None,
    party: MediationParty | None = None,
) -> MediationChange:
    plain = previous or {}
    hidden = protected or {}
    return MediationChange.objects.create(
        mediation=mediation,
        kind=kind,
        follow_up=follow_up,
        party=party,
        fields=sorted({*plain, *hidden}),
        previous=plain,
        previous_protected=json.dumps(hidden) if hidden else "",
        reason=reason,
        changed_by=actor,
        changed_at=timezone.now(),
    )


def _new_outside(*, actor: User, mediation: Mediation, item: OutsidePartyInput) -> OutsideParty:
    return OutsideParty.objects.create(
        name=item.name, phone=item.phone, area=mediation.area, search_name=search_name(item.name), recorded_by=actor
    )


# --- the services ----------------------------------------------------------------------------------


@transaction.atomic
def mediation_record(
    *,
    actor: User | None,
    occurred_on: dt.date,
    outcome: str,
    topics: list[str],
    area: Area | None = None,
    summary: str = "",
    people: Sequence[Person] = (),
    outside: Sequence[OutsidePartyInput] = (),
    key: str | None = None,
) -> Mediation:
    """A mediation and who took part: ``people`` (participants the actor sees, each a party to the
    conflict) and ``outside`` (people not enrolled). One audit event, of the mediation."""
    require(actor, "mediation.record")
    who = _staff(actor)
    _day(occurred_on, field="occurred_on", label=_("Day"))
    chosen = _topics(topics)
    text = _summary(summary)
    if len(outside) > OUTSIDE_MAX:
        raise ValidationError({"outside": _("At most %(n)s outside parties at once.") % {"n": OUTSIDE_MAX}})
    strangers = [_outside(item) for item in outside]
    participants = _seen_people(who, people)
    if key is not None:
        key = key.strip() or None
    if key is not None and Mediation.objects.filter(key=key).exists():
        raise AlreadyReceivedError(_("A mediation with this key was already received."))
    mediation = audited_create(
        actor=who,
        model=Mediation,
        action="mediation.record",
        values={
            "occurred_on": occurred_on,
            "area": area,
            "topics": chosen,
            "outcome": _outcome(outcome),
            "summary": text,
            "recorded_by": who,
            # The field app's key of the submission, or a new one (interchange format 2 names it).
            "key": key if key is not None else new_mediation_key(),
        },
    )
    for person in participants:
        MediationParty.objects.create(mediation=mediation, person=person, role=PartyRole.PARTY)
    for item in strangers:
        one = _new_outside(actor=who, mediation=mediation, item=item)
        MediationParty.objects.create(mediation=mediation, outside=one, role=item.role)
    return mediation


_UNCHANGED: EllipsisType = ...


@transaction.atomic
def mediation_update(
    *,
    actor: User | None,
    mediation: Mediation,
    expected_version: int,
    outcome: str | None = None,
    topics: list[str] | None = None,
    area: Area | EllipsisType | None = _UNCHANGED,
    summary: str | None = None,
) -> Mediation:
    """Change what the mediation says (None, or ``...`` for the area: unchanged), on the version the
    editor opened: ConflictError when someone changed it meanwhile. A field the actor does not see
    (a manager: topics and summary) cannot be changed. Audited with the previous values."""
    require(actor, "mediation.update", mediation)
    who = _staff(actor)
    stored = _current(mediation)
    _refuse_voided(stored)
    if stored.version != expected_version:
        raise ConflictError(stored)
    values: dict[str, Any] = {}
    if outcome is not None:
        values["outcome"] = _outcome(outcome)
    if topics is not None:
        values["topics"] = _topics(topics)
    if area is not _UNCHANGED:
        values["area"] = area
    if summary is not None:
        values["summary"] = _summary(summary)
    hidden = sorted(name for name in values if not shows(who, Mediation, name))
    if hidden:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(hidden)})
    changed = {name: value for name, value in values.items() if getattr(stored, name) != value}
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    plain = {name: _plain(getattr(stored, name)) for name in changed if name in {"outcome", "area"}}
    protected = {name: getattr(stored, name) for name in changed if name in {"topics", "summary"}}
    _history(actor=who, mediation=stored, kind=ChangeKind.UPDATED, previous=plain, protected=protected)
    return audited_update(
        actor=who, instance=stored, action="mediation.update", values=changed, expected_version=expected_version
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Area):
        return value.code
    return value


@transaction.atomic
def mediation_party_add(
    *,
    actor: User | None,
    mediation: Mediation,
    expected_version: int,
    person: Person | None = None,
    outside: OutsidePartyInput | None = None,
    role: str = PartyRole.PARTY,
) -> MediationParty:
    """Add who else took part: a participant the actor sees, or an outside party (one of them)."""
    require(actor, "mediation.update", mediation)
    who = _staff(actor)
    stored = _current(mediation)
    _refuse_voided(stored)
    if (person is None) == (outside is None):
        raise ValidationError({"person": _("Give either a participant or an outside party.")})
    role = _role(role)
    if person is not None:
        _seen_people(who, [person])
        if stored.parties.filter(person=person, removed_at__isnull=True).exists():
            raise ValidationError({"person": _("This participant is already a party to the mediation.")})
    _bump(stored, expected_version)
    if person is not None:
        party = audited_create(
            actor=who,
            model=MediationParty,
            action="mediation.update",
            values={"mediation": stored, "person": person, "role": role},
        )
    else:
        assert outside is not None
        item = _outside(OutsidePartyInput(outside.name, outside.phone, role))
        one = _new_outside(actor=who, mediation=stored, item=item)
        party = audited_create(
            actor=who,
            model=MediationParty,
            action="mediation.update",
            values={"mediation": stored, "outside": one, "role": role},
        )
    _history(actor=who, mediation=stored, kind=ChangeKind.PARTY_ADDED, party=party)
    return party


@transaction.atomic
def mediation_party_remove(
    *, actor: User | None, party: MediationParty, reason: str, expected_version: int
) -> MediationParty:
    """Take a party off the mediation (recorded by mistake), with the reason: kept in the history."""
    require(actor, "mediation.update", party.mediation)
    who = _staff(actor)
    stored = _current(party.mediation)
    _refuse_voided(stored)
    text = _reason(reason)
    party = MediationParty.objects.get(pk=party.pk)
    if party.mediation_id != stored.pk or party.removed_at is not None:
        raise ValidationError(_("This party was already taken off the mediation."))
    _bump(stored, expected_version)
    _history(actor=who, mediation=stored, kind=ChangeKind.PARTY_REMOVED, party=party, reason=text)
    return audited_update(actor=who, instance=party, action="mediation.update", values={"removed_at": timezone.now()})


@transaction.atomic
def mediation_follow_up(
    *, actor: User | None, mediation: Mediation, followed_up_on: dt.date, outcome: str, note: str = ""
) -> MediationFollowUp:
    """How the conflict stands on a later day: the follow-up is kept, and its outcome becomes the
    mediation's (a new version of it)."""
    require(actor, "mediation.follow_up", mediation)
    who = _staff(actor)
    stored = _current(mediation)
    _refuse_voided(stored)
    _day(followed_up_on, field="followed_up_on", label=_("Followed up on"))
    if followed_up_on < stored.occurred_on:
        raise ValidationError({"followed_up_on": _("A follow-up comes on or after the day of the mediation.")})
    text = _summary(note, field="note")
    follow_up = audited_create(
        actor=who,
        model=MediationFollowUp,
        action="mediation.follow_up",
        values={
            "mediation": stored,
            "followed_up_on": followed_up_on,
            "outcome": _outcome(outcome),
            "note": text,
            "by": who,
        },
    )
    _history(
        actor=who,
        mediation=stored,
        kind=ChangeKind.FOLLOWED_UP,
        previous={"outcome": stored.outcome},
        follow_up=follow_up,
    )
    Mediation.objects.filter(pk=stored.pk).update(outcome=outcome, version=F("version") + 1, updated_at=timezone.now())
    mediation.refresh_from_db(fields=["outcome", "version", "updated_at"])
    return follow_up


@transaction.atomic
def mediation_void(*, actor: User | None, mediation: Mediation, reason: str, expected_version: int) -> Mediation:
    """Void a mediation recorded by mistake, with the reason: kept, marked void, left out of the log
    and the counts; the history says who, when and why."""
    require(actor, "mediation.correct", mediation)
    who = _staff(actor)
    stored = _current(mediation)
    _refuse_voided(stored)
    text = _reason(reason)
    _history(actor=who, mediation=stored, kind=ChangeKind.VOIDED, reason=text)
    return audited_update(
        actor=who,
        instance=stored,
        action="mediation.void",
        values={"voided_at": timezone.now()},
        expected_version=expected_version,
    )


@transaction.atomic
def mediation_follow_up_void(
    *, actor: User | None, follow_up: MediationFollowUp, reason: str, expected_version: int
) -> MediationFollowUp:
    """Void a follow-up recorded by mistake, with the reason. When it was what set the mediation's
    outcome, the outcome goes back to what it was before it (a new version of the mediation)."""
    require(actor, "mediation.correct", follow_up)
    who = _staff(actor)
    stored = _current(follow_up.mediation)
    _refuse_voided(stored)
    follow_up = MediationFollowUp.objects.get(pk=follow_up.pk)
    if follow_up.voided_at is not None:
        raise ValidationError(_("This follow-up was voided: it can no longer be changed."))
    text = _reason(reason)
    set_by = stored.changes.filter(kind=ChangeKind.FOLLOWED_UP, follow_up=follow_up).first()
    restore = None
    if set_by is not None and _last_outcome_change(stored) == set_by:
        restore = _outcome_before(stored, set_by)
    _history(actor=who, mediation=stored, kind=ChangeKind.FOLLOW_UP_VOIDED, follow_up=follow_up, reason=text)
    voided = audited_update(
        actor=who,
        instance=follow_up,
        action="mediationfollowup.void",
        values={"voided_at": timezone.now()},
        expected_version=expected_version,
    )
    changes: dict[str, Any] = {"version": F("version") + 1, "updated_at": timezone.now()}
    if restore is not None:
        changes["outcome"] = restore
    Mediation.objects.filter(pk=stored.pk).update(**changes)
    return voided


def _outcome_changes(mediation: Mediation) -> list[MediationChange]:
    """The changes that set the mediation's outcome, newest first: follow-ups not voided, and
    changes of the outcome itself."""
    found = mediation.changes.filter(kind__in=[ChangeKind.FOLLOWED_UP, ChangeKind.UPDATED]).select_related("follow_up")
    return [
        c
        for c in found.order_by("-pk")
        if (c.kind == ChangeKind.UPDATED and "outcome" in c.fields)
        or (c.kind == ChangeKind.FOLLOWED_UP and c.follow_up is not None and c.follow_up.voided_at is None)
    ]


def _last_outcome_change(mediation: Mediation) -> MediationChange | None:
    changes = _outcome_changes(mediation)
    return changes[0] if changes else None


def _outcome_before(mediation: Mediation, change: MediationChange) -> str:
    """The outcome the mediation had before ``change``, leaving out what voided follow-ups set."""
    value = str(change.previous.get("outcome", mediation.outcome))
    earlier = mediation.changes.filter(
        pk__lt=change.pk, kind__in=[ChangeKind.FOLLOWED_UP, ChangeKind.UPDATED]
    ).select_related("follow_up")
    for c in earlier.order_by("-pk"):
        if c.kind == ChangeKind.UPDATED and "outcome" not in c.fields:
            continue
        if c.kind == ChangeKind.FOLLOWED_UP and c.follow_up is not None and c.follow_up.voided_at is not None:
            value = str(c.previous.get("outcome", value))
            continue
        break
    return value

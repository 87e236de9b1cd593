"""What the peer app sends: each entry stored once, through the service that records its kind.

An entry carries an idempotency key (a UUID the phone made when the entry was recorded), the
phone's clock at that moment and the server's time as the phone reckoned it then. The first time
a key arrives its entry goes through the same service a page would use (the same permission
checks, validation and audit), and an audit event ``field.received`` records the key and the
three times in the same transaction. A key that arrives again gets the first answer back and
writes nothing. An edit made on the phone carries the version it started from: when someone
changed the record meanwhile the answer is a conflict with the record as it is now, nothing is
stored, and the peer decides (docs/field-app.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import audit_record
from vip.core.access import require
from vip.core.errors import ConflictError
from vip.field.models import FieldDevice, FieldSubmission
from vip.people.models import Person
from vip.people.selectors import person_list

# The most entries one sync takes (a phone sends the rest in the next).
MAX_ENTRIES = 100


class EntryError(ValidationError):
    """An entry the server cannot take as it is (a missing or malformed value)."""


@dataclass
class Outcome:
    key: str
    status: str  # stored, duplicate, conflict, refused
    message: str = ""
    object_type: str = ""
    object_id: str = ""
    received_at: dt.datetime | None = None
    current: dict[str, Any] = field(default_factory=dict)  # a conflict: the record as it is now

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"key": self.key, "status": self.status}
        if self.message:
            answer["message"] = self.message
        if self.object_type:
            answer["object"] = {"type": self.object_type, "id": self.object_id}
        if self.received_at is not None:
            answer["received_at"] = self.received_at.isoformat()
        if self.current:
            answer["current"] = self.current
        return answer


# --- devices ------------------------------------------------------------------------------------


def parse_device_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def device_must_wipe(device_id: uuid.UUID | None) -> bool:
    """Has this device's account been deactivated? (Asked before anything else, signed in or not:
    a deactivated account's sessions are gone, and the device must still learn to wipe.)"""
    if device_id is None:
        return False
    return FieldDevice.objects.filter(device_id=device_id, user__is_active=False).exists()


@transaction.atomic
def device_wiped(*, device_id: uuid.UUID, reason: str, user: User | None = None) -> None:
    """Record that a device was told to discard its queue and cache (``user``: only if it is theirs)."""
    device = FieldDevice.objects.select_for_update().filter(device_id=device_id).first()
    if device is None or device.wiped_at is not None or (user is not None and device.user_id != user.pk):
        return
    device.wiped_at = timezone.now()
    device.save(update_fields=["wiped_at"])
    audit_record(
        actor=None if not device.user.is_active else device.user,
        action="field.device_wipe",
        target=device,
        changes={"reason": reason, "user": device.user.get_username()},
    )


@transaction.atomic
def device_seen(*, actor: User, device_id: uuid.UUID) -> tuple[FieldDevice, bool]:
    """The device ``actor`` uses, registered at its first contact. Returns it and whether it must
    wipe first: it was registered to another account (a shared phone) or told to wipe before."""
    require(actor, "field.use")
    now = timezone.now()
    device = FieldDevice.objects.select_for_update().filter(device_id=device_id).first()
    if device is None:
        device = FieldDevice.objects.create(device_id=device_id, user=actor, first_seen=now, last_seen=now)
        audit_record(actor=actor, action="field.device_register", target=device, changes={"device": str(device_id)})
        return device, False
    if device.user_id != actor.pk or device.wiped_at is not None:
        if device.wiped_at is None:
            device.wiped_at = now
            device.save(update_fields=["wiped_at"])
            audit_record(
                actor=actor,
                action="field.device_wipe",
                target=device,
                changes={"reason": "another account signed in on this device", "user": device.user.get_username()},
            )
        return device, True
    device.last_seen = now
    device.save(update_fields=["last_seen"])
    return device, False


# --- entries ------------------------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 20_000) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise EntryError(_("%(field)s must be text.") % {"field": name})
    if required and not value.strip():
        raise EntryError(_("%(field)s is required.") % {"field": name})
    if len(value) > limit:
        raise EntryError(_("%(field)s is too long.") % {"field": name})
    return value


def _moment(data: dict[str, Any], name: str) -> dt.datetime:
    value = data.get(name)
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but no such moment (a 99th minute)
        moment = None
    if moment is None or moment.tzinfo is None:
        raise EntryError(_("%(field)s must be a date and time with its time zone.") % {"field": name})
    return moment


def _day(data: dict[str, Any], name: str) -> dt.date:
    value = data.get(name)
    try:
        day = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but no such day (a 31st of June)
        day = None
    if day is None:
        raise EntryError(_("%(field)s must be a day (YYYY-MM-DD).") % {"field": name})
    return day


def _int(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise EntryError(_("%(field)s must be a whole number.") % {"field": name})
    return int(value)


def _person(actor: User, data: dict[str, Any]) -> Person:
    """A person on the actor's own caseload (the app caches no other)."""
    pk = _int(data, "person") or 0
    person = person_list(user=actor).filter(pk=pk, assigned_peer=actor).first()
    if person is None:
        raise PermissionDenied(_("This person is not on your caseload."))
    return person


def _attempt(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.notifications.selectors import notification_list
    from vip.notifications.services import attempt_record

    person = _person(actor, data)
    notification = None
    plan = _int(data, "notification", required=False)
    if plan is not None:
        notification = notification_list(user=actor).filter(pk=plan, person=person).first()
        if notification is None:
            raise EntryError(_("That custom notification is not this person's."))
    team = data.get("team") or ["peer_support"]
    if not isinstance(team, list) or not all(isinstance(t, str) for t in team):
        raise EntryError(_("team must be a list."))
    return attempt_record(
        actor=actor,
        person=person,
        notification=notification,
        attempted_at=_moment(data, "attempted_at"),
        outcome=_text(data, "outcome", required=True),
        team=set(team),
        notes=_text(data, "notes"),
    )


def _contact(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.casework.services import contact_record

    return contact_record(
        actor=actor,
        person=_person(actor, data),
        contacted_at=_moment(data, "contacted_at"),
        kind=_text(data, "kind", required=True),
        minutes=_int(data, "minutes", required=False),
        summary=_text(data, "summary"),
    )


def _case_note(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.casework.services import case_note_write

    return case_note_write(actor=actor, person=_person(actor, data), text=_text(data, "text", required=True))


def _check_in(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.safety_plans.services import safety_check_in_record

    fits = data.get("plan_still_fits")
    if fits not in (True, False, None):
        raise EntryError(_("plan_still_fits must be true, false or empty."))
    return safety_check_in_record(
        actor=actor,
        person=_person(actor, data),
        checked_at=_moment(data, "checked_at"),
        status=_text(data, "status", required=True),
        plan_still_fits=fits,
        note=_text(data, "note"),
    )


def _mediation(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.core.models import Area
    from vip.mediations.services import OutsidePartyInput, mediation_record

    people_ids = data.get("people") or []
    outside = data.get("outside") or []
    topics = data.get("topics") or []
    if not isinstance(people_ids, list) or not isinstance(outside, list) or not isinstance(topics, list):
        raise EntryError(_("people, outside and topics must be lists."))
    people = [_person(actor, {"person": pk}) for pk in people_ids]
    parties = []
    for item in outside:
        if not isinstance(item, dict):
            raise EntryError(_("Each outside party must have a name."))
        parties.append(
            OutsidePartyInput(name=_text(item, "name", required=True, limit=200), phone=_text(item, "phone", limit=50))
        )
    area_code = _text(data, "area")
    area = Area.objects.filter(code=area_code, active=True).first() if area_code else None
    if area_code and area is None:
        raise EntryError(_("Unknown area %(area)s.") % {"area": area_code})
    return mediation_record(
        actor=actor,
        occurred_on=_day(data, "occurred_on"),
        outcome=_text(data, "outcome", required=True),
        topics=[str(t) for t in topics],
        area=area,
        summary=_text(data, "summary"),
        people=people,
        outside=parties,
    )


def _mediation_update(actor: User, data: dict[str, Any]) -> models.Model:
    from vip.mediations.selectors import mediation_list
    from vip.mediations.services import mediation_update

    pk = _int(data, "mediation") or 0
    mediation = mediation_list(user=actor).filter(pk=pk).first()
    if mediation is None:
        raise PermissionDenied(_("You do not see this mediation."))
    summary = data.get("summary")
    return mediation_update(
        actor=actor,
        mediation=mediation,
        expected_version=_int(data, "base_version") or 0,
        outcome=_text(data, "outcome", required=True),
        summary=None if summary is None else _text(data, "summary"),
    )


HANDLERS: dict[str, Callable[[User, dict[str, Any]], models.Model]] = {
    "attempt": _attempt,
    "contact": _contact,
    "case_note": _case_note,
    "check_in": _check_in,
    "mediation": _mediation,
    "mediation_update": _mediation_update,
}


def _current(actor: User, instance: models.Model) -> dict[str, Any]:
    """A conflicting record as the actor sees it now (what the app shows next to their change)."""
    from vip.field.selectors import mediation_view

    if instance._meta.label == "mediations.Mediation":
        return mediation_view(user=actor, mediation_id=instance.pk)
    return {"version": getattr(instance, "version", None)}


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or _("Refused.")


def entry_receive(*, actor: User, device: FieldDevice | None, entry: Any) -> Outcome:
    """Take one entry of a sync (its own transaction: one entry refused never holds up another)."""
    require(actor, "field.use")
    if not isinstance(entry, dict):
        return Outcome(key="", status="refused", message=_("An entry must be an object."))
    key_id = parse_device_id(entry.get("key"))
    if key_id is None:
        return Outcome(key=str(entry.get("key", ""))[:64], status="refused", message=_("An entry needs a UUID key."))
    key = str(key_id)
    earlier = FieldSubmission.objects.filter(key=key_id).first()
    if earlier is not None:
        return _again(actor, earlier)
    kind = entry.get("kind")
    data = entry.get("data")
    try:
        device_time = _moment(entry, "device_time")
        then = entry.get("server_time")
        server_time_then = _moment(entry, "server_time") if then else None
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise EntryError(_("Unknown kind of entry %(kind)s.") % {"kind": str(kind)[:40]})
        if not isinstance(data, dict):
            raise EntryError(_("An entry's data must be an object."))
        kind = str(kind)
    except EntryError as exc:
        return Outcome(key=key, status="refused", message=_message(exc))
    received_at = timezone.now()
    times = {
        "key": key,
        "kind": kind,
        "device_time": device_time.isoformat(),
        "server_time_then": server_time_then.isoformat() if server_time_then else None,
        "received_at": received_at.isoformat(),
        "device": str(device.device_id) if device else None,
    }
    try:
        with transaction.atomic():
            record = handler(actor, data)
            FieldSubmission.objects.create(
                key=key_id,
                user=actor,
                device=device,
                kind=kind,
                device_time=device_time,
                server_time_then=server_time_then,
                received_at=received_at,
                status=FieldSubmission.Status.STORED,
                object_type=record._meta.label,
                object_id=str(record.pk),
            )
            audit_record(actor=actor, action="field.received", target=record, changes=times)
    except ConflictError as exc:
        return Outcome(key=key, status="conflict", message=_message(exc), current=_current(actor, exc.instance))
    except IntegrityError:
        # The same key sent twice at once: the other request stored it.
        earlier = FieldSubmission.objects.filter(key=key_id).first()
        if earlier is None:
            raise
        return _again(actor, earlier)
    except (PermissionDenied, ValidationError) as exc:
        message = _message(exc)
        with transaction.atomic():
            FieldSubmission.objects.create(
                key=key_id,
                user=actor,
                device=device,
                kind=kind,
                device_time=device_time,
                server_time_then=server_time_then,
                received_at=received_at,
                status=FieldSubmission.Status.REFUSED,
                message=message[:500],
            )
            audit_record(
                actor=actor,
                action="field.received",
                changes={**times, "refused": message[:500]},
                outcome="denied" if isinstance(exc, PermissionDenied) else "failed",
            )
        return Outcome(key=key, status="refused", message=message, received_at=received_at)
    return Outcome(
        key=key,
        status="stored",
        object_type=record._meta.label,
        object_id=str(record.pk),
        received_at=received_at,
    )


def _again(actor: User, earlier: FieldSubmission) -> Outcome:
    """The answer to a key already received: the first answer, nothing written."""
    if earlier.user_id != actor.pk:
        return Outcome(key=str(earlier.key), status="refused", message=_("This key was used by another account."))
    status = "duplicate" if earlier.status == FieldSubmission.Status.STORED else "refused"
    return Outcome(
        key=str(earlier.key),
        status=status,
        message=earlier.message,
        object_type=earlier.object_type,
        object_id=earlier.object_id,
        received_at=earlier.received_at,
    )


def sync_receive(*, actor: User, device: FieldDevice | None, entries: Any) -> list[Outcome]:
    """Take a sync's entries in order."""
    require(actor, "field.use")
    if not isinstance(entries, list):
        raise EntryError(_("entries must be a list."))
    if len(entries) > MAX_ENTRIES:
        raise EntryError(_("Send at most %(n)s entries at once.") % {"n": MAX_ENTRIES})
    return [entry_receive(actor=actor, device=device, entry=entry) for entry in entries]

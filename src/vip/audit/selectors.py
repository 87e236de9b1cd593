"""Reading the audit trail (administrators only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet

from vip.audit.chain import FIELDS, GENESIS, Verification, verify
from vip.audit.models import AuditEvent
from vip.core.access import entry, visible
from vip.core.sensitivity import sensitivity_of

PURGE_ACTION = "audit.purge"  # a retention purge of the oldest events: the chain's checkpoint


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    """The trail, for those the access policy lets read it (administrators; the operator)."""
    return visible(AuditEvent.objects.all(), user)


def audit_event_search(*, user: Any, filters: dict[str, Any], limit: int = 100) -> list[AuditEvent]:
    """The newest ``limit`` events matching ``filters`` (see ``AuditFilterForm``), older than
    event ``before`` when given: the viewer pages by id, which stays fast on a long trail."""
    events = audit_event_list(user=user)
    if filters.get("actor"):
        events = events.filter(actor_name=filters["actor"])
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    if filters.get("outcome"):
        events = events.filter(outcome=filters["outcome"])
    if filters.get("since"):
        events = events.filter(occurred_at__gte=dt.datetime.combine(filters["since"], dt.time(), dt.UTC))
    if filters.get("until"):
        end = dt.datetime.combine(filters["until"] + dt.timedelta(days=1), dt.time(), dt.UTC)
        events = events.filter(occurred_at__lt=end)
    if filters.get("before"):
        events = events.filter(id__lt=filters["before"])
    return list(events.order_by("-id")[:limit])


WITHHELD = "[withheld]"
# Fields of a record that may hold a person's words or whereabouts when the model does not declare
# them sensitive (a city, a free-text note): withheld in the viewer on a record about a person.
_TEXT_FIELDS = frozenset({"CharField", "TextField", "JSONField", "EncryptedTextField", "EmailField", "SlugField"})


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _about_a_person(model: type[models.Model]) -> bool:
    try:
        return entry(model).person is not None
    except LookupError:
        return False


def _holds_text(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return any(_holds_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_text(v) for v in value)
    return False


def _field_shown(model: type[models.Model], name: str) -> bool | None:
    """Whether the viewer shows a value of field ``name`` of ``model``; None if it is no field."""
    try:
        column = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if sensitivity_of(model, name) is not None:
        return False  # identifying, a key, or case content: withheld from everyone
    if column.is_relation or getattr(column, "choices", None):
        return True  # an id, a code
    # Words about a person that the model does not declare (a city, a note): withheld all the same.
    kind = column.get_internal_type() if isinstance(column, models.Field) else ""
    return not (kind in _TEXT_FIELDS and _about_a_person(model))


def redacted_details(event: AuditEvent) -> dict[str, Any]:
    """An event's details as the audit viewer shows them to anyone who may open it (administrators;
    security row 38): no identifying data and no case content, whatever the reader's role. Withheld:
    every field of the event's record declared sensitive (names, birth dates, addresses, phones,
    keys, case content), every undeclared text field of a record about a person, the details that
    name a person (search words, reasons, evidence, keys; ``AuditEvent.DETAIL_SENSITIVITY``), and
    any other detail holding text unless the program chose its words (``SHOWN_DETAILS``). Numbers
    (ids, counts) and what the event is (who, what, when, outcome) stay shown. The stored, chained
    event keeps every value (its hash covers them)."""
    model = _model_of(event.object_type)
    shown: dict[str, Any] = {}
    for key, value in (event.changes or {}).items():
        as_field = _field_shown(model, key) if model is not None else None
        if as_field is not None:
            visible_value = as_field
        elif key in AuditEvent.DETAIL_SENSITIVITY:
            visible_value = False
        elif key in AuditEvent.SHOWN_DETAILS:
            visible_value = True
        else:
            visible_value = not _holds_text(value)
        shown[key] = value if visible_value else WITHHELD
    return shown


def audit_event_get(*, user: Any, event_id: int) -> AuditEvent:
    """One event of the trail (administrators; the operator), or ``AuditEvent.DoesNotExist``."""
    return audit_event_list(user=user).get(pk=event_id)


def audit_chain_head(*, user: Any) -> AuditEvent | None:
    """The newest event: its hash is what to keep outside the database (docs/security.md)."""
    return audit_event_list(user=user).order_by("-id").first()


def audit_chain_verify(*, user: Any, progress: Any = None) -> Verification:
    """Walk every stored event of the audit trail in order and check its hash chain
    (administrators, the operator). Security rows 17 and 39.

    After a retention purge the first stored event must link to the hash the latest ``audit.purge``
    event (the checkpoint) recorded for the newest event purged, and be the first event that purge
    kept; no event any checkpoint says was purged may still be stored. Every event after the first,
    checkpoints included, must link to the one before it and match its own hash, so an altered
    event fails whatever checkpoint follows it.
    """
    events = audit_event_list(user=user)
    first = events.order_by("id").values("id", "prev_hash").first()
    if first is None:
        return Verification()
    checkpoints = list(
        events.filter(action=PURGE_ACTION).order_by("id").values_list("id", "changes").iterator(chunk_size=1000)
    )
    start = GENESIS
    for event_id, changes in checkpoints:
        problem = _checkpoint_problem(event_id, changes, first["id"])
        if problem:
            return Verification(broken_at=event_id, reason=problem)
    if checkpoints:
        latest_id, latest = checkpoints[-1]
        start = str(latest["through_hash"])
        kept = latest.get("first_kept_id")
        if kept is not None and int(kept) != first["id"]:
            return Verification(
                broken_at=first["id"],
                reason=f"the retention purge of audit event {latest_id} kept event {kept} first, which is missing "
                "(events after the purge were removed)",
            )
    rows = events.order_by("id").values(*FIELDS).iterator(chunk_size=5000)
    return verify(rows, progress, start=start)


def _checkpoint_problem(event_id: int, changes: Any, first_id: int) -> str:
    """Why a checkpoint does not fit the stored chain, or ``""``."""
    try:
        through = int(changes["through_id"])
        through_hash = str(changes["through_hash"])
    except (KeyError, TypeError, ValueError):
        return "it is a retention checkpoint without the id and hash of the newest event purged"
    if len(through_hash) != len(GENESIS) or through >= event_id:
        return "it is a retention checkpoint naming an event that cannot have been purged before it"
    if first_id <= through:
        return (
            f"it is a retention checkpoint saying events up to {through} were purged, yet event {first_id} "
            "is still stored (a checkpoint appended to hide a change to the events before it?)"
        )
    return ""


def audit_checkpoint(*, user: Any) -> dict[str, Any] | None:
    """What the latest retention purge of the audit trail recorded: ``through_id``, ``through_hash``,
    ``first_kept_id``, ``purged``, ``cutoff`` (and the purge event's id and moment), or None when
    none happened."""
    event = (
        audit_event_list(user=user)
        .filter(action=PURGE_ACTION)
        .order_by("-id")
        .values("id", "occurred_at", "actor_name", "changes")
        .first()
    )
    if event is None:
        return None
    return {**event["changes"], "event_id": event["id"], "occurred_at": event["occurred_at"], "by": event["actor_name"]}

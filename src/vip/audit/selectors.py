"""Reading the audit trail (administrators only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet

from vip.audit.chain import FIELDS, GENESIS, Verification, verify
from vip.audit.models import AuditEvent
from vip.core.access import Show, shows_kind, treatment, visible

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


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def audit_event_details(*, user: Any, event: AuditEvent) -> dict[str, Any]:
    """An event's details as the reader may see them: each value of a field of the event's record,
    and each detail that names a person (search words, keys, reasons), shown only where the access
    policy shows that field or that sensitivity to the reader's role; otherwise withheld. The
    stored event keeps every value (its hash covers them)."""
    model = _model_of(event.object_type)
    shown: dict[str, Any] = {}
    for key, value in (event.changes or {}).items():
        if model is not None and key in {f.name for f in model._meta.get_fields()}:
            visible_value = treatment(user, model, key) == Show.SHOWN
        elif key in AuditEvent.DETAIL_SENSITIVITY:
            visible_value = shows_kind(user, AuditEvent.DETAIL_SENSITIVITY[key])
        else:
            visible_value = True
        shown[key] = value if visible_value else WITHHELD
    return shown


def audit_chain_head(*, user: Any) -> AuditEvent | None:
    """The newest event: its hash is what to keep outside the database (docs/security.md)."""
    return audit_event_list(user=user).order_by("-id").first()


def audit_chain_verify(*, user: Any, progress: Any = None) -> Verification:
    """Walk the whole audit trail in order and check its hash chain (administrators, operator).

    After a retention purge the walk starts at the latest ``audit.purge`` event's checkpoint: the
    first event kept must link to the hash of the newest event purged (vip.retention).
    """
    events = audit_event_list(user=user)
    checkpoint = audit_checkpoint(user=user)
    start, after = (checkpoint["through_hash"], checkpoint["through_id"]) if checkpoint else (GENESIS, 0)
    rows = events.filter(id__gt=after).order_by("id").values(*FIELDS).iterator(chunk_size=5000)
    return verify(rows, progress, start=start)


def audit_checkpoint(*, user: Any) -> dict[str, Any] | None:
    """What the latest retention purge of the audit trail recorded: ``through_id``, ``through_hash``,
    ``purged``, ``cutoff`` (and the purge event's id and moment), or None when none happened."""
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

"""The one function that records an audit event."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import models, transaction
from django.utils import timezone

from vip.audit import chain
from vip.audit.context import current_ledger, current_origin
from vip.audit.models import AuditEvent
from vip.core.sensitivity import CONTENT, fields_with

if TYPE_CHECKING:  # the audit sits below the accounts: it names their type, never imports them
    from vip.accounts.models import User

Actor: TypeAlias = "User | None"  # None: the local operator on the command line (docs/architecture.md)


def actor_identity(actor: Actor) -> tuple[User | None, str, str]:
    if actor is None:
        origin = current_origin()
        if origin.request_id and not origin.source_address.startswith("cli:"):
            # A web request with nobody signed in (a sign-in attempt that locked a name): never
            # the operator, whose None comes from the command line.
            return None, "anonymous", "anonymous"
        return None, origin.source_address.split("@")[0], "operator"
    return actor, actor.get_username(), actor.role


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
) -> AuditEvent:
    """Record one audit event in the caller's transaction.

    Must be called inside ``transaction.atomic`` (every service is), so the
    action and its audit row commit or roll back together; outside one it raises.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the action it records")
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    user, name, role = actor_identity(actor)
    origin = current_origin()
    fields: dict[str, Any] = {
        "occurred_at": timezone.now(),
        "actor_id": user.pk if user is not None else None,
        "actor_name": name,
        "actor_role": role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        # Stored as the JSON it will be read back as, so that the hash covers what is kept.
        "changes": json.loads(json.dumps(changes or {}, default=str)),
        "source_address": origin.source_address,
        "request_id": origin.request_id,
    }
    chain.lock_chain()
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or chain.GENESIS
    event = AuditEvent.objects.create(**fields, prev_hash=prev, hash=chain.digest(prev, fields))
    ledger = current_ledger()
    if ledger is not None:
        ledger.note(event.pk)  # committed or not is the caller's transaction's to say
    return event


def audit_read(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    shown: list[Any] | None = None,
    details: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
) -> AuditEvent:
    """Record that ``actor`` read person-level data: one event per page, API call or export.

    ``shown`` lists the ids of the records a list or search put in front of the reader (an empty
    list is recorded too: "searched, saw nothing"). Reads are not inside a transaction of their
    own, so this opens one. It raises if the event cannot be written; callers record the read
    *before* they hand anything over, so a failed audit shows nothing (fails closed).
    """
    changes = dict(details or {})
    if shown is not None:
        changes["shown"] = [_json(item) for item in shown]
    outermost = not transaction.get_connection().in_atomic_block
    with transaction.atomic():
        event = audit_record(
            actor=actor,
            action=action,
            target=target,
            object_type=object_type,
            object_id=object_id,
            changes=changes,
            outcome=outcome,
        )
    ledger = current_ledger()
    if outermost and ledger is not None:
        ledger.note(event.pk, committed=True)  # its own transaction: committed by now
    return event


REDACTED = "[redacted]"


def diff(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the values that differ from ``instance``; JSON-safe.

    Case content (casework, health, police fields) is never copied into the
    audit trail: the change is recorded, its value is not.
    """
    secret = fields_with(type(instance), *CONTENT)
    changed: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changed[name] = [REDACTED, REDACTED] if name in secret else [_json(old), _json(new)]
    return changed


def snapshot(instance: models.Model, names: list[str]) -> dict[str, Any]:
    """The values of a newly created record for its audit event (case content redacted)."""
    secret = fields_with(type(instance), *CONTENT)
    return {n: REDACTED if n in secret else _json(getattr(instance, n)) for n in names}


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)

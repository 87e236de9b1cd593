"""Reading the audit trail (administrators only; the viewer comes with the security issue)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.chain import Verification
from vip.audit.models import AuditEvent

PURGE_ACTION = "audit.purge"  # a retention purge of the oldest events: the chain's checkpoint


def audit_event_list(*, user: User | None) -> QuerySet[AuditEvent]:
    if user is not None and user.role != User.Role.ADMIN:
        raise PermissionDenied(_("Only administrators read the audit trail."))
    return AuditEvent.objects.all()


def audit_chain_verify(*, user: User | None, progress: Any = None) -> Verification:
    """Walk the whole audit trail in order and check its hash chain (administrators, operator).

    After a retention purge the walk starts at the latest ``audit.purge`` event's checkpoint: the
    first event kept must link to the hash of the newest event purged (vip.retention).
    """
    from vip.audit.chain import FIELDS, GENESIS, verify

    events = audit_event_list(user=user)
    checkpoint = audit_checkpoint(user=user)
    start, after = (checkpoint["through_hash"], checkpoint["through_id"]) if checkpoint else (GENESIS, 0)
    rows = events.filter(id__gt=after).order_by("id").values(*FIELDS).iterator(chunk_size=5000)
    return verify(rows, progress, start=start)


def audit_checkpoint(*, user: User | None) -> dict[str, Any] | None:
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

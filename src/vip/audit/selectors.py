"""Reading the audit trail (administrators only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.chain import Verification
from vip.audit.models import AuditEvent


def audit_event_list(*, user: User | None) -> QuerySet[AuditEvent]:
    if user is not None and user.role != User.Role.ADMIN:
        raise PermissionDenied(_("Only administrators read the audit trail."))
    return AuditEvent.objects.all()


def audit_event_search(*, user: User | None, filters: dict[str, Any], limit: int = 100) -> list[AuditEvent]:
    """The newest ``limit`` events matching ``filters`` (see ``AuditFilterForm``), older than
    event ``before`` when given: the viewer pages by id, which stays fast on a long trail."""
    import datetime as dt

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


def audit_chain_head(*, user: User | None) -> AuditEvent | None:
    """The newest event: its hash is what to keep outside the database (docs/security.md)."""
    return audit_event_list(user=user).order_by("-id").first()


def audit_chain_verify(*, user: User | None, progress: Any = None) -> Verification:
    """Walk the whole audit trail in order and check its hash chain (administrators, operator)."""
    from vip.audit.chain import FIELDS, verify

    rows = audit_event_list(user=user).order_by("id").values(*FIELDS).iterator(chunk_size=5000)
    return verify(rows, progress)

"""Reading the audit trail (administrators only; the viewer comes with the security issue)."""

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


def audit_chain_verify(*, user: User | None, progress: Any = None) -> Verification:
    """Walk the whole audit trail in order and check its hash chain (administrators, operator)."""
    from vip.audit.chain import FIELDS, verify

    rows = audit_event_list(user=user).order_by("id").values(*FIELDS).iterator(chunk_size=5000)
    return verify(rows, progress)

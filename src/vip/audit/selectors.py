"""Reading the audit trail (administrators only; the viewer comes with the security issue)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.models import AuditEvent


def audit_event_list(*, user: User | None) -> QuerySet[AuditEvent]:
    if user is not None and user.role != User.Role.ADMIN:
        raise PermissionDenied(_("Only administrators read the audit trail."))
    return AuditEvent.objects.all()

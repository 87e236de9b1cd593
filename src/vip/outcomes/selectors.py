"""Reading outcomes: police and managers (peers see none; they are police records)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.outcomes.models import Outcome


def outcome_list(*, user: User | None) -> QuerySet[Outcome]:
    if user is not None and user.role not in {Role.POLICE, Role.MANAGER}:
        raise PermissionDenied(_("Outcomes are police records."))
    qs = Outcome.objects.select_related("person")
    if user is not None and user.role == Role.MANAGER:
        return qs.mask("notes")
    return qs

"""Reading people, as the viewer may see them.

- peer support workers: the people on their own caseload;
- police and program managers: everyone (identification needs it);
- analysts and administrators: no person-level data (analysts use
  de-identified exports and aggregates).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.people.models import Person


def person_list(*, user: User | None) -> QuerySet[Person]:
    qs = Person.objects.select_related("area")
    if user is None:
        return qs
    if not user.is_active:
        raise PermissionDenied("Inactive account.")
    if user.role == Role.PEER:
        return qs.filter(assigned_peer=user)
    if user.role in {Role.POLICE, Role.MANAGER}:
        return qs
    raise PermissionDenied("Your role does not see person-level records.")


def person_get(*, user: User | None, person_id: int) -> Person:
    """One person, or ``Person.DoesNotExist`` when the viewer may not see them (a 404, not a 403)."""
    return person_list(user=user).get(pk=person_id)

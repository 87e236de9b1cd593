"""Reading referrals: peers see their caseload's and those assigned to them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.people.models import Person
from vip.referrals.models import Referral


def referral_list(*, user: User | None) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("person", "area", "assigned_to")
    if user is None or user.role in {Role.MANAGER, Role.POLICE}:
        return qs
    if user.role == Role.PEER:
        # The caseload as a subquery, not a join: with the OR, a join makes PostgreSQL read
        # every person to find the forty on this caseload.
        caseload = Person.objects.filter(assigned_peer=user).values("pk")
        return qs.filter(Q(person__in=caseload) | Q(assigned_to=user))
    raise PermissionDenied(_("Your role does not see referrals."))

"""Reading referrals, as the access policy lets the reader see them (a peer worker: their
caseload's and those assigned to them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible
from vip.referrals.models import Referral


@selects(Referral)
def referral_list(*, user: Any, include_voided: bool = False) -> QuerySet[Referral]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(Referral.objects.select_related("person", "area", "assigned_to"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)

"""Reading outcomes (police records), as the access policy lets the reader see them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible
from vip.outcomes.models import Outcome


@selects(Outcome)
def outcome_list(*, user: Any, include_voided: bool = False) -> QuerySet[Outcome]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(Outcome.objects.select_related("person"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)

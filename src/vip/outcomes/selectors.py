"""Reading outcomes (police records), as the access policy lets the reader see them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible
from vip.outcomes.models import Outcome


@selects(Outcome)
def outcome_list(*, user: Any) -> QuerySet[Outcome]:
    return visible(Outcome.objects.select_related("person"), user)

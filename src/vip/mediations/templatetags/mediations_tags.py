"""The person's case file shows the mediations they took part in: ``{% mediations_card person %}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from vip.core.access import can
from vip.mediations.choices import PartyRole, topic_labels
from vip.mediations.models import Mediation
from vip.mediations.selectors import mediations_of_person, party_list, reading

register = template.Library()


@dataclass(frozen=True)
class CardRow:
    mediation: Mediation
    role: str
    topics: list[str]


@register.inclusion_tag("mediations/_card.html", takes_context=True)
def mediations_card(context: Any, person: Any) -> dict[str, Any]:
    """The mediations ``person`` took part in, as the reader may see them; nothing for a role that
    sees no parties (police never learn that a person was in a mediation)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or person is None:
        return {"card": None}
    try:
        mediations = list(mediations_of_person(user=user, person=person))
        roles = dict(
            party_list(user=user)
            .filter(person=person, mediation__in=[m.pk for m in mediations])
            .values_list("mediation_id", "role")
        )
    except PermissionDenied:
        return {"card": None}
    shown = reading(user)
    labels = dict(PartyRole.choices)
    rows = [
        CardRow(m, str(labels.get(roles.get(m.pk, ""), "")), topic_labels(m.topics) if shown.content else [])
        for m in mediations
    ]
    return {
        "card": {
            "rows": rows,
            "content": shown.content,
            "person_id": person.pk,
            "may_record": can(user, "mediation.record"),
        },
        "request": request,
    }

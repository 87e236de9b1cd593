"""The hospital referrals' card on the person's case file (``desk/person.html``): the person's
hospital referrals and bedside visits as the reader's role sees them, and nothing for a role that
sees none (police: the wall). Read through the selectors; the case file's own read is the one
audit event of its request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from vip.core.access import can
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.selectors import bedside_visit_list, hospital_referral_list

register = template.Library()


@dataclass(frozen=True)
class CardRow:
    record: HospitalReferral
    visits: list[BedsideVisit]


@register.inclusion_tag("hospital/_card.html", takes_context=True)
def hospital_card(context: template.Context, person: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"show": False}
    try:
        referrals = list(
            hospital_referral_list(user=user).filter(referral__person=person).order_by("-referral__received_on", "-pk")
        )
        visits = list(bedside_visit_list(user=user).filter(hospital_referral__in=[r.pk for r in referrals]))
    except PermissionDenied:
        return {"show": False}
    by_referral: dict[int, list[BedsideVisit]] = {}
    for visit in visits:
        by_referral.setdefault(visit.hospital_referral_id, []).append(visit)
    may_record = can(user, "hospital_referral.record", person)
    return {
        "show": bool(referrals) or may_record,
        "rows": [CardRow(r, by_referral.get(r.pk, [])) for r in referrals],
        "may_record": may_record,
        "person": person,
    }

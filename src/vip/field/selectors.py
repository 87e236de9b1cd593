"""What the peer app may keep on a phone: the peer's own caseload and the forms' choices.

Only the people on the reader's own caseload (never a referral merely offered to them, never
another peer's caseload), only what the field forms need to find and record them, and only
through the selectors, so nothing the access policy withholds from a peer (police records, legal
assessments) can be in it. docs/field-app.md lists every field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from vip.accounts.models import User
from vip.core.config import program_config, program_today
from vip.core.models import Area, in_language
from vip.people.selectors import alias_list, person_list

# The mediations a peer recorded in this many days travel with the caseload (to follow them up).
RECENT_MEDIATION_DAYS = 90


def _choices(model: Any, name: str) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in model._meta.get_field(name).choices]


def choices() -> dict[str, list[list[str]]]:
    """The forms' options, labelled in the reader's language."""
    from vip.casework.models import Contact
    from vip.mediations.choices import ConflictTopic
    from vip.mediations.models import Mediation
    from vip.notifications.choices import TeamRole
    from vip.notifications.models import NotificationAttempt
    from vip.safety_plans.models import SafetyCheckIn

    return {
        "attempt_outcome": _choices(NotificationAttempt, "outcome"),
        "team": [[str(v), str(label)] for v, label in TeamRole.choices],
        "contact_kind": _choices(Contact, "kind"),
        "check_in_status": _choices(SafetyCheckIn, "status"),
        "mediation_outcome": _choices(Mediation, "outcome"),
        "mediation_topic": [[str(v), str(label)] for v, label in ConflictTopic.choices],
        "area": [
            [a.code, in_language(a.name, a.name_es)] for a in Area.objects.filter(active=True).order_by("report_order")
        ],
    }


def caseload(*, user: User) -> dict[str, Any]:
    """The snapshot the app keeps (encrypted) on the phone: the reader's caseload."""
    from vip.mediations.selectors import mediation_list
    from vip.notifications.selectors import notification_list
    from vip.safety_plans.selectors import safety_plan_list

    people = list(
        person_list(user=user)
        .filter(assigned_peer=user)
        .select_related("area")
        .order_by("last_name", "first_name", "pk")
    )
    ids = [p.pk for p in people]
    nicknames: dict[int, list[str]] = {}
    for alias in alias_list(user=user).filter(person_id__in=ids).order_by("pk"):
        spoken = alias.name or " ".join(n for n in (alias.first_name, alias.last_name) if n)
        if spoken:
            nicknames.setdefault(alias.person_id, []).append(spoken)
    plans: dict[int, list[dict[str, Any]]] = {}
    for plan in notification_list(user=user).filter(person_id__in=ids, status="planned").order_by("planned_on"):
        plans.setdefault(plan.person_id, []).append({"id": plan.pk, "planned_on": plan.planned_on.isoformat()})
    safety = {
        plan.person_id: {"version": plan.version, "current": plan.current}
        for plan in safety_plan_list(user=user).filter(person_id__in=ids)
    }
    since = program_today() - dt.timedelta(days=RECENT_MEDIATION_DAYS)
    mediations = [
        _mediation(m)
        for m in mediation_list(user=user)
        .filter(recorded_by=user, occurred_on__gte=since)
        .select_related("area")
        .order_by("-occurred_on", "-pk")[:50]
    ]
    return {
        "generated_at": timezone.now().isoformat(),
        "people": [
            {
                "id": p.pk,
                "name": " ".join(n for n in (p.first_name, p.last_name) if n),
                "nicknames": nicknames.get(p.pk, []),
                "phone": p.phone,
                "address": p.address,
                "area": in_language(p.area.name, p.area.name_es) if p.area else "",
                "plans": plans.get(p.pk, []),
                "safety_plan": safety.get(p.pk),
            }
            for p in people
        ],
        "mediations": mediations,
        "choices": choices(),
        "offline_hours": program_config().field_work.offline_hours,
    }


def _mediation(mediation: Any) -> dict[str, Any]:
    return {
        "id": mediation.pk,
        "occurred_on": mediation.occurred_on.isoformat(),
        "area": in_language(mediation.area.name, mediation.area.name_es) if mediation.area else "",
        "outcome": mediation.outcome,
        "outcome_label": str(mediation.get_outcome_display()),
        "summary": mediation.summary,
        "version": mediation.version,
    }


def mediation_view(*, user: User, mediation_id: int) -> dict[str, Any]:
    """A mediation as the reader sees it now (a conflict shows it next to the peer's change)."""
    from vip.mediations.selectors import mediation_list

    found = mediation_list(user=user).select_related("area").filter(pk=mediation_id).first()
    return _mediation(found) if found is not None else {}

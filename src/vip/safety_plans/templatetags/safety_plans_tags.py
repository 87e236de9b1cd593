"""The safety plan card of the person page (desk/person.html): what the reader's role sees of the
person's plan, and nothing for a role that sees no safety plans."""

from __future__ import annotations

from typing import Any

from django import template

from vip.core.access import can, sees
from vip.people.models import Person
from vip.safety_plans.models import SafetyPlan
from vip.safety_plans.selectors import check_in_overdue, safety_plan_of, safety_plan_people

register = template.Library()


@register.inclusion_tag("safety_plans/_card.html", takes_context=True)
def safety_plans_card(context: dict[str, Any], person: Person) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Nothing for a visitor, a role that sees no plans, or a person whose plans are not the reader's
    # (a peer worker offered a referral sees the person, not their plan).
    if user is None or not user.is_authenticated or not sees(user, SafetyPlan):
        return {"card": None, "person": person}
    if not safety_plan_people(user=user).filter(pk=person.pk).exists():
        return {"card": None, "person": person}
    plan = safety_plan_of(user=user, person=person)
    overdue = plan is not None and check_in_overdue(plan)
    card = {
        "plan": plan,
        "overdue": overdue,
        "may_write": can(user, "safety_plan.write", person),
        "may_check_in": plan is not None and can(user, "safety_plan.check_in", person),
    }
    return {"card": card, "person": person}

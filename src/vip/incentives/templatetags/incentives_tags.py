"""The incentives' template tags: amounts in dollars, and the case file's card of a person's
incentives (``{% incentives_card person %}``): what the reader's role sees of them, nothing when it
sees none."""

from __future__ import annotations

from typing import Any

from django import template

from vip.core.access import can, sees
from vip.core.config import program_today
from vip.incentives import figures
from vip.incentives.forms import ProposeForm
from vip.incentives.models import Incentive
from vip.incentives.selectors import incentive_list, net_paid

register = template.Library()


@register.filter
def dollars(cents: Any) -> str:
    """Cents as dollars: ``2500`` -> ``$25.00``."""
    if cents is None or cents == "":
        return "—"
    return figures.dollars(int(cents))


@register.filter
def signed_dollars(cents: Any) -> str:
    """A ledger's amount: ``-2500`` -> ``-$25.00``, ``2500`` -> ``+$25.00``."""
    return figures.dollars(int(cents), signed=True)


@register.inclusion_tag("incentives/_card.html", takes_context=True)
def incentives_card(context: template.Context, person: Any) -> dict[str, Any]:
    """The person's incentives and what they were paid net, as the reader sees them; the form to
    propose one where the reader may."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not sees(user, Incentive):
        return {"show": False}
    known = figures.milestones()
    incentives = list(incentive_list(user=user).filter(person=person).order_by("-reached_on", "-pk"))
    paid = net_paid(user=user, incentive_ids=[i.pk for i in incentives])
    may_propose = bool(known) and can(user, "incentive.propose", person)
    return {
        "show": True,
        "request": request,
        "person": person,
        "rows": [(i, figures.milestone_name(i.milestone, known), paid.get(i.pk, 0)) for i in incentives],
        "paid_total": sum(paid.values()),
        "form": ProposeForm(
            milestones=known, compact=True, auto_id="incentive-%s", initial={"reached_on": program_today()}
        )
        if may_propose
        else None,
    }

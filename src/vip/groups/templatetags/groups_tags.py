"""The case file's card of groups and call-ins (desk/person.html: ``{% groups_card person %}``)."""

from __future__ import annotations

from typing import Any

from django import template

from vip.core.access import can, sees
from vip.groups.models import CallInAttendance, GroupMembership
from vip.groups.selectors import person_groups

register = template.Library()


@register.inclusion_tag("groups/_card.html", takes_context=True)
def groups_card(context: template.Context, person: Any) -> dict[str, Any]:
    """The groups the person is or was in and the call-ins they were invited to, as the reader's
    role sees them; nothing at all for a role that sees none of it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (sees(user, GroupMembership) or sees(user, CallInAttendance)):
        return {"card": None, "person": person}
    found = person_groups(user=user, person=person)
    may_add = can(user, "group.member_add", person)
    if not found and not may_add:
        return {"card": None, "person": person}
    return {
        "person": person,
        "card": {"found": found, "may_add": may_add, "sees_memberships": sees(user, GroupMembership)},
    }

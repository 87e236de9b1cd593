"""What the home page shows each role, read through the domain selectors (so the wall holds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.core.dates import Month


@dataclass
class HomeSummary:
    caseload: list[Any] = field(default_factory=list)
    referrals_to_act_on: list[Any] = field(default_factory=list)
    notifications_planned: list[Any] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    shows_people: bool = False


def home_summary(*, user: User, today: dt.date, horizon: dt.date) -> HomeSummary:
    from vip.notifications.selectors import attempt_list, notification_list
    from vip.people.selectors import person_list
    from vip.referrals.selectors import referral_list

    summary = HomeSummary()
    if user.role not in {Role.PEER, Role.POLICE, Role.MANAGER}:
        return summary  # analysts and administrators see no person-level data
    summary.shows_people = True
    if user.role == Role.PEER:
        summary.caseload = list(person_list(user=user).order_by("last_name", "first_name")[:50])
    summary.referrals_to_act_on = list(
        referral_list(user=user)
        .filter(~Q(status="closed"))
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True) if user.role == Role.MANAGER else Q(assigned_to=user))
        .order_by("received_on")[:20]
    )
    summary.notifications_planned = list(
        notification_list(user=user).filter(status="planned", planned_on__lte=horizon).order_by("planned_on")[:20]
    )
    month = Month.of(today)
    delivered = attempt_list(user=user).filter(
        outcome="delivered", attempted_on__gte=month.first_day, attempted_on__lte=month.last_day
    )
    summary.figures = {
        "notifications_delivered": delivered.values("person_id", "attempted_on").distinct().count(),
        "referrals_received": referral_list(user=user)
        .filter(received_on__gte=month.first_day, received_on__lte=month.last_day)
        .count(),
        "attempts": attempt_list(user=user)
        .filter(attempted_on__gte=month.first_day, attempted_on__lte=month.last_day)
        .aggregate(n=Count("id"))["n"],
    }
    return summary

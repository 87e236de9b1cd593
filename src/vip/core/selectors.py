"""What the home page shows each role, read through the domain selectors (so the wall holds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.core.dates import Month

# A follow-up is due when its date falls within the home page's horizon; one more than this many
# days late is taken as dropped and leaves the page (the shooting review keeps it).
FOLLOW_UP_OVERDUE_DAYS = 30
# A peer worker's follow-ups: people on the caseload without a contact in this many days, and
# service referrals still waiting to connect after this many days.
CONTACT_GAP_DAYS = 14
SERVICE_WAIT_DAYS = 14
CASELOAD_SHOWN = 50


@dataclass(frozen=True)
class FollowUp:
    due_on: dt.date | None  # None: due now (no contact ever recorded)
    person: Any
    what: str
    overdue: bool = False


@dataclass
class HomeSummary:
    caseload: list[Any] = field(default_factory=list)
    caseload_size: int = 0
    follow_ups: list[FollowUp] = field(default_factory=list)
    referrals_to_act_on: list[Any] = field(default_factory=list)
    notifications_planned: list[Any] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    shows_people: bool = False

    def people_shown(self) -> list[int]:
        """The ids of the people the page names (for the audit of the read)."""
        ids = {p.pk for p in self.caseload} | {f.person.pk for f in self.follow_ups}
        ids |= {r.person_id for r in self.referrals_to_act_on} | {n.person_id for n in self.notifications_planned}
        return sorted(ids)


def home_summary(*, user: User, today: dt.date, horizon: dt.date) -> HomeSummary:
    from vip.notifications.selectors import attempt_list, notification_list
    from vip.people.selectors import person_list
    from vip.referrals.selectors import referral_list

    summary = HomeSummary()
    if user.role not in {Role.PEER, Role.POLICE, Role.MANAGER}:
        return summary  # analysts and administrators see no person-level data
    summary.shows_people = True
    if user.role == Role.PEER:
        # The whole caseload is read once, with only what the page shows: the follow-ups look
        # at everyone on it, the page lists the first CASELOAD_SHOWN.
        caseload = list(
            person_list(user=user)
            .only("first_name", "middle_name", "last_name", "area__name", "assigned_peer_id")
            .order_by("last_name", "first_name", "pk")
        )
        summary.caseload = caseload[:CASELOAD_SHOWN]
        summary.caseload_size = len(caseload)
    else:
        caseload = []
    summary.follow_ups = _follow_ups(user=user, today=today, horizon=horizon, caseload=caseload)
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


def _follow_ups(*, user: User, today: dt.date, horizon: dt.date, caseload: list[Any]) -> list[FollowUp]:
    """What this user has said they would do, or should do next, soonest first.

    Police and managers: shooting-review follow-ups owned by them (managers also those nobody
    owns) due by the horizon. Peer workers, as of today: people on their caseload without a
    contact for CONTACT_GAP_DAYS, and their service referrals waiting to connect for
    SERVICE_WAIT_DAYS.
    """
    from vip.casework.selectors import contact_list
    from vip.core.config import program_zone
    from vip.core.dates import local_date
    from vip.identification.selectors import review_identification_list
    from vip.service_referrals.selectors import service_referral_list

    items: list[FollowUp] = []
    if user.role in {Role.POLICE, Role.MANAGER}:
        mine = (
            Q(follow_up_owner=user) | Q(follow_up_owner__isnull=True)
            if user.role == Role.MANAGER
            else Q(follow_up_owner=user)
        )
        for row in (
            review_identification_list(user=user)
            .filter(
                mine, follow_up_by__lte=horizon, follow_up_by__gte=today - dt.timedelta(days=FOLLOW_UP_OVERDUE_DAYS)
            )
            .order_by("follow_up_by", "pk")[:20]
        ):
            items.append(
                FollowUp(
                    row.follow_up_by,
                    row.person,
                    _("Shooting review of %(day)s: %(task)s")
                    % {"day": row.review.held_on.isoformat(), "task": row.follow_up or row.get_decision_display()},
                    overdue=row.follow_up_by is not None and row.follow_up_by < today,
                )
            )
    if user.role == Role.PEER:
        contacted = dict(
            contact_list(user=user)
            .values("person_id")
            .annotate(last=Max("contacted_at"))
            .values_list("person_id", "last")
        )
        gap = dt.timedelta(days=CONTACT_GAP_DAYS)
        zone = program_zone()
        for person in caseload:
            last = contacted.get(person.pk)
            last_day = local_date(last, zone) if last else None
            if last_day is None or last_day + gap <= today:
                due = last_day + gap if last_day else None
                what = (
                    _("No contact recorded yet")
                    if last_day is None
                    else _("Last contact %(day)s") % {"day": last_day.isoformat()}
                )
                items.append(FollowUp(due, person, what, overdue=due is not None and due < today))
        waiting = dt.timedelta(days=SERVICE_WAIT_DAYS)
        for referral in (
            service_referral_list(user=user)
            .filter(status="referred", referred_on__lte=today - waiting)
            .select_related("category")
            .order_by("referred_on")[:20]
        ):
            due = referral.referred_on + waiting
            items.append(
                FollowUp(
                    due,
                    referral.person,
                    _("%(category)s referral not connected since %(day)s")
                    % {"category": referral.category.name, "day": referral.referred_on.isoformat()},
                    overdue=due < today,
                )
            )
    items.sort(key=lambda f: (f.due_on or dt.date.min, str(f.person)))
    return items[:30]

"""Reading safety plans, as the access policy lets the reader see them.

A peer support worker sees the plans and check-ins of the people on their caseload, in full; a
manager sees every plan, its version numbers and days and the check-ins' statuses, never the
sections or notes (case content); police, analysts and everyone else see none of it
(``vip.core.access.policy``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from vip.core.access import Rows, rows, selects, visible
from vip.people.models import Person
from vip.people.selectors import person_list
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion

# A plan whose person was not checked in with for this many days is overdue for a check-in.
CHECK_IN_DUE_DAYS = 30


@selects(SafetyPlan)
def safety_plan_list(*, user: Any) -> QuerySet[SafetyPlan]:
    """The plans the reader sees, each with its person, the day of the version in force
    (``current_written_on``) and the last check-in that stands (``last_check_in_at``,
    ``last_check_in_status``; None when there is none)."""
    last = SafetyCheckIn.objects.filter(plan=OuterRef("pk"), voided_at__isnull=True).order_by("-checked_at", "-id")
    written = SafetyPlanVersion.objects.filter(plan=OuterRef("pk"), number=OuterRef("current"))
    return visible(SafetyPlan.objects.select_related("person"), user).annotate(
        last_check_in_at=Subquery(last.values("checked_at")[:1]),
        last_check_in_status=Subquery(last.values("status")[:1]),
        current_written_on=Subquery(written.values("written_on")[:1]),
    )


def safety_plan_of(*, user: Any, person: Person) -> SafetyPlan | None:
    """The person's plan as the reader sees it (None: no plan, or not one the reader sees)."""
    return safety_plan_list(user=user).filter(person=person).first()


@selects(SafetyPlanVersion)
def safety_plan_version_list(*, user: Any) -> QuerySet[SafetyPlanVersion]:
    """Every version of the plans the reader sees (a manager: without their sections)."""
    return visible(SafetyPlanVersion.objects.all(), user)


def safety_plan_versions(*, user: Any, plan: SafetyPlan) -> QuerySet[SafetyPlanVersion]:
    """The versions of one plan, newest first."""
    return safety_plan_version_list(user=user).filter(plan=plan).order_by("-number")


@selects(SafetyCheckIn)
def safety_check_in_list(*, user: Any, include_voided: bool = False) -> QuerySet[SafetyCheckIn]:
    """The check-ins the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(SafetyCheckIn.objects.all(), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(Person)
def safety_plan_people(*, user: Any) -> QuerySet[Person]:
    """The people whose safety plans are the reader's to see, with a plan or not yet: a peer
    worker's caseload, everyone for a manager (the policy's rows of safety plans). Refuses a
    role that sees no safety plans."""
    scope = rows(user, SafetyPlan)
    visible(SafetyPlan.objects.none(), user)  # refuses, with the policy's reason, a role that sees none
    people = person_list(user=user)
    if scope == Rows.CASELOAD:
        return people.filter(assigned_peer=user)
    if scope == Rows.ALL:
        return people
    # Any other scope the policy may give: only the people whose plan the reader sees.
    return people.filter(pk__in=visible(SafetyPlan.objects.all(), user).values("person_id"))


def people_without_plan(*, user: Any) -> QuerySet[Person]:
    """The people on a caseload (the reader's own, for a peer worker) who have no safety plan yet."""
    return safety_plan_people(user=user).filter(assigned_peer__isnull=False, safety_plan__isnull=True)


def check_in_due_since(now: dt.datetime | None = None) -> dt.datetime:
    """A plan not checked in on since this moment is overdue."""
    return (now or timezone.now()) - dt.timedelta(days=CHECK_IN_DUE_DAYS)


def check_in_overdue(plan: SafetyPlan, since: dt.datetime | None = None) -> bool:
    """Is a plan of ``safety_plan_list`` overdue for a check-in (none that stands since ``since``)?"""
    last: dt.datetime | None = getattr(plan, "last_check_in_at", None)
    return last is None or last < (since or check_in_due_since())

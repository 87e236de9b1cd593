"""Reading hospital referrals and bedside visits, as the access policy lets the reader see them.

A peer worker sees the hospital referrals of their caseload and those whose referral is assigned
to them, with the visits; a manager sees every one, without the clinical notes (health details,
consent only) or what was said at a visit (peer support); police and everyone else see none of it
(``vip.core.access.policy``)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Min, QuerySet

from vip.core.access import selects, visible
from vip.core.config import program_zone
from vip.core.dates import make_aware_local
from vip.hospital.models import BedsideVisit, HospitalReferral


@selects(HospitalReferral)
def hospital_referral_list(*, user: Any, include_voided: bool = False) -> QuerySet[HospitalReferral]:
    """The hospital referrals the reader sees; voided ones only with ``include_voided``."""
    found = visible(
        HospitalReferral.objects.select_related(
            "referral", "referral__person", "referral__assigned_to", "recorded_by"
        ).order_by("-referral__received_on", "-pk"),
        user,
    )
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(HospitalReferral)
def hospital_referral_records(*, user: Any) -> QuerySet[HospitalReferral]:
    """Every hospital referral the reader sees, voided ones too (a record's own page shows it again)."""
    return hospital_referral_list(user=user, include_voided=True)


def hospital_referral_get(*, user: Any, hospital_referral_id: int) -> HospitalReferral:
    """One hospital referral the reader sees (voided or not); ``DoesNotExist`` otherwise."""
    return hospital_referral_records(user=user).get(pk=hospital_referral_id)


@selects(BedsideVisit)
def bedside_visit_list(*, user: Any, include_voided: bool = False) -> QuerySet[BedsideVisit]:
    """The bedside visits the reader sees, oldest first; voided ones only with ``include_voided``."""
    found = visible(BedsideVisit.objects.select_related("by", "hospital_referral").order_by("attempted_at", "pk"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(BedsideVisit)
def bedside_visit_records(*, user: Any) -> QuerySet[BedsideVisit]:
    """Every bedside visit the reader sees, voided ones too."""
    return bedside_visit_list(user=user, include_voided=True)


# --- time to the first bedside visit -----------------------------------------------------------


def hours_to_visit(received_on: dt.date, visited_at: dt.datetime, zone: ZoneInfo) -> float:
    """Hours from the start of the day the referral was received (midnight in the program's time
    zone: a referral carries its day, not its hour) to a visit."""
    start = make_aware_local(dt.datetime.combine(received_on, dt.time.min), zone)
    # In UTC: two moments of one zone subtract as wall-clock times (a day of 25 hours would say 24).
    return (visited_at.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() / 3600


@dataclass(frozen=True)
class FirstVisits:
    """The first (not voided) bedside visit of each referral, as the reader sees the visits."""

    at: dict[int, dt.datetime]  # referral id -> the first visit's moment
    hours: dict[int, float]  # referral id -> hours from its day received

    def median(self) -> float | None:
        return statistics.median(self.hours.values()) if self.hours else None


def first_visits(*, user: Any, referrals: QuerySet[HospitalReferral] | Iterable[HospitalReferral]) -> FirstVisits:
    """The first bedside visit of each of ``referrals`` (a queryset of those the reader sees, or the
    records themselves), read through the visits' selector."""
    if isinstance(referrals, QuerySet):
        received = dict(referrals.order_by().values_list("pk", "referral__received_on"))
        which: Any = referrals.order_by().values("pk")
    else:
        received = {r.pk: r.referral.received_on for r in referrals}
        which = list(received)
    if not received:
        return FirstVisits({}, {})
    rows = (
        bedside_visit_list(user=user)
        .filter(hospital_referral__in=which)
        .order_by()
        .values("hospital_referral")
        .annotate(first=Min("attempted_at"))
    )
    at = {row["hospital_referral"]: row["first"] for row in rows}
    zone = program_zone()
    return FirstVisits(at, {pk: round(hours_to_visit(received[pk], moment, zone), 1) for pk, moment in at.items()})

"""Reading police data and candidates, as the access policy lets the reader see them: the
police side and managers only.

Raw incident records never reach peer support workers. Candidates are read one by one for
outreach by program managers; police propose them but never hold the list (row 29).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from vip.core.access import can, selects, visible
from vip.identification.choices import CandidateStatus, Hand
from vip.identification.models import (
    Candidate,
    CandidateHand,
    CandidateReason,
    CriteriaVersion,
    DisparityRun,
    Incident,
    Involvement,
    ReviewedIncident,
    ReviewIdentification,
    ShootingReview,
)


@selects(Incident)
def incident_list(*, user: Any) -> QuerySet[Incident]:
    return visible(Incident.objects.select_related("area"), user)


@selects(ShootingReview)
def shooting_review_list(*, user: Any) -> QuerySet[ShootingReview]:
    return visible(ShootingReview.objects.all(), user)


def reviewed_incident_list(*, user: Any) -> QuerySet[ReviewedIncident]:
    return visible(ReviewedIncident.objects.select_related("incident"), user)


@selects(ReviewIdentification)
def review_identification_list(*, user: Any) -> QuerySet[ReviewIdentification]:
    """People identified at shooting reviews, with the decisions and follow-ups (police side)."""
    return visible(ReviewIdentification.objects.select_related("person", "review", "follow_up_owner"), user)


@selects(Candidate)
def candidate_list(*, user: Any) -> QuerySet[Candidate]:
    """Every candidacy with its person: program managers only (police propose, never hold the list)."""
    return visible(Candidate.objects.select_related("person", "proposed_by", "decided_by", "revalidated_by"), user)


def candidate_reason_list(*, user: Any) -> QuerySet[CandidateReason]:
    return visible(CandidateReason.objects.all(), user)


def candidate_proposer_list(*, user: Any, candidate: Candidate) -> QuerySet[CandidateHand]:
    """The accounts that proposed a candidacy, by any path (row 44: none of them decides it)."""
    found = CandidateHand.objects.filter(candidate=candidate, part=Hand.PROPOSED).select_related("account")
    return visible(found.order_by("at", "pk"), user)


def outreach_candidates(*, user: Any, today: dt.date) -> QuerySet[Candidate]:
    """Approved, unexpired candidates: the list notification planning works from (managers)."""
    return visible(
        Candidate.objects.filter(status=CandidateStatus.APPROVED, expires_on__gte=today).select_related("person"),
        user,
    )


def criteria_version_list(*, user: Any) -> QuerySet[CriteriaVersion]:
    """Every published version of the criteria: published to every staff member."""
    return visible(CriteriaVersion.objects.select_related("published_by"), user)


def involvement_list(*, user: Any) -> QuerySet[Involvement]:
    """Who was involved in which incident (police records: police officers and managers)."""
    return visible(Involvement.objects.select_related("person", "incident"), user)


def review_people(*, user: Any, review: ShootingReview) -> list[Involvement]:
    """The people involved in the incidents a review discussed: offered when naming who it identified."""
    incidents = reviewed_incident_list(user=user).filter(review=review).values("incident_id")
    return list(
        involvement_list(user=user)
        .filter(incident_id__in=incidents)
        .order_by("incident__occurred_on", "incident__key", "role", "person__last_name", "pk")
    )


@selects(DisparityRun)
def disparity_run_list(*, user: Any) -> QuerySet[DisparityRun]:
    """The disparity reports the task queue computed that ``user`` may open again: their own (a
    manager: every one), and an official edition only to who may read one (an analyst never,
    even one they asked for as a manager before their role changed)."""
    runs = visible(DisparityRun.objects.all(), user)
    if not can(user, "disparity.official"):
        runs = runs.filter(audience=DisparityRun.Audience.PUBLIC)
    return runs

"""Reading police data and candidates: the police side and managers only.

Raw incident records never reach peer support workers. Candidates are read
one by one for outreach; there is no bulk export of them to police.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.identification.choices import CandidateStatus
from vip.identification.models import Candidate, Incident, ReviewIdentification, ShootingReview


def _police_side(user: User | None) -> None:
    if user is not None and user.role not in {Role.POLICE, Role.MANAGER}:
        raise PermissionDenied(_("Police records are for the program's police officers and managers."))


def incident_list(*, user: User | None) -> QuerySet[Incident]:
    _police_side(user)
    return Incident.objects.select_related("area")


def shooting_review_list(*, user: User | None) -> QuerySet[ShootingReview]:
    _police_side(user)
    return ShootingReview.objects.all()


def review_identification_list(*, user: User | None) -> QuerySet[ReviewIdentification]:
    """People identified at shooting reviews, with the decisions and follow-ups (police side)."""
    _police_side(user)
    return ReviewIdentification.objects.select_related("person", "review", "follow_up_owner")


def _managers(user: User | None) -> None:
    if user is not None and user.role != Role.MANAGER:
        raise PermissionDenied(_("Candidates are reviewed by the program's managers."))


def candidate_list(*, user: User | None) -> QuerySet[Candidate]:
    """Every candidacy with its person: program managers only (police propose, never hold the list)."""
    _managers(user)
    return Candidate.objects.select_related("person", "proposed_by", "decided_by", "revalidated_by")


def outreach_candidates(*, user: User | None, today: dt.date) -> QuerySet[Candidate]:
    """Approved, unexpired candidates: the list notification planning works from (managers)."""
    _managers(user)
    return Candidate.objects.filter(status=CandidateStatus.APPROVED, expires_on__gte=today).select_related("person")

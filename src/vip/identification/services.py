"""Police data and identification: incidents, shooting reviews, candidates.

Candidates are for outreach, never enforcement: each carries reasons tied to
source records, is approved or declined by a person other than the proposer,
with a reason, and expires unless re-validated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role, require_role
from vip.audit.services import Actor, audit_record
from vip.core.config import program_config
from vip.core.dates import local_date
from vip.core.models import Area
from vip.core.services_base import audited_create, audited_update
from vip.identification.choices import CandidateStatus
from vip.identification.models import (
    Candidate,
    CandidateReason,
    Incident,
    Involvement,
    ReviewedIncident,
    ReviewIdentification,
    ShootingReview,
)
from vip.people.models import Person

POLICE_SIDE = {Role.POLICE, Role.MANAGER}


@transaction.atomic
def incident_record(
    *,
    actor: Actor,
    key: str,
    occurred_at: dt.datetime,
    type: str,
    area: Area | None = None,
    address: str = "",
) -> Incident:
    require_role(actor, {Role.POLICE, Role.INTEGRATION}, _("record incidents"))
    if occurred_at.tzinfo is None:
        raise ValidationError("occurred_at must carry its time zone")
    return audited_create(
        actor=actor,
        model=Incident,
        action="incident.record",
        values={
            "key": key,
            "occurred_on": local_date(occurred_at, program_config().zone),
            "occurred_at": occurred_at,
            "type": type,
            "area": area,
            "address": address,
        },
    )


@transaction.atomic
def involvement_add(*, actor: Actor, incident: Incident, person: Person, role: str) -> Involvement:
    require_role(actor, {Role.POLICE, Role.INTEGRATION}, _("record involvements"))
    return audited_create(
        actor=actor,
        model=Involvement,
        action="incident.involvement_add",
        values={"incident": incident, "person": person, "role": role},
    )


@transaction.atomic
def shooting_review_create(
    *, actor: Actor, held_on: dt.date, agencies_present: str = "", summary: str = ""
) -> ShootingReview:
    require_role(actor, POLICE_SIDE, _("record shooting reviews"))
    return audited_create(
        actor=actor,
        model=ShootingReview,
        action="shooting_review.create",
        values={"held_on": held_on, "chaired_by": actor, "agencies_present": agencies_present, "summary": summary},
    )


@transaction.atomic
def review_incident_add(
    *, actor: Actor, review: ShootingReview, incident: Incident, discussion: str = ""
) -> ReviewedIncident:
    require_role(actor, POLICE_SIDE, _("record shooting reviews"))
    return audited_create(
        actor=actor,
        model=ReviewedIncident,
        action="shooting_review.incident_add",
        values={"review": review, "incident": incident, "discussion": discussion},
    )


@transaction.atomic
def review_identify(
    *,
    actor: Actor,
    review: ShootingReview,
    person: Person,
    role: str,
    decision: str,
    incident: Incident | None = None,
    follow_up: str = "",
    follow_up_by: dt.date | None = None,
    follow_up_owner: User | None = None,
) -> ReviewIdentification:
    """A person identified at the review, with their role and the decision taken."""
    require_role(actor, POLICE_SIDE, _("record shooting reviews"))
    return audited_create(
        actor=actor,
        model=ReviewIdentification,
        action="shooting_review.identify",
        values={
            "review": review,
            "person": person,
            "incident": incident,
            "role": role,
            "decision": decision,
            "follow_up": follow_up,
            "follow_up_by": follow_up_by,
            "follow_up_owner": follow_up_owner,
        },
    )


@dataclass(frozen=True)
class Reason:
    criterion: str
    text: str
    source_type: str
    source_id: str


@transaction.atomic
def candidate_propose(*, actor: Actor, person: Person, reasons: list[Reason], criteria_version: str = "") -> Candidate:
    """Propose a person for a custom notification. At least one reason tied to a source record."""
    require_role(actor, POLICE_SIDE | {Role.PEER}, _("propose candidates"))
    if not reasons:
        raise ValidationError(_("A candidate needs at least one reason tied to a source record."))
    for reason in reasons:
        if not (reason.text.strip() and reason.source_type and reason.source_id):
            raise ValidationError(_("Every reason needs its text and the record it rests on."))
    candidate = audited_create(
        actor=actor,
        model=Candidate,
        action="candidate.propose",
        values={
            "person": person,
            "proposed_at": timezone.now(),
            "proposed_by": actor,
            "criteria_version": criteria_version,
        },
    )
    CandidateReason.objects.bulk_create(
        CandidateReason(
            candidate=candidate,
            criterion=r.criterion,
            text=r.text,
            source_type=r.source_type,
            source_id=r.source_id,
        )
        for r in reasons
    )
    return candidate


@transaction.atomic
def candidate_decide(*, actor: User, candidate: Candidate, approve: bool, reason: str) -> Candidate:
    """Approve or decline a proposed candidate: by a person other than the proposer, with a reason."""
    require_role(actor, POLICE_SIDE, _("decide on candidates"))
    if candidate.status != CandidateStatus.PROPOSED:
        raise ValidationError(
            _("This candidate is already %(status)s.") % {"status": candidate.get_status_display().lower()}
        )
    if candidate.proposed_by_id is not None and candidate.proposed_by_id == actor.pk:
        raise ValidationError(_("The person who proposed a candidate cannot also approve or decline it."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the decision."))
    config = program_config()
    today = local_date(timezone.now(), config.zone)
    return audited_update(
        actor=actor,
        instance=candidate,
        action="candidate.approve" if approve else "candidate.decline",
        values={
            "status": CandidateStatus.APPROVED if approve else CandidateStatus.DECLINED,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_reason": reason.strip(),
            "expires_on": today + dt.timedelta(days=config.candidate_expiry_days) if approve else None,
        },
    )


@transaction.atomic
def candidates_expire(*, actor: Actor, today: dt.date) -> int:
    """Expire approved candidates whose approval ran out (not re-validated in time)."""
    require_role(actor, {Role.MANAGER}, _("expire candidates"))
    due = list(
        Candidate.objects.filter(status=CandidateStatus.APPROVED, expires_on__lt=today).values_list("pk", flat=True)
    )
    if due:
        Candidate.objects.filter(pk__in=due).update(status=CandidateStatus.EXPIRED, updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="candidate.expire",
            object_type="identification.candidate",
            object_id=",".join(str(pk) for pk in due[:500]),
            changes={"count": len(due), "as_of": today.isoformat()},
        )
    return len(due)

"""Law-enforcement data and identification: incidents, who was involved, the weekly
shooting review, and outreach candidates (reviewed, explained, expiring)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.identification.choices import (
    CandidateStatus,
    Hand,
    IncidentType,
    InvolvementRole,
    ProposalPath,
    ReviewDecision,
    ReviewRole,
)
from vip.people.models import Person

POLICE = Sensitivity.POLICE


class Incident(TimeStampedModel):
    """A police incident (raw police record: never shown to peer support workers)."""

    key = models.CharField(max_length=100, unique=True, help_text="E.g. the police case number.")
    # The local calendar day always; the moment too when the source gave a time.
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    type = models.CharField(max_length=30, choices=IncidentType.choices)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200, blank=True)

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY, "address": POLICE}

    class Meta:
        indexes = [models.Index(fields=["occurred_on"]), models.Index(fields=["type", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.key} ({self.occurred_on})"


class Involvement(TimeStampedModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(max_length=20, choices=InvolvementRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person", "role"], name="involvement_unique_triple")]
        indexes = [models.Index(fields=["person", "role"])]


class ShootingReview(TimeStampedModel):
    """The weekly multi-agency meeting that reviews recent shootings."""

    held_on = models.DateField()
    chaired_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agencies_present = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    incidents: models.ManyToManyField[Incident, ReviewedIncident] = models.ManyToManyField(
        Incident, through="ReviewedIncident", related_name="reviews"
    )

    SENSITIVE_FIELDS = {"summary": POLICE}

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"Shooting review of {self.held_on}"


class ReviewedIncident(TimeStampedModel):
    review = models.ForeignKey(ShootingReview, on_delete=models.CASCADE, related_name="reviewed_incidents")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    discussion = models.TextField(blank=True)

    SENSITIVE_FIELDS = {"discussion": POLICE}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "incident"], name="reviewed_incident_once")]


class ReviewIdentification(TimeStampedModel):
    """A person identified at a shooting review, their role, and what was decided."""

    review = models.ForeignKey(ShootingReview, on_delete=models.CASCADE, related_name="identifications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="review_identifications")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=30, choices=ReviewRole.choices)
    decision = models.CharField(max_length=30, choices=ReviewDecision.choices)
    follow_up = models.TextField(blank=True)
    follow_up_by = models.DateField(null=True, blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    SENSITIVE_FIELDS = {"follow_up": POLICE}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "person", "role"], name="review_identification_once")]


class Candidate(TimeStampedModel):
    """A person proposed for a custom notification. Outreach only, never enforcement.

    A candidate is proposed (by the criteria or by a person) with reasons, and
    approved or declined by a different person; an approval expires.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="candidacies")
    status = models.CharField(max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.PROPOSED)
    proposed_at = models.DateTimeField()
    # Empty when the published criteria proposed the candidate.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    criteria_version = models.CharField(max_length=30, blank=True)
    # The criterion of its first reason (the criteria write their reasons in published order;
    # 'manual' for a person's proposal): what the evaluation's comparison group is matched on.
    first_criterion = models.CharField(max_length=60, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    # The review queue's ordering: the sum of the published weights of the criteria met.
    score = models.PositiveSmallIntegerField(default=0)
    # The last time a manager confirmed that an approval still holds (extends expires_on).
    revalidated_on = models.DateField(null=True, blank=True)
    revalidated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SENSITIVE_FIELDS = {"decision_reason": POLICE}

    class Meta:
        indexes = [models.Index(fields=["status", "expires_on"])]
        constraints = [
            # The approver is never the proposer.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | models.Q(proposed_by__isnull=True)
                | ~models.Q(decided_by=models.F("proposed_by")),
                name="candidate_not_self_decided",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "expired"])
                | (models.Q(decided_by__isnull=False) & ~models.Q(decision_reason="")),
                name="candidate_decision_has_reason",
            ),
        ]


class CandidateReason(TimeStampedModel):
    """One human-readable reason, tied to the record it rests on."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="reasons")
    criterion = models.CharField(max_length=60, help_text="Code of the published criterion, or 'manual'.")
    text = models.TextField()
    source_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    # Every record the reason rests on (source_id is the first of them).
    source_ids = models.JSONField(default=list, blank=True)

    SENSITIVE_FIELDS = {"text": POLICE, "source_id": POLICE, "source_ids": POLICE}

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text="") & ~models.Q(source_type="") & ~models.Q(source_id=""),
                name="candidate_reason_complete",
            )
        ]


class CandidateHand(models.Model):
    """An account's hand in one candidacy: it proposed it (by any path: a proposal, a criteria run,
    a shooting review, a reason added, a proposal of the same person before) or it decided or
    re-validated it. One row per account and candidacy, so the database itself refuses an account
    that both proposes and decides (security row 44: two-person approval on every path)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="hands")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(max_length=20, choices=Hand.choices)
    how = models.CharField(max_length=30, choices=ProposalPath.choices, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "account"], name="candidate_hand_one_part_per_account"),
            models.CheckConstraint(
                condition=models.Q(part="decided", how="") | (models.Q(part="proposed") & ~models.Q(how="")),
                name="candidate_hand_proposer_says_how",
            ),
        ]


class CriteriaVersion(TimeStampedModel):
    """A published version of the identification criteria (the TOML document as published)."""

    label = models.CharField(max_length=30, unique=True, help_text="The version as published, e.g. 2.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.TextField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return f"Criteria version {self.label}"


class DisparityRun(models.Model):
    """One disparity report as it was computed by the task queue for the account that asked for it
    (``vip.identification.jobs``): kept so that its page and its CSV show that computation again,
    never a new one. Aggregate counts only, as the audience sees them (the public edition's
    withheld counts are not kept)."""

    class Audience(models.TextChoices):
        OFFICIAL = "official", _("Official (exact counts)")
        PUBLIC = "public", _("Public (small counts withheld)")

    period_start = models.DateField()
    period_end = models.DateField()
    audience = models.CharField(max_length=10, choices=Audience.choices)
    # The report's tables as the audience sees them (vip.identification.disparity.DisparityReport.to_dict).
    report = models.JSONField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="disparity_run_requester_idx")]

    def __str__(self) -> str:
        return f"Disparity report {self.period_start} to {self.period_end} ({self.audience})"

"""Custom notifications: the planned visit, and each attempt to deliver it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vip.core.fields import EncryptedTextField
from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.notifications.choices import AttemptOutcome, NotificationStatus
from vip.people.models import Person
from vip.referrals.models import Referral


class CustomNotification(TimeStampedModel):
    """A planned custom notification: who, when, which team, and the legal assessment.

    The custom legal assessment is written by the police side only and never
    reaches peer support workers.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="custom_notifications")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    planned_on = models.DateField()
    status = models.CharField(max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PLANNED)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    legal_assessment = EncryptedTextField(blank=True)
    legal_assessment_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SENSITIVE_FIELDS = {"legal_assessment": Sensitivity.LEGAL}

    class Meta:
        indexes = [models.Index(fields=["status", "planned_on"])]


class NotificationAttempt(TimeStampedModel):
    """One attempt to deliver a custom notification (one row of notifications.csv)."""

    key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="notification_attempts")
    notification = models.ForeignKey(
        CustomNotification, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The local calendar day always (the delivery date); the moment too when known.
    attempted_on = models.DateField()
    attempted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    team_peer_support = models.BooleanField(default=False)
    team_police = models.BooleanField(default=False)
    team_community_leader = models.BooleanField(default=False)
    team_other = models.BooleanField(default=False)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Message parts delivered: None = not recorded.
    legal_risk_explained = models.BooleanField(null=True, blank=True)
    offer_of_help = models.BooleanField(null=True, blank=True)
    letter_given = models.BooleanField(null=True, blank=True)
    notes = EncryptedTextField(blank=True)
    # Who recorded it (None: entered before this was kept, or by a records system).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY, "notes": Sensitivity.CASEWORK}

    class Meta:
        indexes = [
            models.Index(fields=["outcome", "attempted_on"]),
            models.Index(fields=["person", "attempted_on"]),
            models.Index(fields=["attempted_on"]),  # the month's attempts (home page, report)
        ]

    @property
    def team_roles(self) -> list[str]:
        return [
            role
            for role, present in (
                ("peer_support", self.team_peer_support),
                ("police", self.team_police),
                ("community_leader", self.team_community_leader),
                ("other", self.team_other),
            )
            if present
        ]

    @property
    def delivered(self) -> bool:
        return self.outcome == AttemptOutcome.DELIVERED

"""Referrals into the program: who sent whom, why, and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.models import Person
from vip.referrals.choices import ReferralCloseReason, ReferralSource, ReferralStatus


class Referral(TimeStampedModel):
    key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    received_on = models.DateField()
    source = models.CharField(max_length=30, choices=ReferralSource.choices)
    referred_by = models.CharField(max_length=200, blank=True, help_text="Organisation or unit.")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=ReferralCloseReason.choices, blank=True)
    # Who recorded it (None: entered before this was kept, or by a records system).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {
        "key": Sensitivity.KEY,
        "referred_by": Sensitivity.IDENTIFYING,
        "reason": Sensitivity.IDENTIFYING,
    }

    class Meta:
        indexes = [models.Index(fields=["received_on"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_on__isnull=False)
                | (~models.Q(status="closed") & models.Q(closed_on__isnull=True)),
                name="referral_closed_on_iff_closed",
            )
        ]

    def __str__(self) -> str:
        return f"Referral {self.key} ({self.get_source_display()}, {self.received_on})"

"""Outcomes: arrests and victimisation, recorded by the police side."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vip.core.fields import EncryptedTextField
from vip.core.models import TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.outcomes.choices import OutcomeType
from vip.people.models import Person


class Outcome(TimeStampedModel):
    key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="outcomes")
    occurred_on = models.DateField()
    type = models.CharField(max_length=20, choices=OutcomeType.choices)
    source_ref = models.CharField(max_length=100, blank=True, help_text="E.g. the police case number.")
    notes = EncryptedTextField(blank=True)
    # Who recorded it (None: entered before this was kept, or by a records system).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY, "source_ref": Sensitivity.POLICE, "notes": Sensitivity.LEGAL}

    class Meta:
        indexes = [models.Index(fields=["type", "occurred_on"]), models.Index(fields=["person", "occurred_on"])]

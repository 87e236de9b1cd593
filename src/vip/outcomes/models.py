"""Outcomes: arrests and victimisation, recorded by the police side."""

from __future__ import annotations

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

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY, "source_ref": Sensitivity.POLICE, "notes": Sensitivity.LEGAL}

    class Meta:
        indexes = [models.Index(fields=["type", "occurred_on"]), models.Index(fields=["person", "occurred_on"])]

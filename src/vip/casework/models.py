"""Peer support: needs assessments, contacts and case notes (sensitive: never reach police)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vip.casework.choices import ContactKind, NeedDomain, NeedLevel
from vip.core.fields import EncryptedTextField
from vip.core.models import TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.models import Person

CASEWORK = Sensitivity.CASEWORK


class NeedsAssessment(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="needs_assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = EncryptedTextField(blank=True)
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"summary": CASEWORK}

    class Meta:
        ordering = ["-assessed_on"]


class NeedItem(TimeStampedModel):
    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="items")
    domain = models.CharField(max_length=30, choices=NeedDomain.choices)
    level = models.CharField(max_length=10, choices=NeedLevel.choices)
    detail = EncryptedTextField(blank=True)

    SENSITIVE_FIELDS = {"domain": CASEWORK, "level": CASEWORK, "detail": CASEWORK}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="need_item_once")]


class Contact(TimeStampedModel):
    """A peer support contact with the person (or an attempt at one)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contacts")
    contacted_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(null=True, blank=True)
    summary = EncryptedTextField(blank=True)
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"summary": CASEWORK}

    class Meta:
        ordering = ["-contacted_at"]


class CaseNote(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    text = EncryptedTextField()
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"text": CASEWORK}

    class Meta:
        ordering = ["-written_at"]

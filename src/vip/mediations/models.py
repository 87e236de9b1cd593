"""Conflict mediations: a peer support worker mediates a conflict, often between people who are
not program participants (docs/field-work.md, "Mediations").

A mediation has its day, area, what the conflict was about (``topics``, codes of
``ConflictTopic``), how it stands (``outcome``: the latest follow-up sets it) and a summary. Its
parties are program participants (``people.Person``) or light outside parties (``OutsideParty``:
what they are called and a phone, never a person of the program, never in the people search).
What it was about and what was said are peer-support work (CASEWORK): never police's, never
managers'. Police see that a mediation happened (day, area, outcome) only where the profile's
``[field_work] police_see_mediations`` says so, and never who took part (``vip.core.access.policy``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.mediations.choices import ChangeKind, MediationOutcome, PartyRole
from vip.people.models import Person

CASEWORK = Sensitivity.CASEWORK
IDENT = Sensitivity.IDENTIFYING

SUMMARY_MAX = 5000
REASON_MAX = 500


def new_mediation_key() -> str:
    """The key of a mediation recorded without one (an import and the field app bring their own)."""
    from vip.people.services import new_key  # here: the services import the models

    return new_key("MD")


class OutsideParty(TimeStampedModel):
    """Someone who took part in a mediation without being enrolled in the program: the minimum to
    know them again (a street name is fine) and reach them."""

    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The name folded (no accents, lower case): what the mediation log's search matches.
    search_name = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    # Empty only for what the operator imported from the command line (interchange format 2:
    # "imported"); everything recorded in the program names who recorded it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SENSITIVE_FIELDS = {"name": IDENT, "phone": IDENT, "search_name": IDENT}

    class Meta:
        verbose_name = _("outside party")
        verbose_name_plural = _("outside parties")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Mediation(TimeStampedModel):
    occurred_on = models.DateField(_("day"))
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Codes of ConflictTopic (the service checks them).
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # The current outcome: as recorded, or as the latest follow-up found it.
    outcome = models.CharField(_("outcome"), max_length=20, choices=MediationOutcome.choices)
    summary = EncryptedTextField(_("summary"), blank=True, max_length=SUMMARY_MAX)
    # Empty only for what the operator imported from the command line (interchange format 2:
    # "imported"); everything recorded in the program names who recorded it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The recording device's own id for it (the peer app sends each record once).
    key = models.CharField(max_length=100, blank=True, unique=True, default=new_mediation_key)
    # Set when the mediation was voided (its reason is in the history): left out of the log and the
    # counts, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"topics": CASEWORK, "summary": CASEWORK, "key": Sensitivity.KEY}

    class Meta:
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.occurred_on:%Y-%m-%d}"


class MediationParty(TimeStampedModel):
    """Who took part: a program participant or an outside party (exactly one of them)."""

    mediation = models.ForeignKey(Mediation, on_delete=models.PROTECT, related_name="parties")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outside = models.ForeignKey(OutsideParty, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices, default=PartyRole.PARTY)
    # Set when the party was taken off the mediation (a mistake; the reason is in the history).
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mediation party")
        verbose_name_plural = _("mediation parties")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, outside__isnull=True)
                    | models.Q(person__isnull=True, outside__isnull=False)
                ),
                name="mediation_party_person_or_outside",
            ),
            models.UniqueConstraint(
                fields=["mediation", "person"],
                condition=models.Q(person__isnull=False, removed_at__isnull=True),
                name="mediation_party_person_once",
            ),
        ]


class MediationFollowUp(TimeStampedModel):
    """A later check on a mediation: how it stands now (it sets the mediation's outcome)."""

    mediation = models.ForeignKey(Mediation, on_delete=models.PROTECT, related_name="follow_ups")
    followed_up_on = models.DateField(_("followed up on"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=MediationOutcome.choices)
    note = EncryptedTextField(_("note"), blank=True, max_length=SUMMARY_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"note": CASEWORK}

    class Meta:
        verbose_name = _("mediation follow-up")
        verbose_name_plural = _("mediation follow-ups")
        ordering = ["-followed_up_on", "-id"]


class MediationChange(TimeStampedModel):
    """The history of a mediation: each change after it was recorded, with the values it replaced
    (what it was about and what was said kept encrypted), who made it, when and, for a voiding or
    a party taken off, why."""

    mediation = models.ForeignKey(Mediation, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    follow_up = models.ForeignKey(MediationFollowUp, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(MediationParty, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The names of the fields changed, and their previous values: plain (outcome, area, day) and
    # protected (topics, summary: case content, encrypted; JSON).
    fields = models.JSONField(default=list, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    previous_protected = EncryptedTextField(blank=True)
    reason = EncryptedTextField(blank=True, max_length=REASON_MAX)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    SENSITIVE_FIELDS = {"previous_protected": CASEWORK}

    class Meta:
        verbose_name = _("mediation change")
        verbose_name_plural = _("mediation changes")
        ordering = ["-changed_at", "-id"]

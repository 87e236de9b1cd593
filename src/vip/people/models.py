"""A person the program works with, their other names and ways to reach them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.masking import MaskingManager
from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.choices import AliasKind, ContactKind, Ethnicity, Race, Sex

IDENT = Sensitivity.IDENTIFYING


class Person(TimeStampedModel):
    # The key from the sending system (interchange), or one the program made.
    key = models.CharField(max_length=100, unique=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    # The day the person died, when known: a death that is not a `killed` outcome (an illness, an
    # overdose, an accident) censors the person's follow-up in the evaluation at that day.
    died_on = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    race = models.CharField(max_length=20, choices=Race.choices, blank=True)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    # Current residence and main phone; further contact points are ContactPoint rows.
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(max_length=50, blank=True)
    # First, middle and last name folded (no accents, lower case): what search matches.
    search_name = models.CharField(max_length=320, blank=True, db_index=True, editable=False)
    # The peer support worker whose caseload the person is on.
    assigned_peer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        limit_choices_to={"role": "peer"},
    )

    SENSITIVE_FIELDS = {
        "key": Sensitivity.KEY,
        "first_name": IDENT,
        "middle_name": IDENT,
        "last_name": IDENT,
        "date_of_birth": IDENT,
        # A date tied to one person is a Safe Harbor identifier (a de-identified release keeps
        # its year at most).
        "died_on": IDENT,
        "address": IDENT,
        # Parts of the residence, typed in: the area command is the place de-identified data
        # keeps (HIPAA Safe Harbor; security row 42, docs/deidentification.md).
        "city": IDENT,
        "state": IDENT,
        "postal_code": IDENT,
        "phone": IDENT,
        "search_name": IDENT,
    }

    class Meta:
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PersonAlias(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=20, choices=AliasKind.choices, default=AliasKind.NICKNAME)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True, help_text="A nickname or street name as spoken.")
    search_name = models.CharField(max_length=420, blank=True, db_index=True, editable=False)

    SENSITIVE_FIELDS = {"first_name": IDENT, "last_name": IDENT, "name": IDENT, "search_name": IDENT}

    class Meta:
        verbose_name_plural = "person aliases"
        constraints = [
            models.CheckConstraint(condition=~models.Q(first_name="", last_name="", name=""), name="alias_not_empty")
        ]


class ContactPoint(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    value = models.CharField(max_length=300)
    note = models.CharField(max_length=200, blank=True)
    is_current = models.BooleanField(default=True)

    SENSITIVE_FIELDS = {"value": IDENT, "note": IDENT}


class PersonLink(TimeStampedModel):
    """Two records of one person (the police, a hospital and the program spell names and birth
    dates differently). Proposed with its evidence by the matcher or by a person; a second person
    confirms or rejects. Confirming moves the duplicate's records onto the kept person, each move
    logged (PersonLinkMove) so that undoing the link puts every record back exactly. Nothing is
    ever merged without a person's decision, and the duplicate's own row is kept."""

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        CONFIRMED = "confirmed"
        REJECTED = "rejected"
        UNDONE = "undone"

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    # Why the two look alike: [{"rule": ..., "detail": ...}], shown to whoever decides.
    evidence = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: the matcher
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    SENSITIVE_FIELDS = {"evidence": IDENT, "reason": IDENT}

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(kept=models.F("duplicate")), name="person_link_two_people"),
            models.UniqueConstraint(
                fields=["kept", "duplicate"],
                condition=models.Q(status__in=["proposed", "confirmed"]),
                name="person_link_open_once",
            ),
        ]


class PersonLinkMove(models.Model):
    """One record a confirmed link moved from the duplicate to the kept person."""

    link = models.ForeignKey(PersonLink, on_delete=models.CASCADE, related_name="moves")
    model = models.CharField(max_length=100)  # app_label.ModelName
    record_id = models.CharField(max_length=64)
    field = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["link"])]


class Correction(models.Model):
    """A correction or a voiding of one recorded entry about a person (an attempt, a contact, a
    case note, a needs assessment, an outcome, a referral, a service referral), with who made it,
    when, why and the values it replaced. The entry itself is changed (corrected) or marked void
    (``voided_at``: left out of the reports and the caseload figures); this row keeps the original.

    The previous values of case content (fields declared sensitive as content, or encrypted at
    rest) are kept encrypted in ``previous_protected``; the others in ``previous``. Whoever reads
    the history gets each previous value only where the access policy shows them that field of
    the original record (``vip.desk``)."""

    class Kind(models.TextChoices):
        CORRECTED = "corrected", _("corrected")
        VOIDED = "voided", _("voided")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="corrections")
    target_type = models.CharField(max_length=100)  # app_label.modelname of the entry
    target_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = EncryptedTextField(max_length=500)
    # The names of the fields a correction changed (empty for a voiding).
    fields = models.JSONField(default=list, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    previous_protected = EncryptedTextField(blank=True)  # JSON
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    objects = MaskingManager()

    SENSITIVE_FIELDS = {"previous": IDENT, "previous_protected": Sensitivity.CASEWORK}

    class Meta:
        ordering = ["-corrected_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["person", "corrected_at"])]

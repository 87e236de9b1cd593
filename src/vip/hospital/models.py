"""Hospital-based violence intervention (HVIP): what the hospital told the program about a patient
injured by violence, on top of the referral into the program (``vip.referrals``), and the peer
worker's bedside visits.

The referral's person, day received, assignment and status are the referral's own; this app keeps
only what is particular to the hospital. None of it reaches police (the wall): the hospital, the
injury and the clinical notes are health information, the visits peer-support work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.models import TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.hospital.choices import ConsentToContact, InjuryType, VisitOutcome
from vip.people.models import Person
from vip.referrals.models import Referral


def new_visit_key() -> str:
    """The key of a bedside visit recorded by staff (an import brings its own: interchange format 2)."""
    from vip.people.services import new_key  # here: the services import the models

    return new_key("BV")


class HospitalReferral(TimeStampedModel):
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, related_name="hospital", verbose_name=_("referral")
    )
    hospital = models.CharField(_("hospital"), max_length=200)
    unit = models.CharField(_("unit or ward"), max_length=100, blank=True)
    injury_date = models.DateField(_("injury date"))
    injury_type = models.CharField(_("injury"), max_length=20, choices=InjuryType.choices)
    admitted = models.BooleanField(_("admitted"), default=True)
    consent_to_contact = models.CharField(
        _("consent to contact"), max_length=10, choices=ConsentToContact.choices, default=ConsentToContact.NOT_ASKED
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    referring_staff = models.CharField(_("referring staff"), max_length=200, blank=True)
    clinical_notes = EncryptedTextField(_("clinical notes"), blank=True)
    # Who recorded it (a peer worker, a manager, or a hospital's integration account).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # queue and the figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {
        "referring_staff": Sensitivity.IDENTIFYING,
        "clinical_notes": Sensitivity.HEALTH,
    }

    class Meta:
        verbose_name = _("hospital referral")
        verbose_name_plural = _("hospital referrals")
        # No default ordering: the caseload rule's UNION (vip.core.access) cannot take one; the
        # selectors order.
        indexes = [models.Index(fields=["injury_date"])]
        constraints = [
            # A consent answer has its day; "not asked yet" has none.
            models.CheckConstraint(
                condition=models.Q(consent_to_contact="not_asked", consent_recorded_on__isnull=True)
                | (~models.Q(consent_to_contact="not_asked") & models.Q(consent_recorded_on__isnull=False)),
                name="hospital_consent_day_iff_answered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hospital}, {self.injury_date:%Y-%m-%d}"

    @property
    def person(self) -> Person:
        """The person the referral is about (what the caseload rules and corrections follow)."""
        return self.referral.person


class BedsideVisit(TimeStampedModel):
    """A peer worker's visit at the bedside: an attempt, which may not reach the patient."""

    hospital_referral = models.ForeignKey(
        HospitalReferral, on_delete=models.PROTECT, related_name="visits", verbose_name=_("hospital referral")
    )
    attempted_at = models.DateTimeField(_("when"))
    # Empty only for a visit imported by the operator from the command line (interchange format 2,
    # docs/interchange.md: "imported"); every visit recorded in the program names its worker.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    # What the patient answered when asked for consent to contact (None: not asked at this visit).
    consent_given = models.BooleanField(_("consent given"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    key = models.CharField(max_length=100, unique=True, default=new_visit_key, editable=False)

    SENSITIVE_FIELDS = {"notes": Sensitivity.CASEWORK, "key": Sensitivity.KEY}

    class Meta:
        verbose_name = _("bedside visit")
        verbose_name_plural = _("bedside visits")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}, {self.attempted_at:%Y-%m-%d %H:%M}"

    @property
    def person(self) -> Person:
        return self.hospital_referral.referral.person

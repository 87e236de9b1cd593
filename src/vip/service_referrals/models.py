"""The service catalogue and service referrals with their status history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.masking import MaskingManager
from vip.core.models import ServiceCategory, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.models import Person
from vip.service_referrals.choices import ServiceReferralStatus

HEALTH = Sensitivity.HEALTH
PART2 = Sensitivity.PART2


class Service(TimeStampedModel):
    """An entry of the service catalogue: a provider's service in a category."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__report_order", "name"]
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class ServiceReferral(TimeStampedModel):
    """A referral of a person to a service. The person is *engaged* once one is connected.

    For categories marked health or substance use, the provider and details are
    health information: never shown to police, and for substance use disclosed
    only under consent.
    """

    key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="service_referrals")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider = EncryptedTextField(max_length=200, blank=True)
    details = EncryptedTextField(blank=True)
    referred_on = models.DateField()
    status = models.CharField(max_length=20, choices=ServiceReferralStatus.choices)
    connected_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the entry was voided (a correction with its reason keeps why): left out of the
    # reports and the caseload figures, kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY, "provider": HEALTH, "details": HEALTH}

    class Meta:
        indexes = [
            models.Index(fields=["connected_on"]),
            models.Index(fields=["person", "connected_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(connected_on__isnull=True) | models.Q(connected_on__gte=models.F("referred_on")),
                name="service_referral_connected_not_before_referred",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["connected", "completed"]) | models.Q(connected_on__isnull=False),
                name="service_referral_connected_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("referred_on")),
                name="service_referral_closed_not_before_referred",
            ),
        ]


class ServiceReferralStatusChange(models.Model):
    """The history of a service referral: each status it took and on which day."""

    service_referral = models.ForeignKey(ServiceReferral, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=20, choices=ServiceReferralStatus.choices)
    changed_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_on", "id"]


class ConsentRecipient(models.TextChoices):
    # Program managers of this program (42 CFR 2: staff outside the person's own peer worker).
    MANAGERS = "managers", _("Program managers of this program")
    # A named organisation or person outside the program (e.g. the treatment provider).
    EXTERNAL = "external", _("A named organisation or person")


class Consent(TimeStampedModel):
    """A person's written consent to disclose their substance-use referral details (42 CFR Part 2).

    It names the purpose, the recipient, the scope (substance-use service
    referral details) and an expiry; it can be revoked. Without a consent valid
    today, those details stay with the person's own peer support worker.
    """

    SCOPE = "substance_use_details"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(max_length=40, default=SCOPE, editable=False)
    purpose = EncryptedTextField(max_length=500)
    recipient_kind = models.CharField(max_length=20, choices=ConsentRecipient.choices)
    recipient = EncryptedTextField(max_length=200)
    signed_on = models.DateField()
    expires_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = EncryptedTextField(blank=True)

    SENSITIVE_FIELDS = {"purpose": PART2, "recipient": PART2, "revoke_reason": PART2}

    class Meta:
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("signed_on")), name="consent_expires_after_signed"
            )
        ]

    def refusal(self, today: dt.date) -> str:
        """Why this consent does not allow a disclosure today ("" when it does)."""
        if self.revoked_at is not None:
            return _("the consent was revoked on %(day)s") % {"day": self.revoked_at.date().isoformat()}
        if today < self.signed_on:
            return _("the consent is signed for %(day)s, not yet in force") % {"day": self.signed_on.isoformat()}
        if today > self.expires_on:
            return _("the consent expired on %(day)s") % {"day": self.expires_on.isoformat()}
        return ""

    def status(self, today: dt.date) -> str:
        if self.revoked_at is not None:
            return str(_("revoked"))
        if today > self.expires_on:
            return str(_("expired"))
        if today < self.signed_on:
            return str(_("not yet in force"))
        return str(_("valid"))


class Disclosure(models.Model):
    """The disclosure log: each time substance-use details left their peer worker, under which consent.

    Written by ``substance_use_disclose`` only, in the transaction that shows
    the details; never changed.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    disclosed_at = models.DateTimeField()
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who recorded the consent, copied from it so that the database itself refuses a disclosure
    # to the program managers by the manager who recorded the consent (security row 43).
    consent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_kind = models.CharField(max_length=20, choices=ConsentRecipient.choices)
    recipient = EncryptedTextField()
    # What was disclosed: the service referrals (by key) whose provider and details were shown.
    referral_keys = models.JSONField(default=list)

    objects = MaskingManager()

    SENSITIVE_FIELDS = {"recipient": PART2, "referral_keys": PART2}

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        constraints = [
            # Two people: a consent naming the program managers never serves the manager who
            # recorded it (row 43).
            models.CheckConstraint(
                condition=~models.Q(recipient_kind="managers")
                | ~models.Q(disclosed_by=models.F("consent_recorded_by")),
                name="disclosure_not_to_the_consent_recorder",
            )
        ]

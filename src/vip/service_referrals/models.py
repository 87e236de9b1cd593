"""The service catalogue and service referrals with their status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vip.core.fields import EncryptedTextField
from vip.core.models import ServiceCategory, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.models import Person
from vip.service_referrals.choices import ServiceReferralStatus

HEALTH = Sensitivity.HEALTH


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

    SENSITIVE_FIELDS = {"provider": HEALTH, "details": HEALTH}

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

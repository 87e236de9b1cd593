"""The peer app's devices and what they sent (docs/field-app.md).

A device is a browser on a peer worker's phone: it names itself with a random id it keeps, and
the server remembers which account it belongs to, so that the device can be told to wipe what it
keeps when that account is deactivated, even once its session is gone. A submission is one entry
the device recorded without a signal and sent later: its idempotency key makes it arrive once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FieldDevice(models.Model):
    device_id = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_devices")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    # When the device was told to discard its queue and cache (the account deactivated, another
    # account signed in on it, or the user signed out).
    wiped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"device {self.device_id}"


class FieldSubmission(models.Model):
    """One entry sent by the peer app: stored once whatever number of times it is sent."""

    class Status(models.TextChoices):
        STORED = "stored"
        REFUSED = "refused"  # not allowed, or not valid: the device shows why and drops it

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(FieldDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    # The phone's own clock when the entry was recorded, and the server's time as the phone
    # reckoned it then (its clock corrected by the offset measured at its last contact).
    device_time = models.DateTimeField()
    server_time_then = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

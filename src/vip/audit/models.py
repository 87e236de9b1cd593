"""The audit trail: one row per write (and, later, per read of person-level data)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from vip.core.sensitivity import Sensitivity


class AppendOnlyError(RuntimeError):
    """Audit events are never changed or removed through the application."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, and with what result.

    Written only by ``vip.audit.services.audit_record`` inside the transaction of
    the action it describes, so an action and its audit row commit or fail together.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        DENIED = "denied"
        FAILED = "failed"

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Name and role as they were at the time (a user may be renamed or change role later).
    actor_name = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=30)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    changes = models.JSONField(default=dict, blank=True)
    source_address = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The hash chain (vip.audit.chain): the previous event's hash, and this event's.
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False, unique=True)

    objects = AuditEventQuerySet.as_manager()

    # What the details of an event (``changes``) may hold besides the fields of its record. The
    # audit viewer shows no identifying data and no case content to anyone, administrators
    # included (security row 38): these details are always withheld there...
    DETAIL_SENSITIVITY: ClassVar[dict[str, Sensitivity]] = {
        "query": Sensitivity.IDENTIFYING,  # the words a person was searched by
        "reason": Sensitivity.IDENTIFYING,  # why two records are (not) one person; a decision's words
        "evidence": Sensitivity.IDENTIFYING,
        "created": Sensitivity.KEY,  # the keys of the records an import batch wrote
        "updated": Sensitivity.KEY,
        "service_referrals": Sensitivity.PART2,  # the substance-use referrals a disclosure showed
    }
    # ...and these are shown, whatever they hold: words the program chose, never a person's (the
    # page read, a method, a status, a format or edition, a period, a checkpoint's hash). Any other
    # detail holding text is withheld (deny by default); numbers (ids, counts) are shown. The
    # stored, chained record keeps every value.
    SHOWN_DETAILS: ClassVar[frozenset[str]] = frozenset(
        {
            "page",
            "method",
            "status",
            "api",
            "format",
            "formats",
            "audience",
            "month",
            "as_of",
            "cutoff",
            "retention_days",
            "through_hash",
            "format_version",
            "definitions_version",
            "criteria_version",
            "recipient_kind",
            "role",
        }
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only: they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")

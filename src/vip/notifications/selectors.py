"""Reading custom notifications and attempts, as the access policy lets the reader see them.

Peers and managers never get the legal assessment; police and managers never get the notes
of an attempt (peer-support content). Who sees which notifications and fields is declared in
``vip.core.access.policy``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible
from vip.notifications.models import CustomNotification, NotificationAttempt


@selects(CustomNotification)
def notification_list(*, user: Any) -> QuerySet[CustomNotification]:
    return visible(CustomNotification.objects.select_related("person", "area"), user)


@selects(NotificationAttempt)
def attempt_list(*, user: Any, include_voided: bool = False) -> QuerySet[NotificationAttempt]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(NotificationAttempt.objects.select_related("person", "area"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)

"""Reading custom notifications and attempts, through the wall.

Peers never see the legal assessment; police never see the notes of an attempt
(peer-support content). Both see the notification records themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.notifications.models import CustomNotification, NotificationAttempt


def notification_list(*, user: User | None) -> QuerySet[CustomNotification]:
    qs = CustomNotification.objects.select_related("person", "area")
    if user is None or user.role == Role.POLICE:
        return qs
    if user.role == Role.MANAGER:
        return qs.mask("legal_assessment")
    if user.role == Role.PEER:
        return qs.filter(person__assigned_peer=user).mask("legal_assessment")
    raise PermissionDenied(_("Your role does not see custom notifications."))


def attempt_list(*, user: User | None) -> QuerySet[NotificationAttempt]:
    qs = NotificationAttempt.objects.select_related("person", "area")
    if user is None:
        return qs
    if user.role in {Role.POLICE, Role.MANAGER}:
        return qs.mask("notes")
    if user.role == Role.PEER:
        return qs.filter(person__assigned_peer=user)
    raise PermissionDenied(_("Your role does not see notification attempts."))

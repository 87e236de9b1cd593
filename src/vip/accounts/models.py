"""Staff accounts. Every account has exactly one role (see docs/permissions.md)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        PEER = "peer", _("Peer support worker")
        POLICE = "police", _("Police officer (program)")
        MANAGER = "manager", _("Program manager")
        ANALYST = "analyst", _("Analyst")
        ADMIN = "admin", _("Administrator")
        INTEGRATION = "integration", _("Integration account")

    role = models.CharField(max_length=20, choices=Role.choices)
    # Mirrors the user's chosen language for the web application.
    language = models.CharField(max_length=8, default="en", choices=[("en", "English"), ("es", "Español")])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["peer", "police", "manager", "analyst", "admin", "integration"]),
                name="user_role_valid",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

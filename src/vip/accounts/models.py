"""Staff accounts. Every account has exactly one role (see docs/permissions.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from vip.core.roles import Role


class User(AbstractUser):
    Role = Role

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


class ApiToken(models.Model):
    """An API token of an account (integrations, evaluators): stored only as a hash.

    Kept in the table the API app first made (``api_apitoken``): a token is an account's
    credential, so it lives with the accounts, below every app that revokes or purges one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'UNM Hospital referrals'.")
    prefix = models.CharField(max_length=12, db_index=True, help_text="The token's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_apitoken"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

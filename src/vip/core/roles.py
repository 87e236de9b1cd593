"""The roles of staff accounts: one per account (docs/permissions.md).

A foundation, so that the access policy (``vip.core.access``) can name roles
without importing the accounts app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PEER = "peer", _("Peer support worker")
    POLICE = "police", _("Police officer (program)")
    MANAGER = "manager", _("Program manager")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("Integration account")

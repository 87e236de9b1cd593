"""Model permissions for Django's admin come from the role, not from per-user rows.

Administrators (IT) manage accounts and the program configuration; no role gets
case data through the admin. Everything else is the web application's business.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from vip.accounts.models import User

ADMIN_APPS = {"core", "accounts"}


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not isinstance(user_obj, User) or not user_obj.is_active or user_obj.role != User.Role.ADMIN:
            return False
        app_label, _, codename = perm.partition(".")
        return app_label in ADMIN_APPS and not codename.startswith("delete_")

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return (
            isinstance(user_obj, User)
            and user_obj.is_active
            and user_obj.role == User.Role.ADMIN
            and app_label in ADMIN_APPS
        )

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

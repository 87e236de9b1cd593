"""Model permissions for Django's admin come from the role, not from per-user rows.

Administrators (IT) manage accounts and the program configuration; no role gets
case data through the admin. Everything else is the web application's business.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from vip.accounts.models import User

ADMIN_APPS = {"core", "accounts"}


def user_with_second_factor(user_id: Any) -> User | None:
    """The signed-in account of a request, with ``has_totp`` (is a TOTP enrolled?) in the same
    query: the two-factor middleware reads it on every request."""
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
    try:
        return User._default_manager.annotate(has_totp=Exists(totp)).get(pk=user_id)
    except User.DoesNotExist:
        return None


class LoadsSecondFactor(ModelBackend):
    """Loads the signed-in account with ``has_totp`` (see user_with_second_factor)."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_second_factor(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class RoleBackend(LoadsSecondFactor):
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


class SignInBackend(LoadsSecondFactor, AuthenticationBackend):
    """allauth's sign-in (username or e-mail), loading the account as RoleBackend does."""

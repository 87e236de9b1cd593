"""Loading the signed-in account; the admin's model permissions come from the access policy.

Permissions are never per-user rows: ``rules``' backend answers every ``has_perm`` from the
policy (``vip.core.access``), the admin's ``view_``, ``add_`` and ``change_`` permissions
included. Administrators (IT) manage accounts and the program configuration; no role gets
case data through the admin.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from vip.accounts.models import User
from vip.core.access import admin_apps


def user_with_second_factor(user_id: Any) -> User | None:
    """The signed-in account of a request, with ``has_totp`` (is a TOTP enrolled?) in the same
    query: the two-factor middleware reads it on every request."""

    totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
    try:
        return User._default_manager.annotate(has_totp=Exists(totp)).get(pk=user_id)
    except User.DoesNotExist:
        return None


class LoadsSecondFactor(ModelBackend):
    """Loads the signed-in account with ``has_totp`` (see user_with_second_factor). Answers no
    permission itself: there are no per-user permission rows to read (the policy's ``rules``
    backend answers), so a page's permission checks cost no query here."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_second_factor(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


class RoleBackend(LoadsSecondFactor):
    """The administration screens' app list, from the policy's reads."""

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return isinstance(user_obj, User) and app_label in admin_apps(user_obj)


class SignInBackend(LoadsSecondFactor, AuthenticationBackend):
    """allauth's sign-in (username or e-mail), loading the account as RoleBackend does."""

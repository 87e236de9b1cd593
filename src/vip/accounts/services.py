"""Creating and changing staff accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor, audit_record


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a staff account. Accounts are made by an administrator (or the operator), never by sign-up."""
    if actor is not None and actor.role != User.Role.ADMIN:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only administrators create accounts."))
    if role not in User.Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(User.Role.values)}")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"an account named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == User.Role.ADMIN,
        is_superuser=False,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="account.create",
        target=user,
        changes={"username": username, "role": role},
    )
    return user

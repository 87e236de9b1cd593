"""Who may do what: the roles allowed for each action (docs/permissions.md)."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vip.accounts.models import User

Role = User.Role
STAFF_ROLES = {Role.PEER, Role.POLICE, Role.MANAGER}


def require_role(actor: User | None, roles: Collection[str], what: str) -> None:
    """Deny unless the actor has one of ``roles``. ``None`` is the local operator (command line)."""
    if actor is None:
        return
    if not actor.is_active or actor.role not in roles:
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": what})


def is_operator(actor: User | None) -> bool:
    return actor is None

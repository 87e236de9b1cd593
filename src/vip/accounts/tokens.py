"""Issuing and revoking API tokens. The token is shown once; only its hash is kept."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from vip.accounts.models import ApiToken, User
from vip.audit.services import Actor, audit_record
from vip.core.access import require


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the token record and the secret (shown only now)."""
    require(actor, "api_token.create")
    key = "vip_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=hash_token(key))
    audit_record(actor=actor, action="api_token.create", target=token, changes={"user": user.username, "name": name})
    return token, key


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    require(actor, "api_token.revoke")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_token.revoke", target=token)
    return token

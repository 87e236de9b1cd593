"""Receivers: audit a lockout when it happens."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver
from django.http import HttpRequest


@receiver(user_locked_out, dispatch_uid="vip.accounts.lockout_audit")
def _lockout_audit(sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    """axes sends this on the failure that locks an account, and again for each attempt refused
    during the lock (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off: those are not counted);
    only the first is the lock itself."""
    from vip.accounts.services import user_lockout_record

    # Counted (the lock begins): axes set the number of failures. Refused during the lock: it did not.
    if getattr(request, "axes_failures_since_start", None) is not None:
        user_lockout_record(username=username)

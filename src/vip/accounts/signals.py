"""Receivers: stamp a session when its account signs in; audit a lockout when it happens."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from vip.accounts.middleware import SIGN_IN_LANGUAGE, session_limits_start
from vip.accounts.services import user_lockout_record


@receiver(user_logged_in, dispatch_uid="vip.accounts.session_limits_start")
def _session_limits_start(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:

    if request is not None and hasattr(request, "session"):
        session_limits_start(request)


@receiver(user_logged_in, dispatch_uid="vip.accounts.sign_in_language")
def _sign_in_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The account's language (kept by the header's switch) becomes the browser's at sign-in,
    unless this browser already has a language chosen (the switch on the sign-in page, or an
    earlier visit): a choice made in the browser is never overridden."""

    language = getattr(user, "language", "")
    if request is None or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if language in dict(settings.LANGUAGES):
        setattr(request, SIGN_IN_LANGUAGE, language)
        translation.activate(language)


@receiver(user_locked_out, dispatch_uid="vip.accounts.lockout_audit")
def _lockout_audit(sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    """axes sends this on the failure that locks an account, and again for each attempt refused
    during the lock (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off: those are not counted);
    only the first is the lock itself."""

    # Counted (the lock begins): axes set the number of failures. Refused during the lock: it did not.
    if getattr(request, "axes_failures_since_start", None) is not None:
        user_lockout_record(username=username)

"""Helpers of the sign-in tests: a clock that can be moved forward, and signing in through the form
(imported by the tests from here; the ``clock`` fixture is in conftest.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

PASSWORD = "a long enough passphrase for tests"


class Clock:
    """Moves the application's clock (Django's timezone.now and django-axes' copies of it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = dt.timedelta(0)
        real = timezone.now

        def now() -> dt.datetime:
            return real() + self.offset

        for target in ("django.utils.timezone.now", "axes.handlers.proxy.now", "axes.attempts.now"):
            monkeypatch.setattr(target, now)

    def advance(self, *, minutes: float = 0, hours: float = 0) -> None:
        self.offset += dt.timedelta(minutes=minutes, hours=hours)


def sign_in_post(client: Client, login: str, password: str, *, ip: str = "127.0.0.1", acknowledge: bool = True):  # type: ignore[no-untyped-def]
    """The first step of signing in (username and password), as the sign-in page posts it."""
    data = {"login": login, "password": password}
    if acknowledge:
        data["acknowledge"] = "on"
    return client.post(reverse("account_login"), data, REMOTE_ADDR=ip)


def totp_code(user) -> str:  # type: ignore[no-untyped-def]
    """The code the account's authenticator app shows now (not at the very end of a step)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_accepted(response) -> bool:  # type: ignore[no-untyped-def]
    """Did the password step let the account on to its second factor?"""
    return response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")

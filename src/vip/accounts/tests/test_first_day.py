"""The first day (issue 14, item 3): "Stay signed in" before the idle limit, the language kept on
the account, password reset through a configured mail backend (or no link at all)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from vip.accounts.middleware import SEEN_AT
from vip.accounts.tests.helpers import PASSWORD, sign_in_post, totp_code
from vip.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).parents[4]


def _sign_in(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    sign_in_post(client, user.username, PASSWORD)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(user)})["Location"] == reverse("home")


# ---- "Stay signed in" ---------------------------------------------------------------------------


def test_keep_alive_restarts_the_idle_clock_and_answers_no_content(client, program, make_user, clock) -> None:
    _sign_in(client, make_user("peer"))
    before = client.session[SEEN_AT]
    clock.advance(minutes=settings.VIP_SESSION_IDLE_MINUTES - 2)  # the warning is showing
    response = client.post(reverse("keep_alive"))
    assert response.status_code == 204 and response.content == b""
    assert client.session[SEEN_AT] >= before + (settings.VIP_SESSION_IDLE_MINUTES - 2) * 60
    clock.advance(minutes=settings.VIP_SESSION_IDLE_MINUTES - 1)  # past the first limit, not the new one
    assert client.get(reverse("home")).status_code == 200


def test_keep_alive_does_not_revive_an_ended_session(client, program, make_user, clock) -> None:
    _sign_in(client, make_user("peer"))
    clock.advance(minutes=settings.VIP_SESSION_IDLE_MINUTES + 1)
    response = client.post(reverse("keep_alive"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("home")).status_code == 302


def test_keep_alive_is_for_signed_in_accounts_by_post_with_the_csrf_token(program, make_user) -> None:
    assert Client().post(reverse("keep_alive"))["Location"].startswith(reverse("account_login"))
    client = Client(enforce_csrf_checks=True)
    _sign_in_csrf = Client()
    _sign_in(_sign_in_csrf, make_user("analyst"))
    client.cookies = _sign_in_csrf.cookies
    assert client.get(reverse("keep_alive")).status_code == 405
    assert client.post(reverse("keep_alive")).status_code == 403  # no CSRF token


def test_signed_in_pages_carry_the_idle_timings_and_the_warning(client, program, make_user) -> None:
    _sign_in(client, make_user("manager"))
    page = client.get(reverse("home")).content.decode()
    idle = settings.VIP_SESSION_IDLE_MINUTES * 60
    assert f'data-idle-limit="{idle}"' in page and 'data-warn-seconds="120"' in page
    assert 'id="session-warning"' in page and "Stay signed in" in page
    assert 'src="/static/vip/vip.js" defer' in page
    public = Client().get(reverse("account_login")).content.decode()
    assert "data-idle-seconds" not in public and 'id="session-warning"' not in public


# ---- The language kept on the account -------------------------------------------------------------


def test_the_language_chosen_while_signed_in_is_kept_and_applied_at_the_next_sign_in(
    program, make_user, monkeypatch
) -> None:
    user = make_user("peer")
    client = Client()
    _sign_in(client, user)
    client.post(reverse("set_language"), {"language": "es", "next": reverse("home")})
    user.refresh_from_db()
    assert user.language == "es"
    assert AuditEvent.objects.get(action="account.language").changes == {"language": ["en", "es"]}
    # Another browser, signed out, in English, a minute later (a code is used once): signing in
    # brings the account's Spanish back.
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 60)
    other = Client()
    assert other.get(reverse("account_login")).headers["Content-Language"] == "en"
    sign_in_post(other, user.username, PASSWORD)
    response = other.post(reverse("mfa_authenticate"), {"code": totp_code(user)})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert other.get(reverse("home")).headers["Content-Language"] == "es"


def test_a_language_chosen_in_the_browser_before_signing_in_is_kept(program, make_user) -> None:
    user = make_user("peer")
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.post(reverse("set_language"), {"language": "es", "next": reverse("account_login")})
    _sign_in(client, user)
    assert client.get(reverse("home")).headers["Content-Language"] == "es"


def test_the_language_switch_signed_out_changes_no_account(client, program, make_user) -> None:
    user = make_user("peer")
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("account_login")})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en" and not AuditEvent.objects.filter(action="account.language").exists()


def test_an_unknown_language_changes_nothing(client, program, make_user) -> None:
    user = make_user("peer")
    _sign_in(client, user)
    client.post(reverse("set_language"), {"language": "xx", "next": reverse("home")})
    user.refresh_from_db()
    assert user.language == "en"


# ---- Password reset: on with a mail backend, or no link at all ---------------------------------


def test_the_sign_in_page_offers_the_reset_link_when_mail_can_be_sent(client, program) -> None:
    assert reverse("account_reset_password") in client.get(reverse("account_login")).content.decode()


@override_settings(VIP_PASSWORD_RESET=False)
def test_without_password_reset_there_is_no_link_and_the_page_is_plain(client, program) -> None:
    assert reverse("account_reset_password") not in client.get(reverse("account_login")).content.decode()
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200 and b"administrator to set a new password" in page.content
    assert client.post(reverse("account_reset_password"), {"email": "a@example.org"}).status_code == 302
    assert client.get(reverse("account_reset_password_done")).status_code == 200


def _settings_in(module: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIP_EMAIL") and k != "VIP_PASSWORD_RESET"}
    environment.update(env)
    code = f"import config.settings.{module} as s; print(s.EMAIL_BACKEND, s.VIP_PASSWORD_RESET)"
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_development_prints_mail_on_the_console_and_offers_reset() -> None:
    assert _settings_in("dev") == "django.core.mail.backends.console.EmailBackend True"


def test_a_configured_mail_server_sends_by_smtp_and_turns_reset_on() -> None:
    assert _settings_in("base", VIP_EMAIL_HOST="mail.example.org") == "django.core.mail.backends.smtp.EmailBackend True"
    assert _settings_in("base") == "django.core.mail.backends.dummy.EmailBackend False"

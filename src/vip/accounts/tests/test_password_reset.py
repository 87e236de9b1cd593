""" "Forgot your password?": a link by mail to the account's address; the page never answers 500 and
never tells whether an account has the address (security row 4's promise, for this page)."""

from __future__ import annotations

import re
import socket

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from vip.accounts.models import User
from vip.accounts.services import user_create
from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post
from vip.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "another long passphrase, newly chosen"


def _ask(address: str, ip: str = "203.0.113.1"):  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("account_reset_password"), {"email": address})
    return response, client.get(response["Location"]) if response.status_code == 302 else None


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """A page's text without its per-request parts (the style element's nonce, the CSRF token)."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def _with_email(make_user, address: str) -> User:  # type: ignore[no-untyped-def]
    user = make_user("peer")
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


def test_the_sign_in_page_links_to_the_reset_page_which_asks_for_an_address(client, program) -> None:
    assert reverse("account_reset_password") in client.get(reverse("account_login")).content.decode()
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()


def test_a_known_address_gets_a_link_that_sets_a_new_password_audited(program, make_user) -> None:
    maria = _with_email(make_user, "maria@example.org")
    response, done = _ask("Maria@Example.org")
    assert response.status_code == 302 and done.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@example.org"]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)

    client = Client()
    page = client.get(link, follow=True)
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()
    action = page.redirect_chain[-1][0] if page.redirect_chain else link
    # The password policy holds here as everywhere (row 5).
    short = client.post(action, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and not AuditEvent.objects.filter(action="account.password_reset").exists()
    response = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200

    event = AuditEvent.objects.get(action="account.password_reset")
    assert (event.object_id, event.actor_role, event.changes) == (str(maria.pk), "anonymous", {"usable_password": True})
    # The new password leads on to the second factor (not past it); the old one no longer works.
    assert password_accepted(sign_in_post(Client(), maria.username, NEW_PASSWORD))
    assert not password_accepted(sign_in_post(Client(), maria.username, PASSWORD))
    # The link works once.
    assert "cannot be used" in Client().get(link, follow=True).content.decode()


def test_unknown_addresses_and_accounts_without_an_address_get_the_same_answer_and_no_mail(program, make_user) -> None:
    _with_email(make_user, "known@example.org")
    make_user("peer")  # no address at all
    inactive = _with_email(make_user, "gone@example.org")
    User.objects.filter(pk=inactive.pk).update(is_active=False)

    known, known_done = _ask("known@example.org")
    assert len(mail.outbox) == 1
    for address in ("nobody@example.org", "gone@example.org", ""):
        response, done = _ask(address) if address else _ask("not-an-address")
        if address:
            assert (response.status_code, response["Location"]) == (known.status_code, known["Location"])
            assert _page(done) == _page(known_done)
        else:
            assert response.status_code == 200  # the form again, with an error: never a 500
    assert len(mail.outbox) == 1  # nothing was sent to an address no active account has


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_TIMEOUT=2)
def test_a_mail_server_that_does_not_answer_is_no_error_page(program, make_user) -> None:
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _with_email(make_user, "maria@example.org")
    with override_settings(EMAIL_PORT=port):
        sent, sent_done = _ask("maria@example.org")
        unknown, unknown_done = _ask("nobody@example.org")
    assert sent.status_code == unknown.status_code == 302
    assert _page(sent_done) == _page(unknown_done)


@override_settings(VIP_PASSWORD_RESET=False)
def test_without_a_mail_server_the_page_says_to_ask_the_administrator(client, program, make_user) -> None:
    _with_email(make_user, "maria@example.org")
    page = client.get(reverse("account_reset_password")).content.decode()
    assert "administrator to set a new password" in page and 'name="email"' not in page
    response, _done = _ask("maria@example.org")
    assert response.status_code == 302 and mail.outbox == []


def test_a_reset_does_not_lift_the_lockout(program, make_user) -> None:
    maria = _with_email(make_user, "maria@example.org")
    for _ in range(5):
        sign_in_post(Client(), maria.username, "not her passphrase at all")
    _ask("maria@example.org")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)
    client = Client()
    page = client.get(link, follow=True)
    action = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not password_accepted(sign_in_post(Client(), maria.username, NEW_PASSWORD))


def test_an_account_changes_its_own_password_audited(program, make_user) -> None:
    luis = user_create(actor=None, username="luis", role="peer", password=PASSWORD)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(luis, generate_totp_secret())
    client = Client()
    client.force_login(luis)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="account.password_change")
    assert (event.actor_id, event.object_id) == (luis.pk, str(luis.pk))
    assert password_accepted(sign_in_post(Client(), "luis", NEW_PASSWORD))

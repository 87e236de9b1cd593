"""Security rows 6 and 7: idle and absolute session limits; signing in rotates the session;
signing out and deactivation end it on the server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vip.accounts.models import User
from vip.accounts.services import user_deactivate
from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post, totp_code
from vip.audit.models import AuditEvent
from vip.cli import main

pytestmark = pytest.mark.django_db


def _signed_out(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _session_exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def _sign_in(client: Client, user: User) -> None:
    """Through the form: password, then the authenticator's code."""
    assert sign_in_post(client, user.username, PASSWORD)["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(user)})["Location"] == reverse("home")


# --- row 6 ----------------------------------------------------------------------------------


def test_row_06_an_idle_session_ends_after_30_minutes(client, program, make_user, clock) -> None:
    _sign_in(client, make_user("peer"))
    key = client.session.session_key
    clock.advance(minutes=29)
    assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=29)  # 58 minutes after signing in, but only 29 idle
    assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=31)
    assert _signed_out(client.get(reverse("home")))
    assert not _session_exists(key)  # gone from the server, not only from this browser
    assert _signed_out(client.get(reverse("home")))


def test_row_06_every_session_ends_12_hours_after_signing_in_however_active(client, program, make_user, clock) -> None:
    client.force_login(make_user("manager"))
    key = client.session.session_key
    for _ in range(24):  # a request every 29 minutes: 11 h 36 min
        clock.advance(minutes=29)
        assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=25)  # 12 h 1 min after signing in
    assert _signed_out(client.get(reverse("home")))
    assert not _session_exists(key)


def test_row_06_the_session_is_written_once_a_minute_not_on_every_request(client, program, make_user, clock) -> None:
    client.force_login(make_user("peer"))
    clock.advance(minutes=2)
    client.get(reverse("home"))  # the activity is recorded (a save)

    def session_writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return [
            q["sql"] for q in queries.captured_queries if '"django_session"' in q["sql"] and "SELECT" not in q["sql"]
        ]

    clock.advance(minutes=0.5)
    assert session_writes() == []  # within the minute: nothing written
    clock.advance(minutes=1)
    assert len(session_writes()) == 1


def test_row_06_a_session_signed_in_before_the_limits_existed_is_ended(client, program, make_user) -> None:
    client.force_login(make_user("peer"))
    session = client.session
    del session["vip_signed_in_at"]
    session.save()
    assert _signed_out(client.get(reverse("home")))


# --- row 7 ----------------------------------------------------------------------------------


def test_row_07_signing_in_rotates_the_session_id(client, program, make_user) -> None:
    user = make_user("peer")
    before = client.session  # a session before signing in (the test client makes one)
    before["marker"] = "pre-login"
    before.save()
    pre_key = before.session_key
    _sign_in(client, user)
    post_key = client.session.session_key
    assert post_key != pre_key
    assert not _session_exists(pre_key)
    assert client.get(reverse("home")).status_code == 200


def test_row_07_signing_out_ends_the_session_on_the_server(client, program, make_user) -> None:
    _sign_in(client, make_user("peer"))
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("account_logout")).status_code == 302
    assert not _session_exists(cookie)
    replay = Client()
    replay.cookies["sessionid"] = cookie  # the old cookie, kept by an attacker
    assert _signed_out(replay.get(reverse("home")))


def test_row_07_deactivation_ends_sessions_and_revokes_api_tokens_at_once(program, make_user) -> None:
    from vip.accounts.tokens import token_create

    peer, other, admin = make_user("peer"), make_user("peer"), make_user("admin")
    phone, laptop, bystander = Client(), Client(), Client()
    _sign_in(phone, peer)
    laptop.force_login(peer)
    bystander.force_login(other)
    cookie = phone.cookies["sessionid"].value
    _token, key = token_create(actor=None, user=peer, name="test")
    api = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert Client().get("/api/v1/people/", **api).status_code == 200

    assert user_deactivate(actor=admin, user=peer) == {"sessions_ended": 2, "tokens_revoked": 1}
    peer.refresh_from_db()
    assert not peer.is_active
    assert not _session_exists(cookie)
    for client in (phone, laptop):
        assert _signed_out(client.get(reverse("home")))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert _signed_out(replay.get(reverse("home")))
    assert Client().get("/api/v1/people/", **api).status_code == 401
    assert bystander.get(reverse("home")).status_code == 200  # other accounts keep their sessions
    event = AuditEvent.objects.get(action="account.deactivate")
    assert (event.actor, event.object_id) == (admin, str(peer.pk))
    assert event.changes == {"is_active": False, "sessions_ended": 2, "tokens_revoked": 1}
    # And the password no longer signs in.
    assert not password_accepted(sign_in_post(Client(), peer.username, PASSWORD))


def test_row_07_only_administrators_deactivate(program, make_user) -> None:
    peer = make_user("peer")
    for role in ("peer", "police", "manager", "analyst", "integration"):
        with pytest.raises(PermissionDenied):
            user_deactivate(actor=make_user(role), user=User.objects.get(pk=peer.pk))
    assert User.objects.get(pk=peer.pk).is_active


def test_row_07_unticking_active_in_the_admin_ends_the_sessions(client, program, make_user) -> None:
    admin, peer = make_user("admin"), make_user("peer", username="rosa")
    victim = Client()
    victim.force_login(peer)
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[peer.pk])
    form = {"username": "rosa", "first_name": "", "last_name": "", "email": "", "language": "en", "role": "peer"}
    response = client.post(url, form)  # "is_active" not ticked
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=peer.pk).is_active
    assert _signed_out(victim.get(reverse("home")))
    # The save is one audited action, the deactivation (row 37: account saves go through the services).
    assert AuditEvent.objects.filter(action="account.deactivate", object_id=str(peer.pk)).count() == 1
    saved = AuditEvent.objects.filter(object_id=str(peer.pk), object_type="accounts.user").exclude(
        action="account.create"
    )
    assert saved.count() == 1


def test_row_07_deactivate_from_the_admin_action_and_the_command_line(client, program, make_user) -> None:
    admin, peer, police = make_user("admin"), make_user("peer"), make_user("police")
    victim = Client()
    victim.force_login(police)
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [peer.pk]}, follow=True
    )
    assert "Deactivated 1 account(s)" in response.content.decode()
    assert not User.objects.get(pk=peer.pk).is_active

    result = CliRunner().invoke(main, ["deactivate", police.username])
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    assert not User.objects.get(pk=police.pk).is_active
    assert _signed_out(victim.get(reverse("home")))
    assert CliRunner().invoke(main, ["deactivate", "nobody"]).exit_code == 1

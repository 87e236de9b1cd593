"""A lost phone: an administrator resets the account's second factor; the account enrols again."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from vip.accounts.services import user_second_factor_reset
from vip.audit.models import AuditEvent
from vip.cli import main

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase for tests"


def test_reset_removes_the_factor_ends_sessions_and_asks_to_enrol_again(program, make_user) -> None:
    peer, other = make_user("peer"), make_user("peer")
    phone, laptop, bystander = Client(), Client(), Client()
    phone.force_login(peer)
    laptop.force_login(peer)
    bystander.force_login(other)
    assert phone.get(reverse("home")).status_code == 200

    assert user_second_factor_reset(actor=make_user("admin"), user=peer) == 1
    assert not Authenticator.objects.filter(user=peer).exists()
    for client in (phone, laptop):  # signed out everywhere
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert bystander.get(reverse("home")).status_code == 200  # other accounts keep their sessions
    event = AuditEvent.objects.get(action="account.second_factor_reset")
    assert event.changes == {"removed": ["totp"], "sessions_ended": 2}

    # Signing in again with the password leads to enrolment, and nowhere else.
    again = Client()
    again.post(reverse("account_login"), {"login": peer.username, "password": PASSWORD, "acknowledge": "on"})
    response = again.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_only_administrators_reset(program, make_user) -> None:
    peer = make_user("peer")
    for role in ("peer", "police", "manager", "analyst"):
        with pytest.raises(PermissionDenied):
            user_second_factor_reset(actor=make_user(role), user=peer)
    assert Authenticator.objects.filter(user=peer).exists()


def test_reset_from_the_admin_and_the_command_line(program, make_user, client) -> None:
    admin, peer, police = make_user("admin"), make_user("peer"), make_user("police")
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [peer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Second factor reset for 1 account(s)" in response.content.decode()
    assert not Authenticator.objects.filter(user=peer).exists()

    result = CliRunner().invoke(main, ["reset-second-factor", police.username])
    assert result.exit_code == 0, result.output
    assert "Removed 1 factor(s)" in result.output
    assert not Authenticator.objects.filter(user=police).exists()
    assert CliRunner().invoke(main, ["reset-second-factor", "nobody"]).exit_code != 0

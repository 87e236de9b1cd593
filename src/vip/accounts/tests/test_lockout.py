"""Security row 3: five failed sign-ins lock the account for 30 minutes, by username, not by
address; the lock and its lifting are audited."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from vip.accounts.services import user_unlock
from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post
from vip.audit.models import AuditEvent
from vip.cli import main

pytestmark = pytest.mark.django_db
WRONG = "not her passphrase at all"


def _lock(name: str, ip: str = "203.0.113.1") -> None:
    attacker = Client()
    for _ in range(5):
        response = sign_in_post(attacker, name, WRONG, ip=ip)
        assert response.status_code == 200 and not password_accepted(response)


def test_row_03_five_failed_sign_ins_lock_the_account_for_30_minutes_whatever_the_address(
    program, make_user, clock
) -> None:
    maria = make_user("peer", username="maria")
    _lock("maria")

    # The right password, from the same address: refused.
    assert not password_accepted(sign_in_post(Client(), "maria", PASSWORD, ip="203.0.113.1"))
    # From another address, and with the name in other letters: refused too (the name is the key).
    assert not password_accepted(sign_in_post(Client(), "maria", PASSWORD, ip="198.51.100.7"))
    assert not password_accepted(sign_in_post(Client(), "MARIA", PASSWORD, ip="192.0.2.44"))
    # Still locked after 29 minutes (the refused attempts did not prolong the lock either) ...
    clock.advance(minutes=29)
    assert not password_accepted(sign_in_post(Client(), "maria", PASSWORD, ip="198.51.100.7"))
    # ... and free after 31: the password leads on to the second factor.
    clock.advance(minutes=2)
    assert password_accepted(sign_in_post(Client(), "maria", PASSWORD, ip="198.51.100.7"))

    # The lock was audited once, when it began: the account, the address, an anonymous caller.
    event = AuditEvent.objects.get(action="account.lock")
    assert (event.object_type, event.object_id) == ("accounts.user", str(maria.pk))
    assert (event.actor_id, event.actor_name, event.actor_role) == (None, "anonymous", "anonymous")
    assert event.source_address == "203.0.113.1" and event.outcome == "denied"
    assert event.changes == {"known_account": True, "failures": 5, "minutes": 30}


def test_row_03_four_failures_do_not_lock_and_a_success_starts_the_count_again(program, make_user) -> None:
    make_user("peer", username="luis")
    client = Client()
    for _ in range(4):
        sign_in_post(client, "luis", WRONG)
    assert password_accepted(sign_in_post(Client(), "luis", PASSWORD))
    # A completed sign-in (password and code) clears the failures: four more do not lock.
    from vip.accounts.models import User
    from vip.accounts.tests.helpers import totp_code

    signed = Client()
    sign_in_post(signed, "luis", PASSWORD)
    assert signed.post(reverse("mfa_authenticate"), {"code": totp_code(User.objects.get(username="luis"))})[
        "Location"
    ] == reverse("home")
    for _ in range(4):
        sign_in_post(client, "luis", WRONG)
    assert password_accepted(sign_in_post(Client(), "luis", PASSWORD))
    assert not AuditEvent.objects.filter(action="account.lock").exists()


def test_row_03_a_name_without_account_is_locked_too_and_audited_without_the_name(program) -> None:
    _lock("hunter2-typed-in-the-wrong-box")
    event = AuditEvent.objects.get(action="account.lock")
    assert (event.object_type, event.object_id) == ("accounts.user", "")
    assert event.changes["known_account"] is False
    assert "hunter2" not in str(AuditEvent.objects.values_list("changes", "object_id"))


def test_row_03_an_administrator_unlocks_and_the_unlock_is_audited(program, make_user) -> None:
    maria = make_user("peer", username="maria")
    _lock("maria")
    for role in ("peer", "police", "manager", "analyst", "integration"):
        with pytest.raises(PermissionDenied):
            user_unlock(actor=make_user(role), username="maria")
    assert not password_accepted(sign_in_post(Client(), "maria", PASSWORD))

    admin = make_user("admin")
    assert user_unlock(actor=admin, username="Maria") > 0
    assert password_accepted(sign_in_post(Client(), "maria", PASSWORD))
    event = AuditEvent.objects.get(action="account.unlock")
    assert (event.actor, event.object_id) == (admin, str(maria.pk))
    assert event.changes["attempts_cleared"] > 0


def test_row_03_unlock_from_the_admin_and_the_command_line(program, make_user, client) -> None:
    admin, peer, police = make_user("admin"), make_user("peer"), make_user("police")
    _lock(peer.username)
    _lock(police.username)
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock", "_selected_action": [peer.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Sign-in unlocked for 1 account(s)" in response.content.decode()
    assert password_accepted(sign_in_post(Client(), peer.username, PASSWORD))

    result = CliRunner().invoke(main, ["unlock", police.username])
    assert result.exit_code == 0, result.output
    assert "Unlocked" in result.output
    assert password_accepted(sign_in_post(Client(), police.username, PASSWORD))
    assert "was not locked" in CliRunner().invoke(main, ["unlock", police.username]).output
    assert AuditEvent.objects.filter(action="account.unlock").count() == 3

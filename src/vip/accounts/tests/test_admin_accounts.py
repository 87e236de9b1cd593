"""Security row 37: administrators' actions on accounts are audited (password set, role change,
activation and deactivation, second-factor removal, unlock), and an administrator cannot change
their own role: not in the administration screens, not through the service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from vip.accounts.models import User
from vip.accounts.services import user_password_set, user_update
from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post
from vip.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a passphrase the administrator chose"


def _admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _change_form(user: User, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v != ""}


def test_row_37_an_administrator_sets_anothers_password_audited_in_the_same_transaction(
    program, make_user, monkeypatch
) -> None:
    admin, maria = make_user("admin"), make_user("peer", username="maria")
    client = _admin_client(admin)
    url = reverse("admin:auth_user_password_change", args=[maria.pk])
    assert client.get(url).status_code == 200

    # The audit cannot be written: the password is not changed either.
    def failing(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("vip.accounts.services.audit_record", failing)
    with pytest.raises(RuntimeError):
        client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert password_accepted(sign_in_post(Client(), "maria", PASSWORD))
    monkeypatch.undo()

    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert password_accepted(sign_in_post(Client(), "maria", NEW_PASSWORD))
    event = AuditEvent.objects.get(action="account.password_set")
    assert (event.actor, event.object_id, event.changes) == (admin, str(maria.pk), {"usable_password": True})
    maria.refresh_from_db()
    assert maria.password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))

    # Password sign-in switched off for an account: audited too.
    client.post(url, {"usable_password": "false", "unset-password": "1"})
    maria.refresh_from_db()
    assert not maria.has_usable_password()
    assert AuditEvent.objects.filter(action="account.password_set").last().changes == {"usable_password": False}

    # A password that breaks the policy is refused and nothing is recorded.
    assert client.post(url, {"password1": "short", "password2": "short", "usable_password": "true"}).status_code == 200
    assert AuditEvent.objects.filter(action="account.password_set").count() == 2


def test_row_37_only_administrators_set_passwords(program, make_user) -> None:
    maria = make_user("peer")
    for role in ("peer", "police", "manager", "analyst", "integration"):
        with pytest.raises(PermissionDenied):
            user_password_set(actor=make_user(role), user=maria, password=NEW_PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_set").exists()


def test_row_37_an_administrator_cannot_change_their_own_role(program, make_user) -> None:
    admin = make_user("admin")
    client = _admin_client(admin)
    url = reverse("admin:accounts_user_change", args=[admin.pk])

    # The administration screens: the form refuses, by the field, and nothing changes.
    response = client.post(url, _change_form(admin, role="manager"))
    assert response.status_code == 200
    assert "You cannot change your own role; another administrator must." in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == "admin"

    # The service refuses too, whatever the new role (up, down or sideways), so no path allows it.
    for role in ("manager", "peer", "analyst", "integration"):
        with pytest.raises(PermissionDenied):
            user_update(actor=admin, user=admin, values={"role": role})
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not AuditEvent.objects.filter(action="account.role_change").exists()

    # Their other details they may change (audited).
    response = client.post(url, _change_form(admin, first_name="Alma"))
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="account.update").changes == {"first_name": ["", "Alma"]}


def test_row_37_role_changes_activation_and_deactivation_are_audited(program, make_user) -> None:
    admin, luis = make_user("admin"), make_user("peer", username="luis")
    client = _admin_client(admin)
    url = reverse("admin:accounts_user_change", args=[luis.pk])

    assert client.post(url, _change_form(luis, role="manager")).status_code == 302
    event = AuditEvent.objects.get(action="account.role_change")
    assert (event.actor, event.object_id, event.changes) == (admin, str(luis.pk), {"role": ["peer", "manager"]})
    luis.refresh_from_db()
    assert (luis.role, luis.is_staff) == ("manager", False)

    # Made an administrator: the administration site opens to them; and closes again when no longer.
    client.post(url, _change_form(luis, role="admin"))
    luis.refresh_from_db()
    assert (luis.role, luis.is_staff) == ("admin", True)
    client.post(url, _change_form(luis, role="peer"))
    luis.refresh_from_db()
    assert (luis.role, luis.is_staff) == ("peer", False)
    assert AuditEvent.objects.filter(action="account.role_change").count() == 3

    assert client.post(url, _change_form(luis, is_active="")).status_code == 302
    luis.refresh_from_db()
    assert not luis.is_active
    assert AuditEvent.objects.get(action="account.deactivate").actor == admin
    assert client.post(url, _change_form(luis, is_active="on")).status_code == 302
    luis.refresh_from_db()
    assert luis.is_active
    assert AuditEvent.objects.get(action="account.activate").changes == {"is_active": True}
    # Nothing else was recorded as a plain update.
    assert not AuditEvent.objects.filter(action__in=["user.update", "account.update"]).exists()


def test_row_37_an_account_made_in_the_administration_screens_goes_through_the_service(program, make_user) -> None:
    admin = make_user("admin")
    client = _admin_client(admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "newpeer", "role": "peer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(username="newpeer")
    event = AuditEvent.objects.get(action="account.create", object_id=str(user.pk))
    assert (event.actor, event.changes) == (admin, {"username": "newpeer", "role": "peer"})
    assert user.password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    # The password is taken (on to enrolling a second factor: the account has none yet).
    assert sign_in_post(Client(), "newpeer", NEW_PASSWORD)["Location"] == reverse("home")

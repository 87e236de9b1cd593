"""Security rows 4 and 5: sign-in errors reveal nothing (not whether an account exists, nor whether\nit is locked); the password policy."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from vip.accounts.models import User

pytestmark = pytest.mark.django_db


def _page(response, login: str) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    body = re.sub(r'nonce="[^"]*"', "", body)  # the per-request Content-Security-Policy nonce
    return body.replace(login, "LOGIN")


def test_row_04_sign_in_errors_do_not_reveal_whether_an_account_exists(client, program, make_user) -> None:
    from django.test import Client

    from vip.accounts.tests.helpers import PASSWORD, sign_in_post

    make_user("peer", username="maria")
    make_user("peer", username="luis")
    for _ in range(5):  # locks luis (security row 3)
        sign_in_post(Client(), "luis", "not his passphrase at all")
    known = sign_in_post(client, "maria", "not her passphrase at all")
    unknown = sign_in_post(client, "nobody", "not her passphrase at all")
    locked = sign_in_post(client, "luis", PASSWORD)  # the right password, but locked
    assert known.status_code == unknown.status_code == locked.status_code == 200
    assert _page(known, "maria") == _page(unknown, "nobody") == _page(locked, "luis")
    assert "not correct" in _page(locked, "luis")
    assert client.get(reverse("home")).status_code == 302  # and nobody signed in


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short1!", False),  # under 12 characters
        ("Abcdefgh1!x", False),  # 11 characters, however "complex"
        ("password1234", False),  # on the common-passwords list
        ("qwertyuiop123", False),  # on the common-passwords list
        ("maria.gonzalez", False),  # too close to the account's own name
        ("correct horse battery staple", True),  # a long passphrase: no composition rules
        ("tres tristes tigres", True),
        ("twelve chars", True),  # exactly 12, lower case and a space
    ],
)
def test_row_05_password_policy(password: str, accepted: bool) -> None:
    user = User(username="maria.gonzalez", first_name="Maria", last_name="Gonzalez")
    if accepted:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)

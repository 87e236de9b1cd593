"""Security row 8: the sign-in page shows a use banner that must be acknowledged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    translation.deactivate()


def test_row_08_the_sign_in_page_shows_the_use_banner_and_a_required_acknowledgement(client, program) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert "Authorised use only" in page
    assert "All activity is monitored and recorded" in page
    assert 'name="acknowledge" type="checkbox" value="on" required' in page
    assert "I have read and accept the conditions of use above." in page


def test_row_08_the_banner_in_spanish(program) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("account_login")).content.decode()
    assert "Solo para uso autorizado" in page
    assert "Toda la actividad" in page
    assert "All activity is monitored" not in page


def test_row_08_signing_in_without_the_acknowledgement_is_refused(client, program, make_user) -> None:
    user = make_user("peer")
    response = sign_in_post(client, user.username, PASSWORD, acknowledge=False)
    assert response.status_code == 200 and not password_accepted(response)
    assert "tick the box to accept them" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    # The password was not even checked: no failed attempt is counted against the account.
    assert not AccessAttempt.objects.exists()
    # A value other than the box's own does not count as ticking it either.
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD, "acknowledge": ""})
    assert not password_accepted(response)
    assert password_accepted(sign_in_post(client, user.username, PASSWORD))


def test_row_08_a_city_may_word_its_own_banner(program, settings) -> None:
    settings.VIP_USE_BANNER = {
        "en": "City of Example: official use only.",
        "es": "Ciudad de Ejemplo: solo uso oficial.",
    }
    assert "City of Example: official use only." in Client().get(reverse("account_login")).content.decode()
    spanish = Client()
    spanish.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "Ciudad de Ejemplo: solo uso oficial." in spanish.get(reverse("account_login")).content.decode()
    settings.VIP_USE_BANNER = {"en": "City of Example: official use only."}  # no Spanish: the city's own
    assert "City of Example: official use only." in spanish.get(reverse("account_login")).content.decode()

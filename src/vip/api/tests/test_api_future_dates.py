"""Issue 14: the API goes through the services, so an event in the future is refused there too:
400, the field named, nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from vip.accounts.tokens import token_create
from vip.core.future import latest_day
from vip.identification.models import Incident
from vip.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(program, make_user) -> str:
    user = make_user("integration", second_factor=False)
    return token_create(actor=None, user=user, name="hospital")[1]


def _post(client, url, key, body):
    return client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_referral_received_tomorrow_answers_400_naming_received_on(client, key) -> None:
    tomorrow = (latest_day() + dt.timedelta(days=1)).isoformat()
    body = {
        "key": "UNMH-F-1",
        "person": {"key": "UNMH-P-F1", "first_name": "Ana", "last_name": "García"},
        "received_on": tomorrow,
        "source": "hospital",
    }
    response = _post(client, reverse("api:referrals"), key, body)
    assert response.status_code == 400, response.content
    assert "cannot be in the future" in " ".join(response.json()["received_on"])
    assert not Referral.objects.exists()
    assert (
        _post(client, reverse("api:referrals"), key, {**body, "received_on": latest_day().isoformat()}).status_code
        == 201
    )


def test_an_incident_an_hour_ahead_answers_400_naming_occurred_at(client, key) -> None:
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    body = {"key": "22-F1", "occurred_at": later, "type": "shooting", "involvements": []}
    response = _post(client, reverse("api:incidents"), key, body)
    assert response.status_code == 400, response.content
    assert "occurred_at" in response.json()
    assert not Incident.objects.exists()

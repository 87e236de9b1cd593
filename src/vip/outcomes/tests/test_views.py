"""The outcome page (police side): who may not record outcomes gets a 404, on record; a valid
form writes through the service and goes to the person's page; an invalid one comes back."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail
from vip.outcomes.models import Outcome

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _url(person) -> str:
    return f"/outcomes/people/{person.pk}/new/"


def _read(trail: AuditTrail, user, person, outcome: str) -> None:
    event = trail.single()
    assert (event.action, event.outcome, event.actor_id) == ("person.read", outcome, user.pk)
    assert (event.object_type, event.object_id) == ("people.person", str(person.pk))


def test_the_form_renders_for_police_and_audits_the_read(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["police"]).get(_url(world["own"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Record an outcome for Ana Quintana" in page
    assert 'name="source_ref"' in page
    _read(trail, world["police"], world["own"], "success")


@pytest.mark.parametrize("role", ["peer", "manager", "analyst", "admin"])
def test_the_form_is_a_404_for_who_may_not_record_outcomes(client, world, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(_url(world["own"]))
    assert response.status_code == 404
    assert "Quintana" not in response.content.decode()
    _read(trail, world[role], world["own"], "denied")


def test_a_person_that_does_not_exist_is_a_404_on_record(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["police"]).get("/outcomes/people/999999/new/")
    assert response.status_code == 404
    event = trail.single()
    assert (event.outcome, event.object_type, event.object_id) == ("denied", "people.person", "999999")


def test_a_valid_outcome_is_recorded(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["police"]).post(
        _url(world["nobody"]),
        {"occurred_on": "2022-12-02", "type": "arrest_firearm", "source_ref": "22-555", "notes": "Rifle"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['nobody'].pk}/"
    outcome = Outcome.objects.get()
    assert (outcome.person_id, outcome.occurred_on, outcome.type, outcome.source_ref, outcome.notes) == (
        world["nobody"].pk,
        dt.date(2022, 12, 2),
        "arrest_firearm",
        "22-555",
        "Rifle",
    )
    assert trail.actions() == [("outcome.record", "success")]


def test_a_refused_post_writes_nothing(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["manager"]).post(_url(world["own"]), {"occurred_on": "2022-12-02", "type": "shot"})
    assert response.status_code == 404
    assert Outcome.objects.count() == 0
    _read(trail, world["manager"], world["own"], "denied")


def test_an_invalid_outcome_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["police"]).post(_url(world["own"]), {"occurred_on": "2022-13-45", "type": "fine"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Select a valid choice. fine is not one of the available choices." in page
    assert Outcome.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]

"""The mediations' API: the log and one mediation as each role reads them, and recording one.

The same wall as the pages: managers get no topics, summary or notes (null); police, where the
profile lets them see mediations at all, the day, area and outcome only; a participant is named
only to a reader who sees them. Reads are audited; bad input is a 400 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import AuditTrail
from vip.accounts.tokens import token_create
from vip.mediations.models import Mediation
from vip.mediations.services import mediation_follow_up

from .conftest import DAY, switch_police

pytestmark = pytest.mark.django_db

SUMMARY = "Agreed to stay off the block"


@pytest.fixture
def tokens(world) -> dict[str, str]:
    return {
        role: token_create(actor=None, user=world[role], name="mediations")[1]
        for role in ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")
    }


@pytest.fixture
def mediation(world, record) -> Mediation:
    found = record()
    mediation_follow_up(actor=world["peer"], mediation=found, followed_up_on=DAY, outcome="resolved", note="Calm")
    return found


def _get(client, url: str, token: str, **params: Any):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, token: str, body: dict[str, Any]):
    return client.post(
        reverse("api:mediations"), body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _detail(mediation: Mediation) -> str:
    return reverse("api:mediations_detail", args=[mediation.pk])


def test_a_peer_reads_the_log_with_everything_and_the_read_is_audited(client, world, tokens, mediation) -> None:
    trail = AuditTrail()
    body = _get(client, reverse("api:mediations"), tokens["peer"]).json()
    (row,) = body["results"]
    assert (row["occurred_on"], row["area"], row["outcome"], row["summary"]) == (
        "2022-11-07",
        "southeast",
        "resolved",
        SUMMARY,
    )
    assert row["topics"] == ["social_media", "respect"] and row["recorded_by"] == world["peer"].username
    assert [(p["person"], p["name"]) for p in row["parties"]] == [(world["own"].pk, "Ana Quintana"), (None, "Flaco")]
    assert [(f["outcome"], f["note"]) for f in row["follow_ups"]] == [("resolved", "Calm")]
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("mediation.list_read", [mediation.pk])


def test_another_peer_gets_the_participant_unnamed(client, tokens, mediation) -> None:
    body = _get(client, _detail(mediation), tokens["other_peer"]).json()
    participant = body["parties"][0]
    assert participant == {
        "id": participant["id"],
        "took_part_as": "party",
        "participant": True,
        "person": None,
        "name": None,
        "phone": None,
        "removed": False,
    }
    assert "Quintana" not in str(body) and body["summary"] == SUMMARY


def test_a_manager_gets_no_topics_summary_or_notes(client, tokens, mediation) -> None:
    body = _get(client, _detail(mediation), tokens["manager"]).json()
    assert (body["topics"], body["summary"], body["follow_ups"][0]["note"]) == (None, None, None)
    assert "Ana Quintana" in str(body["parties"])


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_roles_that_see_no_mediation_are_refused(client, tokens, mediation, role) -> None:
    assert _get(client, reverse("api:mediations"), tokens[role]).status_code == 403
    assert _get(client, _detail(mediation), tokens[role]).status_code == 404


def test_with_the_switch_police_get_the_day_area_and_outcome_only(client, world, tokens, mediation) -> None:
    switch_police(True)
    body = _get(client, _detail(mediation), tokens["police"]).json()
    assert (body["occurred_on"], body["area"], body["outcome"]) == ("2022-11-07", "southeast", "resolved")
    assert all(body[name] is None for name in ("topics", "summary", "parties", "recorded_by", "key"))
    assert body["follow_ups"][0]["note"] is None
    text = _get(client, reverse("api:mediations"), tokens["police"]).content.decode()
    assert "Flaco" not in text and "Quintana" not in text and world["peer"].username not in text
    # Who took part, or what about, is not theirs to filter by either.
    assert _get(client, reverse("api:mediations"), tokens["police"], person=world["own"].pk).status_code == 403
    assert _get(client, reverse("api:mediations"), tokens["police"], topic="respect").status_code == 403


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"outcome": "resolved"}, 1),
        ({"outcome": "ongoing"}, 0),
        ({"month": "2022-11"}, 1),
        ({"month": "2022-12"}, 0),
        ({"area": "southeast"}, 1),
        ({"area": "valley"}, 0),
        ({"topic": "respect"}, 1),
        ({"topic": "drugs"}, 0),
    ],
)
def test_the_log_filters(client, tokens, mediation, params, count) -> None:
    assert _get(client, reverse("api:mediations"), tokens["peer"], **params).json()["count"] == count


def test_a_persons_mediations_only_for_who_sees_them(client, world, tokens, mediation) -> None:
    url = reverse("api:mediations")
    assert _get(client, url, tokens["peer"], person=world["own"].pk).json()["count"] == 1
    assert _get(client, url, tokens["other_peer"], person=world["own"].pk).json()["count"] == 0
    assert _get(client, url, tokens["peer"], person=world["nobody"].pk).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2022-13"}, "month"),
        ({"outcome": "won"}, "outcome"),
        ({"area": "mars"}, "area"),
        ({"person": "x"}, "person"),
    ],
)
def test_filters_not_understood_are_a_400_naming_them(client, tokens, mediation, params, field) -> None:
    response = _get(client, reverse("api:mediations"), tokens["peer"], **params)
    assert response.status_code == 400 and field in response.json()


BODY = {
    "key": "PHONE-7-1",
    "occurred_on": "2022-11-07",
    "outcome": "ongoing",
    "topics": ["money", "respect"],
    "area": "valley",
    "summary": "Owed money for a car",
    "outside": [{"name": "Chato", "phone": "505-555-0199", "took_part_as": "supporter"}],
}


def test_a_peer_sends_a_mediation_and_reads_it_back(client, world, tokens) -> None:
    response = _post(client, tokens["peer"], {**BODY, "people": [world["own"].pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Mediation.objects.get(key="PHONE-7-1")
    assert body["id"] == stored.pk and body["summary"] == "Owed money for a car"
    assert (stored.recorded_by, stored.area.code, stored.topics) == (world["peer"], "valley", ["money", "respect"])
    assert {(p.person_id or p.outside.name, p.role) for p in stored.parties.all()} == {
        (world["own"].pk, "party"),
        ("Chato", "supporter"),
    }
    # Sent again (the phone did not hear back): received once.
    assert _post(client, tokens["peer"], BODY).status_code == 409
    assert Mediation.objects.count() == 1


def test_a_participant_the_sender_does_not_see_is_refused(client, world, tokens) -> None:
    response = _post(client, tokens["peer"], {**BODY, "people": [world["elsewhere"].pk]})
    assert response.status_code == 403
    assert not Mediation.objects.exists()


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_roles_that_do_not_mediate_cannot_send_one(client, tokens, role) -> None:
    assert _post(client, tokens[role], BODY).status_code == 403
    assert not Mediation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topics": []}, "topics"),
        ({"topics": ["gossip"]}, "topics"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "occurred_on"),
        ({"outcome": "won"}, "outcome"),
        ({"area": "mars"}, "area"),
        ({"outside": [{"name": ""}]}, "outside"),
        ({"people": ["x"]}, "people"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, tokens, change, field) -> None:
    response = _post(client, tokens["manager"], {**BODY, **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Mediation.objects.exists()

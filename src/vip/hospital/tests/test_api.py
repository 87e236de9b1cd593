"""The hospital referrals' API: a hospital's system sends them by key; peer workers and managers
read them as the policy lets them; police and the other roles get nothing (the wall)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuditTrail
from vip.accounts.tokens import token_create
from vip.hospital.models import HospitalReferral
from vip.people.models import Person

from .conftest import referral_of, visit_to

pytestmark = pytest.mark.django_db

LIST = "/api/v1/hospital-referrals/"
SENT = {
    "key": "UNMH-2022-0042",
    "person": {"key": "UNMH-P-42", "first_name": "Marco", "last_name": "Sandoval", "date_of_birth": "2003-02-01"},
    "received_on": "2022-11-01",
    "hospital": "UNM Hospital",
    "unit": "Trauma ICU",
    "injury_date": "2022-10-31",
    "injury_type": "gunshot",
    "consent_to_contact": "yes",
    "clinical_notes": "API-CLINICAL-NOTE",
}


@pytest.fixture
def keys(world):
    return {role: token_create(actor=None, user=world[role], name="t")[1] for role in world if role in ROLES}


ROLES = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")


def _get(client, url, key):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client, key, body):
    return client.post(LIST, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_urls_are_named_in_the_api_namespace() -> None:
    assert reverse("api:hospital_referrals") == LIST
    assert reverse("api:hospital_referral", args=[7]) == f"{LIST}7/"


def test_a_hospital_sends_a_referral_once_and_reads_nothing_back(client, world, keys) -> None:
    response = _post(client, keys["integration"], SENT)
    assert response.status_code == 201, response.content
    made = HospitalReferral.objects.get()
    assert response.json() == {"id": made.pk, "key": "UNMH-2022-0042"}
    assert (made.referral.person.key, made.clinical_notes, made.consent_to_contact) == (
        "UNMH-P-42",
        "API-CLINICAL-NOTE",
        "yes",
    )
    assert _post(client, keys["integration"], SENT).status_code == 409
    assert HospitalReferral.objects.count() == 1
    assert _get(client, LIST, keys["integration"]).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"injury_type": "burn"}, "injury_type"),
        ({"injury_date": "2022-11-09"}, "injury_date"),
        ({"received_on": "0036-01-01"}, "received_on"),
        ({"hospital": 7}, "hospital"),
    ],
)
def test_a_bad_referral_answers_400_naming_the_field(client, world, keys, change, field) -> None:
    response = _post(client, keys["integration"], {**SENT, **change})
    assert response.status_code == 400
    assert field in response.json()
    assert not Person.objects.filter(key="UNMH-P-42").exists()


def test_a_peer_sends_none_for_a_person_off_their_caseload_and_police_none_at_all(client, world, keys) -> None:
    response = _post(client, keys["peer"], SENT)
    assert response.status_code == 403
    assert response.json()["detail"] == "This person is not on your caseload."
    assert _post(client, keys["police"], {**SENT, "key": "X-2"}).status_code == 403
    assert HospitalReferral.objects.count() == 0 and not Person.objects.filter(key="UNMH-P-42").exists()


def test_peers_and_managers_read_what_the_policy_lets_them(client, world, keys) -> None:
    made = referral_of(world["own"], world["peer"])
    visit_to(made, world["peer"], notes="API-VISIT-NOTE", consent_given=True)
    trail = AuditTrail()
    listed = _get(client, LIST, keys["peer"]).json()
    assert [r["id"] for r in listed["results"]] == [made.pk]
    assert listed["results"][0]["clinical_notes"] == "Through-and-through wound, left thigh"
    assert listed["results"][0]["consent_to_contact"] == "yes"
    assert trail.single().action == "hospitalreferral.list_read"
    one = _get(client, f"{LIST}{made.pk}/", keys["peer"]).json()
    assert [v["notes"] for v in one["visits"]] == ["API-VISIT-NOTE"]
    assert one["hours_to_first_visit"] == 58.5
    managers = _get(client, f"{LIST}{made.pk}/", keys["manager"]).json()
    assert managers["clinical_notes"] is None and managers["referring_staff"] == "Nurse Ortiz"
    assert [(v["outcome"], v["notes"]) for v in managers["visits"]] == [("reached", None)]
    assert b"API-VISIT-NOTE" not in _get(client, LIST, keys["manager"]).content
    assert _get(client, f"{LIST}?consent_to_contact=no", keys["manager"]).json()["results"] == []


def test_the_wall_and_the_caseload_hold_in_the_api(client, world, keys) -> None:
    made = referral_of(world["own"], world["peer"])
    for role in ("police", "analyst", "admin", "integration"):
        assert _get(client, LIST, keys[role]).status_code == 403, role
        assert _get(client, f"{LIST}{made.pk}/", keys[role]).status_code == 404, role
    assert _get(client, LIST, keys["other_peer"]).json()["results"] == []
    trail = AuditTrail()
    assert _get(client, f"{LIST}{made.pk}/", keys["other_peer"]).status_code == 404
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("hospitalreferral.read", "denied", str(made.pk))


def test_reading_one_is_audited_once(client, world, keys) -> None:
    made = referral_of(world["own"], world["peer"])
    trail = AuditTrail()
    assert _get(client, f"{LIST}{made.pk}/", keys["peer"]).status_code == 200
    event = trail.single()
    assert (event.action, event.outcome, event.changes) == ("hospitalreferral.read", "success", {"api": True})


def test_the_list_narrows_to_one_person(client, world, keys) -> None:
    made = referral_of(world["own"], world["peer"])
    referral_of(world["nobody"], world["manager"])
    assert [r["id"] for r in _get(client, f"{LIST}?person={world['own'].pk}", keys["manager"]).json()["results"]] == [
        made.pk
    ]
    for junk in ("abc", "0", "99999999999999999999999", "-1"):
        response = _get(client, f"{LIST}?person={junk}", keys["manager"])
        assert response.status_code == 200 and response.json()["results"] == [], junk

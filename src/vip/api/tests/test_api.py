"""The REST API: token authentication, each role's reach, the wall, and the committed schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.urls import reverse

from vip.accounts.tokens import token_create, token_revoke
from vip.notifications.services import attempt_record
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.models import Referral

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).parents[4] / "docs" / "openapi.yaml"


@pytest.fixture
def tokens(program, make_user):
    out = {}
    for role in ("peer", "police", "manager", "analyst", "admin", "integration"):
        user = make_user(role, second_factor=False)
        out[role] = (user, token_create(actor=None, user=user, name=f"{role} test")[1])
    return out


def _get(client, url, key, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client, url, key, body):
    return client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


REFERRAL = {
    "key": "UNMH-2022-0001",
    "person": {"key": "UNMH-P-77", "first_name": "Ana", "last_name": "García", "date_of_birth": "2001-05-06"},
    "received_on": "2022-11-01",
    "source": "hospital",
    "referred_by": "UNM Hospital",
    "area": "southeast",
    "reason": "Gunshot wound",
}


def test_no_token_no_access(client, tokens) -> None:
    assert client.get(reverse("api:people")).status_code == 401
    assert client.get(reverse("api:people"), HTTP_AUTHORIZATION="Bearer vip_wrong").status_code == 401


def test_a_hospital_sends_a_referral(client, tokens) -> None:
    _, key = tokens["integration"]
    response = _post(client, reverse("api:referrals"), key, REFERRAL)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(key="UNMH-2022-0001")
    assert (referral.person.key, referral.person.last_name, referral.area.code) == ("UNMH-P-77", "García", "southeast")
    again = _post(client, reverse("api:referrals"), key, REFERRAL)
    assert again.status_code == 409
    assert Referral.objects.count() == 1
    # The integration account reads nothing back.
    assert _get(client, reverse("api:people"), key).status_code == 403
    bad = _post(client, reverse("api:referrals"), key, {**REFERRAL, "key": "x2", "source": "rumour"})
    assert bad.status_code == 400
    assert "source" in bad.json()


def test_a_records_system_sends_an_incident(client, tokens) -> None:
    _, key = tokens["integration"]
    body = {
        "key": "22-104455",
        "occurred_at": "2022-10-03T01:10:00-06:00",
        "type": "shooting",
        "area": "southeast",
        "involvements": [
            {"person": {"key": "APD-1", "first_name": "Luis", "last_name": "Baca"}, "role": "victim"},
            {"person": {"key": "APD-2", "first_name": "Marcus", "last_name": "Lee"}, "role": "suspect"},
        ],
    }
    assert _post(client, reverse("api:incidents"), key, body).status_code == 201
    assert Person.objects.filter(key__in=["APD-1", "APD-2"]).count() == 2
    assert _post(client, reverse("api:incidents"), tokens["peer"][1], {**body, "key": "22-2"}).status_code == 403


def test_the_wall_and_the_caseload_hold_in_the_api(client, tokens) -> None:
    peer, peer_key = tokens["peer"]
    mine = person_assign_peer(
        actor=None, person=person_create(actor=None, first_name="Eva", last_name="Yazzie"), peer=peer
    )
    other = person_create(actor=None, first_name="Rosa", last_name="Chávez")
    attempt_record(
        actor=peer,
        person=mine,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=ZoneInfo("America/Denver")),
        outcome="delivered",
        team={"peer_support"},
        notes="VISIT-CANARY",
    )
    listed = _get(client, reverse("api:people"), peer_key).json()
    assert [p["id"] for p in listed["results"]] == [mine.pk]
    assert _get(client, reverse("api:person", args=[other.pk]), peer_key).status_code == 404
    police_key = tokens["police"][1]
    assert _get(client, reverse("api:person", args=[other.pk]), police_key).status_code == 200
    for role in ("analyst", "admin"):
        assert _get(client, reverse("api:people"), tokens[role][1]).status_code == 403
    search = _get(client, reverse("api:people"), police_key, q="chavez").json()
    assert [p["last_name"] for p in search["results"]] == ["Chávez"]
    for role in ("police", "manager", "peer"):
        assert b"VISIT-CANARY" not in _get(client, reverse("api:people"), tokens[role][1]).content


def test_revoked_token(client, tokens) -> None:
    user, key = tokens["police"]
    assert _get(client, reverse("api:people"), key).status_code == 200
    token_revoke(actor=None, token=user.api_tokens.get())
    assert _get(client, reverse("api:people"), key).status_code == 401


def test_report_figures_for_evaluators(client, tokens) -> None:
    from vip.core.dates import Month
    from vip.reports.services import report_generate

    report_generate(actor=None, month=Month(2022, 11), formats=["json"])
    response = _get(client, reverse("api:report", args=["2022-11"]), tokens["analyst"][1])
    assert response.status_code == 200
    assert response.json()["numbers"]["tables"][0]["id"] == "area_command"
    assert _get(client, reverse("api:report", args=["2021-01"]), tokens["analyst"][1]).status_code == 404
    assert _get(client, reverse("api:report", args=["2022-11"]), tokens["integration"][1]).status_code == 403


def test_the_committed_schema_is_the_served_one(client) -> None:
    served = yaml.safe_load(client.get(reverse("api:schema")).content)
    committed = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    assert served == committed, "docs/openapi.yaml is out of date: run `make openapi`"


@pytest.mark.parametrize("tail", ["v1/people/%5B%0A%C2%A8%23/", "v1/nothing/", "v1/people/%0A/", "%0D%0A"])
def test_unknown_api_addresses_answer_json_404(client, tokens, tail: str) -> None:
    response = client.get(f"/api/{tail}", HTTP_AUTHORIZATION=f"Bearer {tokens['manager'][1]}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_peer_sends_referrals_only_for_their_own_caseload(client, tokens) -> None:
    """As on the web: the API attaches no referral to a person off the peer's caseload, known or new."""
    peer, peer_key = tokens["peer"]
    mine = person_assign_peer(
        actor=None, person=person_create(actor=None, first_name="Eva", last_name="Yazzie", key="MINE-1"), peer=peer
    )
    person_create(actor=None, first_name="Rosa", last_name="Chávez", key="OTHER-1")
    people = Person.objects.count()
    for n, person_key in enumerate(["OTHER-1", "NEW-1"]):
        body = {**REFERRAL, "key": f"R-{n}", "person": {**REFERRAL["person"], "key": person_key}}
        response = _post(client, reverse("api:referrals"), peer_key, body)
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == "This person is not on your caseload."
    assert Referral.objects.count() == 0 and Person.objects.count() == people
    body = {**REFERRAL, "key": "R-mine", "person": {**REFERRAL["person"], "key": "MINE-1"}}
    assert _post(client, reverse("api:referrals"), peer_key, body).status_code == 201
    assert Referral.objects.get().person_id == mine.pk


def test_row_45_the_api_refuses_dates_no_import_could_read_back(client, tokens) -> None:
    """Year 265 (found by the hostile run: stored, then exported with a local-mean-time offset the
    import refuses) and year 9999 answer 400 with the reason, and nothing is stored."""
    _, key = tokens["integration"]
    for when in ("0265-03-15T15:20:44-06:00", "9999-01-01T00:00:00Z"):
        body = {"key": f"X-{when[:4]}", "occurred_at": when, "type": "shooting"}
        response = _post(client, reverse("api:incidents"), key, body)
        assert response.status_code == 400, response.content
        assert "is outside 1900-01-01 to 2199-12-31" in response.content.decode()
    referral = {
        "key": "R-old",
        "received_on": "0036-01-01",
        "source": "hospital",
        "person": {"key": "H-1", "first_name": "A", "last_name": "B", "date_of_birth": "1850-01-01"},
    }
    response = _post(client, reverse("api:referrals"), key, referral)
    assert response.status_code == 400
    assert "received_on" in response.json() and "date_of_birth" in response.json()["person"]
    assert not Person.objects.filter(key="H-1").exists()

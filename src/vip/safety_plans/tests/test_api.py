"""The API of safety plans: a person's plan as the caller sees it, and recording a check-in; the
same wall as the pages (token authentication, the caller's role)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from tests.factories import AuditTrail
from vip.accounts.tokens import token_create
from vip.safety_plans.models import SafetyCheckIn
from vip.safety_plans.services import safety_check_in_record

from .conftest import SECTIONS_V1

pytestmark = pytest.mark.django_db

PLAN = "/api/v1/safety-plans/"
CHECK_INS = "/api/v1/safety-plans/check-ins/"


@pytest.fixture
def keys(world):
    return {
        role: token_create(actor=None, user=world[role], name="test")[1]
        for role in ("peer", "other_peer", "police", "manager", "analyst", "integration")
    }


def _get(client, key, **params):
    return client.get(PLAN, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client, key, body):
    return client.post(CHECK_INS, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def planned(world, write_plan):
    write_plan()
    return safety_check_in_record(
        actor=world["peer"],
        person=world["own"],
        checked_at=dt.datetime(2022, 11, 6, 17, tzinfo=dt.UTC),
        status="concerns",
        note="Threats by text",
    )


def test_the_peer_reads_the_plan_in_full_and_the_read_is_audited(client, world, keys, planned) -> None:
    trail = AuditTrail()
    response = _get(client, keys["peer"], person=world["own"].pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["person"], body["current"], body["version"]) == (world["own"].pk, 1, 1)
    assert [{k: v[k] for k in SECTIONS_V1} for v in body["versions"]] == [SECTIONS_V1]
    assert [(c["status"], c["note"], c["plan_number"]) for c in body["check_ins"]] == [
        ("concerns", "Threats by text", 1)
    ]
    event = trail.single()
    assert (event.action, event.object_id) == ("safetyplan.read", str(planned.plan_id))


def test_a_manager_reads_the_plan_without_its_text(client, world, keys, planned) -> None:
    body = _get(client, keys["manager"], person=world["own"].pk).json()
    assert body["versions"][0]["number"] == 1 and body["versions"][0]["written_on"] == "2022-11-01"
    assert {body["versions"][0][name] for name in (*SECTIONS_V1, "reason")} == {None}
    assert body["check_ins"][0]["status"] == "concerns" and body["check_ins"][0]["note"] is None
    assert "Westside" not in str(body) and "Threats" not in str(body)


@pytest.mark.parametrize("role", ["police", "other_peer"])
def test_who_does_not_see_the_plan_gets_a_404_on_record(client, world, keys, planned, role) -> None:
    trail = AuditTrail()
    response = _get(client, keys[role], person=world["own"].pk)
    assert response.status_code == 404
    assert "Westside" not in response.content.decode()
    assert [(e.action, e.outcome) for e in trail.events()] == [("person.read", "denied")]


def test_a_person_without_a_plan_a_missing_or_junk_person_id(client, world, keys) -> None:
    assert _get(client, keys["peer"], person=world["own"].pk).status_code == 404
    assert _get(client, keys["peer"]).status_code == 400
    assert _get(client, keys["peer"], person="1; drop").status_code == 400
    assert _get(client, keys["peer"], person="9" * 30).status_code == 400
    assert client.get(PLAN, {"person": world["own"].pk}).status_code == 401


def test_the_peer_app_records_a_check_in(client, world, keys, planned) -> None:
    body = {
        "person": world["own"].pk,
        "checked_at": "2022-11-07T09:30:00-07:00",
        "status": "safe",
        "plan_still_fits": True,
        "note": "Better this week",
    }
    response = _post(client, keys["peer"], body)
    assert response.status_code == 201, response.content
    check_in = SafetyCheckIn.objects.get(pk=response.json()["id"])
    assert (check_in.status, check_in.plan_still_fits, check_in.note, check_in.by_id) == (
        "safe",
        True,
        "Better this week",
        world["peer"].pk,
    )
    assert check_in.checked_at == dt.datetime(2022, 11, 7, 16, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checked_at": "2022-11-07T09:30:00"}, "checked_at"),  # no UTC offset
        ({"checked_at": "2999-01-01T09:30:00Z"}, "checked_at"),  # in the future
        ({"checked_at": "2024-01-01T12:99:00Z"}, "checked_at"),  # well formed, no such minute (was a 500)
        ({"status": "fine"}, "status"),
        ({"note": 5}, "note"),
    ],
)
def test_a_bad_check_in_answers_400_naming_the_field(client, world, keys, planned, change, field) -> None:
    body = {"person": world["own"].pk, "checked_at": "2022-11-07T09:30:00-07:00", "status": "safe", **change}
    response = _post(client, keys["peer"], body)
    assert response.status_code == 400
    assert field in response.json()
    assert SafetyCheckIn.objects.count() == 1


def test_a_check_in_for_a_person_without_a_plan_answers_400(client, world, keys) -> None:
    body = {"person": world["own"].pk, "checked_at": "2022-11-07T09:30:00-07:00", "status": "safe"}
    response = _post(client, keys["peer"], body)
    assert response.status_code == 400 and "person" in response.json()


@pytest.mark.parametrize(("role", "status"), [("police", 403), ("other_peer", 400), ("analyst", 403)])
def test_who_may_not_check_in_is_refused(client, world, keys, planned, role, status) -> None:
    body = {"person": world["own"].pk, "checked_at": "2022-11-07T09:30:00-07:00", "status": "safe"}
    assert _post(client, keys[role], body).status_code == status
    assert SafetyCheckIn.objects.count() == 1


def test_the_schema_describes_the_safety_plan_operations(client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert {"/api/v1/safety-plans/", "/api/v1/safety-plans/check-ins/"} <= set(schema["paths"])
    assert "get" in schema["paths"]["/api/v1/safety-plans/"]
    assert "post" in schema["paths"]["/api/v1/safety-plans/check-ins/"]

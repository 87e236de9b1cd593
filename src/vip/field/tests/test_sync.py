"""The peer app's calls: start, caseload and sync (docs/field-app.md)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from vip.accounts.services import user_deactivate
from vip.audit.models import AuditEvent
from vip.casework.models import CaseNote, Contact
from vip.field.models import FieldDevice, FieldSubmission
from vip.notifications.models import NotificationAttempt
from vip.notifications.services import legal_assessment_write, notification_plan

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def client_of(user: Any, device: str | None = None) -> tuple[Client, dict[str, str]]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    headers = {"X-Vip-Device": device or str(uuid.uuid4())}
    started = client.get("/field/api/start", headers=headers)
    assert started.status_code == 200, started.content
    headers["X-CSRFToken"] = started.json()["csrf"]
    return client, headers


def entry(kind: str, data: dict[str, Any], key: str | None = None, minutes_ago: int = 30) -> dict[str, Any]:
    when = NOW - dt.timedelta(minutes=minutes_ago)
    return {
        "key": key or str(uuid.uuid4()),
        "kind": kind,
        "device_time": when.isoformat(),
        "server_time": (when + dt.timedelta(seconds=42)).isoformat(),
        "data": data,
    }


def sync(client: Client, headers: dict[str, str], *entries: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(
        "/field/api/sync", json.dumps({"entries": list(entries)}), content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_an_entry_arrives_once_however_often_it_is_sent(world) -> None:
    client, headers = client_of(world["peer"])
    contact = entry(
        "contact",
        {"person": world["own"].pk, "contacted_at": (NOW - dt.timedelta(hours=1)).isoformat(), "kind": "in_person"},
    )
    first = sync(client, headers, contact)
    assert first[0]["status"] == "stored"
    again = sync(client, headers, contact, contact)
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert again[0]["object"] == first[0]["object"]
    assert Contact.objects.filter(person=world["own"]).count() == 1
    assert FieldSubmission.objects.filter(key=contact["key"]).count() == 1


def test_each_entry_is_audited_with_both_times(world) -> None:
    client, headers = client_of(world["peer"])
    note = entry("case_note", {"person": world["own"].pk, "text": "talked at the corner"}, minutes_ago=90)
    result = sync(client, headers, note)[0]
    written = CaseNote.objects.get(pk=result["object"]["id"])
    event = AuditEvent.objects.get(action="field.received", object_id=str(written.pk))
    assert event.actor == world["peer"]
    assert event.changes["key"] == note["key"]
    assert event.changes["device_time"] == note["device_time"]
    assert event.changes["server_time_then"] == note["server_time"]
    assert dt.datetime.fromisoformat(event.changes["received_at"]) > dt.datetime.fromisoformat(note["device_time"])
    # The record's own audit event is there too, written by the same service a page uses.
    assert AuditEvent.objects.filter(action="casework.case_note", object_id=str(written.pk)).exists()
    submission = FieldSubmission.objects.get(key=note["key"])
    assert submission.device.device_id == uuid.UUID(headers["X-Vip-Device"])


def test_an_attempt_on_a_planned_notification(world) -> None:
    plan = notification_plan(actor=world["manager"], person=world["own"], planned_on=NOW.date())
    client, headers = client_of(world["peer"])
    attempt = entry(
        "attempt",
        {
            "person": world["own"].pk,
            "notification": plan.pk,
            "attempted_at": (NOW - dt.timedelta(hours=2)).isoformat(),
            "outcome": "not_found",
            "team": ["peer_support", "community_leader"],
            "notes": "nobody home",
        },
    )
    assert sync(client, headers, attempt)[0]["status"] == "stored"
    stored = NotificationAttempt.objects.get(person=world["own"])
    assert stored.notification == plan and stored.team_community_leader and stored.outcome == "not_found"


def test_another_caseload_and_bad_entries_are_refused_with_the_reason(world) -> None:
    client, headers = client_of(world["peer"])
    results = sync(
        client,
        headers,
        entry("case_note", {"person": world["elsewhere"].pk, "text": "not mine"}),
        entry("contact", {"person": world["own"].pk, "contacted_at": "2024-01-01T12:99:00Z", "kind": "phone"}),
        entry("teleport", {"person": world["own"].pk}),
        {"key": "not-a-uuid", "kind": "case_note", "device_time": NOW.isoformat(), "data": {}},
        entry("case_note", {"person": world["own"].pk, "text": "fine"}),
    )
    assert [r["status"] for r in results] == ["refused", "refused", "refused", "refused", "stored"]
    assert "caseload" in results[0]["message"]
    assert "contacted_at" in results[1]["message"]
    assert not CaseNote.objects.filter(person=world["elsewhere"]).exists()
    # A refusal is final: sent again, the same answer, nothing written.
    resent = {**entry("case_note", {"person": world["own"].pk, "text": "now mine?"}), "key": results[0]["key"]}
    assert sync(client, headers, resent)[0]["status"] == "refused"
    assert CaseNote.objects.count() == 1
    assert AuditEvent.objects.filter(action="field.received", outcome="denied").count() == 1


def test_only_peer_workers_use_the_app(world) -> None:
    for role in ("police", "manager", "analyst", "admin"):
        client = Client()
        client.force_login(world[role])
        assert client.get("/field/api/start", headers={"X-Vip-Device": str(uuid.uuid4())}).status_code == 403
        assert client.get("/field/api/caseload", headers={"X-Vip-Device": str(uuid.uuid4())}).status_code == 403
        assert client.get("/field/").status_code == 403
    anonymous = Client()
    assert anonymous.get("/field/api/caseload").status_code == 401
    assert anonymous.get("/field/").status_code == 302  # to the sign-in page


def test_the_caseload_holds_the_peers_own_people_and_no_police_field(world) -> None:
    plan = notification_plan(actor=world["manager"], person=world["own"], planned_on=NOW.date())
    legal_assessment_write(
        actor=world["police"], notification=plan, text="CANARYLEGALFIELD31 exposure", expected_version=plan.version
    )
    client, headers = client_of(world["peer"])
    response = client.get("/field/api/caseload", headers=headers)
    snapshot = response.json()
    assert [p["id"] for p in snapshot["people"]] == [world["own"].pk]
    assert snapshot["people"][0]["plans"] == [{"id": plan.pk, "planned_on": plan.planned_on.isoformat()}]
    text = response.content.decode()
    assert "CANARYLEGALFIELD31" not in text and "legal" not in text.lower()
    assert world["elsewhere"].last_name not in text and world["nobody"].last_name not in text
    assert AuditEvent.objects.filter(action="field.caseload", actor=world["peer"]).exists()


def test_a_deactivated_accounts_device_is_told_to_wipe(world) -> None:
    device = str(uuid.uuid4())
    client_of(world["peer"], device)
    user_deactivate(actor=world["admin"], user=world["peer"])
    # Its session is gone; the device still learns to wipe, signed in or not.
    for url in ("/field/api/start", "/field/api/caseload"):
        answer = Client().get(url, headers={"X-Vip-Device": device})
        assert answer.status_code == 410 and answer.json()["wipe"] is True
    assert FieldDevice.objects.get(device_id=device).wiped_at is not None
    assert AuditEvent.objects.filter(action="field.device_wipe").count() == 1
    # Another device, never registered: nothing to say but "sign in".
    assert Client().get("/field/api/start", headers={"X-Vip-Device": str(uuid.uuid4())}).status_code == 401


def test_a_shared_phone_wipes_when_another_account_signs_in(world) -> None:
    device = str(uuid.uuid4())
    client_of(world["peer"], device)
    other = Client()
    other.force_login(world["other_peer"])
    answer = other.get("/field/api/start", headers={"X-Vip-Device": device}).json()
    assert answer["wipe"] is True
    assert FieldDevice.objects.get(device_id=device).user == world["peer"]


def test_a_sync_needs_the_csrf_token(world) -> None:
    client, headers = client_of(world["peer"])
    del headers["X-CSRFToken"]
    body = json.dumps({"entries": [entry("case_note", {"person": world["own"].pk, "text": "x"})]})
    answer = client.post("/field/api/sync", body, content_type="application/json", headers=headers)
    assert answer.status_code == 403
    assert not CaseNote.objects.exists()


def test_the_shell_and_its_worker_hold_no_data(world) -> None:
    client, _ = client_of(world["peer"])
    page = client.get("/field/").content.decode()
    assert world["own"].last_name not in page
    worker = Client().get("/field/sw.js")
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/field/"
    assert "/field/api/" not in json.loads(worker.content.decode().split("const SHELL = ")[1].split(";")[0])
    assert Client().get("/field/manifest.webmanifest").json()["start_url"] == "/field/"

"""The casework pages: needs assessment, contact, case note.

Each page is for who may take its action on this person (the policy's ACTIONS); anyone else,
and anyone who does not see the person, gets a 404 and the refusal is on record. A valid form
writes through the service and goes to the person's page; an invalid one comes back with the
error and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail
from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _url(page: str, person) -> str:
    return f"/casework/people/{person.pk}/{page}/"


def _read(trail: AuditTrail, user, person, outcome: str) -> None:
    """The request's one event: a read of the person by that user, with that outcome."""
    event = trail.single()
    assert (event.action, event.outcome, event.actor_id) == ("person.read", outcome, user.pk)
    assert (event.object_type, event.object_id) == ("people.person", str(person.pk))


PAGES = {
    "needs": "Needs assessment: Ana Quintana",
    "contact": "Contact with Ana Quintana",
    "note": "Case note: Ana Quintana",
}


@pytest.mark.parametrize(
    ("page", "role"), [("needs", "peer"), ("contact", "peer"), ("contact", "manager"), ("note", "peer")]
)
def test_each_page_renders_for_who_may_act_and_audits_the_read(client, world, page, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(_url(page, world["own"]))
    assert response.status_code == 200
    assert PAGES[page] in response.content.decode()
    _read(trail, world[role], world["own"], "success")


@pytest.mark.parametrize(
    ("page", "role", "person"),
    [
        # Not on the peer's caseload.
        ("needs", "peer", "elsewhere"),
        ("contact", "peer", "elsewhere"),
        ("note", "peer", "elsewhere"),
        # A manager sees the person but may not assess needs or write notes.
        ("needs", "manager", "own"),
        ("note", "manager", "own"),
        # The wall: police see the person, never their casework.
        ("needs", "police", "own"),
        ("contact", "police", "own"),
        ("note", "police", "own"),
        ("note", "analyst", "own"),
        ("note", "admin", "own"),
    ],
)
def test_each_page_is_a_404_for_who_may_not_act_and_the_refusal_is_on_record(client, world, page, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(_url(page, world[person]))
    assert response.status_code == 404
    assert world[person].last_name not in response.content.decode()
    _read(trail, world[role], world[person], "denied")


def test_a_refused_post_writes_nothing(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["police"]).post(_url("note", world["own"]), {"text": "Police should not write this"})
    assert response.status_code == 404
    assert CaseNote.objects.count() == 0
    _read(trail, world["police"], world["own"], "denied")


# --- needs -----------------------------------------------------------------------------------------


def test_a_valid_needs_assessment_is_recorded(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        _url("needs", world["own"]),
        {"assessed_on": "2022-11-04", "summary": "Wants work", "need_housing": "urgent", "need_education": "none"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    assessment = NeedsAssessment.objects.get()
    assert (assessment.person_id, assessment.assessed_on, assessment.assessed_by_id, assessment.summary) == (
        world["own"].pk,
        dt.date(2022, 11, 4),
        world["peer"].pk,
        "Wants work",
    )
    # Domains left "not assessed" are not recorded.
    assert {(i.domain, i.level) for i in NeedItem.objects.all()} == {("housing", "urgent"), ("education", "none")}
    assert trail.actions() == [("casework.needs_assessment", "success")]


def test_an_invalid_needs_assessment_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(_url("needs", world["own"]), {"assessed_on": "", "need_housing": "dire"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page
    assert "Select a valid choice. dire is not one of the available choices." in page
    assert NeedsAssessment.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]


# --- contact ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "manager"])
def test_a_valid_contact_is_recorded_in_the_programs_time(client, world, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).post(
        _url("contact", world["own"]),
        {"contacted_at": "2022-11-10T09:15", "kind": "phone", "minutes": "25", "summary": "Job interview"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    contact = Contact.objects.get()
    assert (contact.person_id, contact.by_id, contact.kind, contact.minutes, contact.summary) == (
        world["own"].pk,
        world[role].pk,
        "phone",
        25,
        "Job interview",
    )
    # 09:15 in Albuquerque (MST, UTC-7) is 16:15 UTC.
    assert contact.contacted_at == dt.datetime(2022, 11, 10, 16, 15, tzinfo=dt.UTC)
    assert trail.actions() == [("casework.contact", "success")]


def test_an_invalid_contact_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        _url("contact", world["own"]), {"contacted_at": "2022-11-10T09:15", "kind": "phone", "minutes": "-5"}
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert Contact.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]


# --- case note -------------------------------------------------------------------------------------


def test_the_case_note_page_tells_the_peer_police_never_see_it(client, world) -> None:
    response = _as(client, world["peer"]).get(_url("note", world["own"]))
    assert "Case notes stay with you: police never see them." in response.content.decode()


def test_a_valid_case_note_is_written(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(_url("note", world["own"]), {"text": "Talked about school"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    note = CaseNote.objects.get()
    assert (note.person_id, note.author_id, note.text) == (world["own"].pk, world["peer"].pk, "Talked about school")
    assert trail.actions() == [("casework.case_note", "success")]


@pytest.mark.parametrize("text", ["", "    "])
def test_an_empty_case_note_comes_back_with_the_error(client, world, text) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(_url("note", world["own"]), {"text": text})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert CaseNote.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]

"""The notification pages: plan one, record an attempt, write the legal assessment (police).

A page for a person or notification the reader may not see, or an action they may not take,
answers 404 and records the refusal; a valid form writes through the service and redirects;
an invalid one comes back with the error and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail, NotificationFactory
from vip.notifications.models import CustomNotification, NotificationAttempt

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _read(trail: AuditTrail, user, object_type: str, object_id: int, outcome: str) -> None:
    """The request's one event: a read of that record by that user, with that outcome."""
    event = trail.single()
    assert (event.action.endswith(".read"), event.outcome, event.actor_id) == (True, outcome, user.pk)
    assert (event.object_type, event.object_id) == (object_type, str(object_id))


# --- plan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_the_plan_form_renders_for_staff_who_see_the_person(client, world, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/notifications/people/{world['own'].pk}/plan/")
    assert response.status_code == 200
    assert "Plan a custom notification for Ana Quintana" in response.content.decode()
    _read(trail, world[role], "people.person", world["own"].pk, "success")


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("analyst", "own"), ("admin", "own")])
def test_the_plan_form_is_a_404_for_a_person_the_reader_may_not_see(client, world, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/notifications/people/{world[person].pk}/plan/")
    assert response.status_code == 404
    assert world[person].last_name not in response.content.decode()
    _read(trail, world[role], "people.person", world[person].pk, "denied")


def test_a_valid_plan_is_recorded_and_the_reader_goes_back_to_the_person(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/notifications/people/{world['own'].pk}/plan/",
        {"planned_on": "2022-11-10", "team": [world["peer"].pk, world["police"].pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    plan = CustomNotification.objects.get()
    assert (plan.person_id, plan.planned_on, plan.status) == (world["own"].pk, dt.date(2022, 11, 10), "planned")
    assert set(plan.team.all()) == {world["peer"], world["police"]}
    assert trail.actions() == [("notification.plan", "success")]


def test_an_invalid_plan_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/notifications/people/{world['own'].pk}/plan/", {"planned_on": "", "team": [world["analyst"].pk]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page
    assert f"Select a valid choice. {world['analyst'].pk} is not one of the available choices." in page
    assert CustomNotification.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]


# --- attempt ---------------------------------------------------------------------------------------

ATTEMPT = {"attempted_at": "2022-11-03T18:30", "outcome": "delivered", "team": ["peer_support", "police"]}


def test_the_attempt_form_asks_the_peer_for_notes_and_starts_with_their_part_of_the_team(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).get(f"/notifications/people/{world['own'].pk}/attempt/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Record an attempt: Ana Quintana" in page
    assert 'name="notes"' in page
    assert 'value="peer_support" id="id_team_0" checked' in page
    _read(trail, world["peer"], "people.person", world["own"].pk, "success")


@pytest.mark.parametrize("role", ["police", "manager"])
def test_the_attempt_form_has_no_notes_for_who_may_not_read_them(client, world, role) -> None:
    response = _as(client, world[role]).get(f"/notifications/people/{world['own'].pk}/attempt/")
    assert response.status_code == 200
    assert 'name="notes"' not in response.content.decode()


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("analyst", "own"), ("admin", "own")])
def test_the_attempt_form_is_a_404_for_a_person_the_reader_may_not_see(client, world, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/notifications/people/{world[person].pk}/attempt/")
    assert response.status_code == 404
    _read(trail, world[role], "people.person", world[person].pk, "denied")


def test_a_valid_attempt_is_recorded_against_the_earliest_planned_notification(client, world) -> None:
    later = NotificationFactory(person=world["own"], planned_on=dt.date(2022, 11, 20))
    earlier = NotificationFactory(person=world["own"], planned_on=dt.date(2022, 11, 2))
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/notifications/people/{world['own'].pk}/attempt/",
        {**ATTEMPT, "legal_risk_explained": "yes", "offer_of_help": "no", "notes": "Grandmother present"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    attempt = NotificationAttempt.objects.get()
    assert (attempt.notification_id, attempt.outcome, attempt.team_roles) == (
        earlier.pk,
        "delivered",
        ["peer_support", "police"],
    )
    # The time typed is the program's local time (America/Denver).
    assert (attempt.attempted_on, attempt.attempted_at) == (
        dt.date(2022, 11, 3),
        dt.datetime(2022, 11, 4, 0, 30, tzinfo=dt.UTC),  # MDT: UTC-6 until November 6
    )
    assert (attempt.legal_risk_explained, attempt.offer_of_help, attempt.letter_given, attempt.notes) == (
        True,
        False,
        None,
        "Grandmother present",
    )
    assert CustomNotification.objects.get(pk=earlier.pk).status == "delivered"
    assert CustomNotification.objects.get(pk=later.pk).status == "planned"
    assert trail.actions() == [("notification.attempt", "success"), ("notification.delivered", "success")]


def test_notes_posted_by_police_are_not_kept(client, world) -> None:
    response = _as(client, world["police"]).post(
        f"/notifications/people/{world['own'].pk}/attempt/", {**ATTEMPT, "notes": "Should not be written"}
    )
    assert response.status_code == 302
    assert NotificationAttempt.objects.get().notes == ""


def test_an_invalid_attempt_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/notifications/people/{world['own'].pk}/attempt/",
        {"attempted_at": "yesterday evening", "outcome": "maybe", "team": ["neighbour"]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date/time." in page
    assert "Select a valid choice. maybe is not one of the available choices." in page
    assert "Select a valid choice. neighbour is not one of the available choices." in page
    assert NotificationAttempt.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]


# --- the legal assessment --------------------------------------------------------------------------


def test_the_legal_assessment_form_shows_police_the_current_text(client, world) -> None:
    plan = NotificationFactory(person=world["own"], legal_assessment="Two open firearm cases")
    trail = AuditTrail()
    response = _as(client, world["police"]).get(f"/notifications/{plan.pk}/legal-assessment/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Legal assessment for Ana Quintana" in page
    assert "Two open firearm cases" in page
    _read(trail, world["police"], "notifications.customnotification", plan.pk, "success")


@pytest.mark.parametrize("role", ["peer", "manager", "analyst", "admin"])
def test_the_legal_assessment_is_a_404_for_everyone_but_police(client, world, role) -> None:
    plan = NotificationFactory(person=world["own"], legal_assessment="Two open firearm cases")
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/notifications/{plan.pk}/legal-assessment/")
    assert response.status_code == 404
    assert "Two open firearm cases" not in response.content.decode()
    _read(trail, world[role], "notifications.customnotification", plan.pk, "denied")


def test_a_peer_may_not_post_a_legal_assessment_either(client, world) -> None:
    plan = NotificationFactory(person=world["own"])
    response = _as(client, world["peer"]).post(
        f"/notifications/{plan.pk}/legal-assessment/", {"text": "Peer text", "version": plan.version}
    )
    assert response.status_code == 404
    assert CustomNotification.objects.get(pk=plan.pk).legal_assessment == ""


def test_police_write_the_legal_assessment(client, world) -> None:
    plan = NotificationFactory(person=world["own"])
    trail = AuditTrail()
    response = _as(client, world["police"]).post(
        f"/notifications/{plan.pk}/legal-assessment/", {"text": "Probation until 2024", "version": plan.version}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    stored = CustomNotification.objects.get(pk=plan.pk)
    assert (stored.legal_assessment, stored.legal_assessment_by_id) == ("Probation until 2024", world["police"].pk)
    assert trail.actions() == [("notification.legal_assessment", "success")]


def test_a_legal_assessment_saved_over_a_newer_one_comes_back_with_the_conflict(client, world) -> None:
    plan = NotificationFactory(person=world["own"], legal_assessment="Newer text")  # version 2
    trail = AuditTrail()
    response = _as(client, world["police"]).post(
        f"/notifications/{plan.pk}/legal-assessment/", {"text": "Older text", "version": 1}
    )
    assert response.status_code == 200
    assert "was changed by someone else after you opened it" in response.content.decode()
    assert CustomNotification.objects.get(pk=plan.pk).legal_assessment == "Newer text"
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("customnotification.read", "success")]


def test_an_empty_legal_assessment_comes_back_with_the_error(client, world) -> None:
    plan = NotificationFactory(person=world["own"])
    response = _as(client, world["police"]).post(
        f"/notifications/{plan.pk}/legal-assessment/", {"text": "", "version": plan.version}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert CustomNotification.objects.get(pk=plan.pk).version == 1

"""The referral pages: the queue, a new referral, assign, accept, close.

A page for a referral or a person the reader may not see, or an action they may not take,
answers 404 and records the refusal; a valid form writes through the service and redirects;
an invalid one comes back with the error and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from tests.factories import AuditTrail, PersonFactory, ReferralFactory
from vip.audit.models import AuditEvent
from vip.people.models import Person
from vip.referrals.models import Referral

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _denied(trail: AuditTrail, user, object_type: str, object_id: int) -> None:
    """The one event of the request: a refused read of that record by that user."""
    event = trail.single()
    assert (event.action.endswith(".read"), event.outcome, event.actor_id) == (True, "denied", user.pk)
    assert (event.object_type, event.object_id) == (object_type, str(object_id))


# --- the queue -------------------------------------------------------------------------------------


@pytest.fixture
def queue(world):
    return {
        "own": ReferralFactory(person=world["own"], received_on=dt.date(2022, 11, 2)),
        "offered": ReferralFactory(person=world["nobody"], assigned_to=world["peer"], received_on=dt.date(2022, 11, 1)),
        "elsewhere": ReferralFactory(person=world["elsewhere"], received_on=dt.date(2022, 11, 3)),
        "closed": ReferralFactory(
            person=PersonFactory(first_name="Diego", last_name="Cerrado"), closed_on=dt.date(2022, 11, 4)
        ),
    }


def test_the_queue_lists_the_open_referrals_the_peer_sees_and_audits_them(client, world, queue) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).get("/referrals/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quintana" in page and "Nadie" in page
    assert "Otero" not in page and "Cerrado" not in page
    event = trail.single()
    assert (event.action, event.outcome, event.object_type, event.actor_id) == (
        "referral.list_read",
        "success",
        "referrals.referral",
        world["peer"].pk,
    )
    # In the order of the queue: newest received first.
    assert event.changes == {
        "status": "open",
        "sort": "newest",
        "page": 1,
        "total": 2,
        "shown": [queue["own"].pk, queue["offered"].pk],
    }


def test_the_queue_offers_accept_only_to_the_assignee_and_assign_only_to_managers(client, world, queue) -> None:
    peer_page = _as(client, world["peer"]).get("/referrals/").content.decode()
    assert f'action="/referrals/{queue["offered"].pk}/accept/"' in peer_page
    assert f'action="/referrals/{queue["own"].pk}/accept/"' not in peer_page
    assert 'name="assignee"' not in peer_page and 'name="referral"' not in peer_page
    manager_page = _as(client, world["manager"]).get("/referrals/").content.decode()
    assert manager_page.count('name="referral"') == 3  # a box to tick on each of the three open referrals
    assert manager_page.count('name="assignee"') == 1  # one bulk assign
    assert "/accept/" not in manager_page


def test_the_closed_tab_lists_only_closed_referrals(client, world, queue) -> None:
    trail = AuditTrail()
    response = _as(client, world["manager"]).get("/referrals/", {"status": "closed"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cerrado" in page and "Quintana" not in page
    assert trail.single().changes == {
        "status": "closed",
        "sort": "newest",
        "page": 1,
        "total": 1,
        "shown": [queue["closed"].pk],
    }


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_the_queue_is_refused_to_roles_that_see_no_referrals(client, world, queue, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get("/referrals/")
    assert response.status_code == 403
    assert "Quintana" not in response.content.decode()
    assert trail.events() == []


def test_the_queue_needs_a_signed_in_user(client, queue) -> None:
    response = client.get("/referrals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- a new referral --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_the_new_referral_form_renders_for_staff_and_audits_the_read(client, world, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/referrals/people/{world['own'].pk}/new/")
    assert response.status_code == 200
    assert "New referral for Ana Quintana" in response.content.decode()
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("person.read", "success", str(world["own"].pk))


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("analyst", "own"), ("admin", "own")])
def test_the_new_referral_form_is_a_404_for_a_person_the_reader_may_not_see(client, world, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/referrals/people/{world[person].pk}/new/")
    assert response.status_code == 404
    assert world[person].last_name not in response.content.decode()
    _denied(trail, world[role], "people.person", world[person].pk)


def test_a_valid_referral_is_recorded_and_the_reader_goes_back_to_the_person(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/referrals/people/{world['own'].pk}/new/",
        {"received_on": "2022-11-07", "source": "school", "referred_by": "Valley High", "reason": "Truancy, threats"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world['own'].pk}/"
    referral = Referral.objects.get()
    assert (referral.person_id, referral.received_on, referral.source, referral.referred_by, referral.reason) == (
        world["own"].pk,
        dt.date(2022, 11, 7),
        "school",
        "Valley High",
        "Truancy, threats",
    )
    assert trail.actions() == [("referral.create", "success")]  # a POST records its write, not a read


def test_an_invalid_referral_comes_back_with_the_error(client, world) -> None:
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/referrals/people/{world['own'].pk}/new/", {"received_on": "not a date", "source": "carrier_pigeon"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Select a valid choice. carrier_pigeon is not one of the available choices." in page
    assert Referral.objects.count() == 0
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("person.read", "success")]


# --- assign, accept, close -------------------------------------------------------------------------


def test_a_manager_assigns_a_referral(client, world) -> None:
    referral = ReferralFactory(person=world["nobody"])
    trail = AuditTrail()
    response = _as(client, world["manager"]).post(f"/referrals/{referral.pk}/assign/", {"assignee": world["peer"].pk})
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.assigned_to_id) == ("assigned", world["peer"].pk)
    assert trail.actions() == [("referral.assign", "success")]


def test_assigning_to_someone_outside_program_staff_changes_nothing(client, world) -> None:
    referral = ReferralFactory(person=world["nobody"])
    trail = AuditTrail()
    response = _as(client, world["manager"]).post(
        f"/referrals/{referral.pk}/assign/", {"assignee": world["analyst"].pk}
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == "received"
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("referral.read", "success")]


@pytest.mark.parametrize("role", ["peer", "police"])
def test_assigning_is_a_404_for_a_role_that_may_not_assign_and_is_on_record(client, world, role) -> None:
    # The referral is one the reader sees (the peer's own caseload): the refusal is the action's.
    referral = ReferralFactory(person=world["own"])
    trail = AuditTrail()
    response = _as(client, world[role]).post(f"/referrals/{referral.pk}/assign/", {"assignee": world[role].pk})
    assert response.status_code == 404
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.assigned_to_id) == ("received", None)
    _denied(trail, world[role], "referrals.referral", referral.pk)


def test_assigning_a_closed_referral_is_refused_with_a_message(client, world) -> None:
    # E.g. from a queue page opened before someone else closed it.
    referral = ReferralFactory(person=world["own"], closed_on=dt.date(2022, 11, 5))
    trail = AuditTrail()
    response = _as(client, world["manager"]).post(f"/referrals/{referral.pk}/assign/", {"assignee": world["peer"].pk})
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["A closed referral cannot be assigned."]
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.assigned_to_id) == ("closed", None)
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("referral.read", "success")]


def test_assign_answers_get_with_405(client, world) -> None:
    referral = ReferralFactory(person=world["own"])
    assert _as(client, world["manager"]).get(f"/referrals/{referral.pk}/assign/").status_code == 405


def test_the_assignee_accepts_and_the_person_joins_their_caseload(client, world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(f"/referrals/{referral.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    assert Person.objects.get(pk=world["nobody"].pk).assigned_peer_id == world["peer"].pk
    assert trail.actions() == [("person.assign_peer", "success"), ("referral.accept", "success")]


def test_accepting_someone_elses_referral_is_refused_with_a_message(client, world) -> None:
    # The peer sees it (the person is on their caseload), but it is offered to another peer.
    referral = ReferralFactory(person=world["own"], assigned_to=world["other_peer"])
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(f"/referrals/{referral.pk}/accept/")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This referral is assigned to someone else."]
    assert Referral.objects.get(pk=referral.pk).status == "assigned"
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("referral.read", "success")]


def test_accepting_a_referral_the_peer_does_not_see_is_a_404(client, world) -> None:
    referral = ReferralFactory(person=world["elsewhere"], assigned_to=world["other_peer"])
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(f"/referrals/{referral.pk}/accept/")
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == "assigned"
    _denied(trail, world["peer"], "referrals.referral", referral.pk)


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_the_close_form_renders_for_staff_and_audits_the_read(client, world, role) -> None:
    referral = ReferralFactory(person=world["own"], key="R-CLOSE-ME")
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/referrals/{referral.pk}/close/")
    assert response.status_code == 200
    assert "Close referral R-CLOSE-ME" in response.content.decode()
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("referral.read", "success", str(referral.pk))


@pytest.mark.parametrize("role", ["other_peer", "analyst", "admin"])
def test_the_close_form_is_a_404_for_a_referral_the_reader_may_not_see(client, world, role) -> None:
    referral = ReferralFactory(person=world["own"], key="R-CLOSE-ME")
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/referrals/{referral.pk}/close/")
    assert response.status_code == 404
    assert "R-CLOSE-ME" not in response.content.decode()
    _denied(trail, world[role], "referrals.referral", referral.pk)


def test_a_valid_close_closes_the_referral(client, world) -> None:
    referral = ReferralFactory(person=world["own"])
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/referrals/{referral.pk}/close/", {"closed_on": "2022-11-15", "reason": "unreachable"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.closed_on, stored.close_reason) == ("closed", dt.date(2022, 11, 15), "unreachable")
    assert trail.actions() == [("referral.close", "success")]


def test_closing_before_it_was_received_comes_back_with_the_error(client, world) -> None:
    referral = ReferralFactory(person=world["own"], received_on=dt.date(2022, 11, 1))
    trail = AuditTrail()
    response = _as(client, world["peer"]).post(
        f"/referrals/{referral.pk}/close/", {"closed_on": "2022-10-01", "reason": "notified"}
    )
    assert response.status_code == 200
    assert "A referral cannot close before it was received." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "received"
    # Nothing written; the answer names the record all the same: its read (security row 36).
    assert trail.actions() == [("referral.read", "success")]


def test_every_refusal_is_on_record(client, world) -> None:
    """Probing referral ids that do not exist is audited like any refusal."""
    trail = AuditTrail()
    response = _as(client, world["manager"]).get("/referrals/999999/close/")
    assert response.status_code == 404
    _denied(trail, world["manager"], "referrals.referral", 999999)
    assert AuditEvent.objects.filter(outcome="denied").count() == 1

"""The safety plan pages: the list, a person's plan, an older version, writing and revising the
plan, checking in, voiding a check-in; and the card on the person page.

Each page about a person is for the readers whose safety plans include that person (the peer
worker of their caseload, managers); anyone else gets a 404 and the refusal is on record. A
manager's pages show that a plan exists and its check-ins' statuses, never the text."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import DENVER, AuditTrail
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion
from vip.safety_plans.services import safety_check_in_record, safety_plan_write

from .conftest import SECTIONS_V1

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2022, 11, 6, 10, 0, tzinfo=DENVER)


def _as(client, user):
    client.force_login(user)
    return client


def _plan(person) -> str:
    return f"/safety-plans/people/{person.pk}/"


def _refused(trail: AuditTrail, user, person) -> None:
    """The request's one event: a refusal naming the person."""
    event = trail.single()
    assert (event.outcome, event.actor_id, event.object_id) == ("denied", user.pk, str(person.pk))


@pytest.fixture
def planned(world, write_plan):
    """The own person's plan in two versions, with a check-in by the peer worker."""
    first = write_plan()
    safety_plan_write(
        actor=world["peer"],
        person=world["own"],
        written_on=dt.date(2022, 11, 4),
        expected_version=first.plan.version,
        **{**SECTIONS_V1, "goals": "Get a job", "avoid": "The park on 4th, and Central"},
        reason="Finished the GED",
    )
    return safety_check_in_record(
        actor=world["peer"],
        person=world["own"],
        checked_at=MORNING,
        status="concerns",
        plan_still_fits=False,
        note="Threats by text again",
    )


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_a_peer_their_caseloads_plans_with_the_last_check_in(client, world, planned) -> None:
    trail = AuditTrail()
    page = _as(client, world["peer"]).get("/safety-plans/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana Quintana" in html and "2022-11-06" in html and "Some concerns" in html
    assert "Version 2 of 2022-11-04" in html
    assert "Threats by text" not in html  # the list shows statuses, not notes
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("safety_plan.list_read", [planned.plan_id])


def test_the_list_filters_overdue_and_by_status(client, world, planned, write_plan) -> None:
    write_plan(world["elsewhere"], actor=world["other_peer"])
    manager = _as(client, world["manager"])
    both = manager.get("/safety-plans/").content.decode()
    assert "Ana Quintana" in both and "Luis Otero" in both
    # 2022-11-06 is long past: both are overdue; only Luis was never checked in with.
    overdue = manager.get("/safety-plans/?overdue=on").content.decode()
    assert "Ana Quintana" in overdue and "Luis Otero" in overdue
    none_yet = manager.get("/safety-plans/?status=none").content.decode()
    assert "Luis Otero" in none_yet and "Ana Quintana" not in none_yet
    concerns = manager.get("/safety-plans/?status=concerns").content.decode()
    assert "Ana Quintana" in concerns and "Luis Otero" not in concerns
    safety_check_in_record(actor=world["manager"], person=world["elsewhere"], checked_at=MORNING, status="safe")
    SafetyCheckIn.objects.filter(person=world["elsewhere"]).update(checked_at=dt.datetime.now(tz=dt.UTC))
    recent = manager.get("/safety-plans/?overdue=on").content.decode()
    assert "Ana Quintana" in recent and "Luis Otero" not in recent


def test_the_list_of_people_without_a_plan_offers_to_write_one(client, world) -> None:
    page = _as(client, world["peer"]).get("/safety-plans/?show=no_plan").content.decode()
    assert "Ana Quintana" in page and "Luis Otero" not in page and "Rosa Nadie" not in page
    assert f"/safety-plans/people/{world['own'].pk}/write/" in page
    managers = _as(client, world["manager"]).get("/safety-plans/?show=no_plan").content.decode()
    assert "Ana Quintana" in managers and "Luis Otero" in managers
    assert "/write/" not in managers  # managers do not write plans


def test_a_junk_filter_is_dropped_not_a_server_error(client, world, planned) -> None:
    page = _as(client, world["peer"]).get("/safety-plans/?status=bogus&sort=nope&page=x")
    assert page.status_code == 200
    assert "were not understood" in page.content.decode()


@pytest.mark.parametrize("role", ["police", "analyst", "admin"])
def test_the_list_refuses_roles_that_see_no_safety_plans(client, world, planned, role) -> None:
    page = _as(client, world[role]).get("/safety-plans/")
    assert page.status_code == 403
    assert "Ana Quintana" not in page.content.decode()


def test_the_navigation_links_the_list_for_who_sees_plans(client, world) -> None:
    assert 'href="/safety-plans/"' in _as(client, world["peer"]).get("/home/").content.decode()
    assert 'href="/safety-plans/"' not in _as(client, world["police"]).get("/home/").content.decode()


# --- a person's plan ----------------------------------------------------------------------------------


def test_the_plan_page_shows_the_peer_everything_recorded(client, world, planned) -> None:
    trail = AuditTrail()
    page = _as(client, world["peer"]).get(_plan(world["own"]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Calls from the Westside crew", "The park on 4th, and Central", "Get a job", "Finished the GED"):
        assert text in html
    assert "Version 2, written on 2022-11-04" in html
    assert "Threats by text again" in html and "no: revise it" in html
    assert "Places and people to avoid, Goals" in html  # what changed in version 2
    assert f"/safety-plans/people/{world['own'].pk}/versions/1/" in html
    assert f"/safety-plans/people/{world['own'].pk}/write/" in html
    assert f"/safety-plans/people/{world['own'].pk}/check-ins/{planned.pk}/void/" in html
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("person.read", "success", str(world["own"].pk))


def test_a_manager_sees_that_the_plan_exists_never_what_it_says(client, world, planned) -> None:
    html = _as(client, world["manager"]).get(_plan(world["own"])).content.decode()
    assert "Version 2, written on 2022-11-04" in html and "Some concerns" in html
    for text in ("Westside", "Get a job", "Finished the GED", "Threats by text", "Places and people to avoid, Goals"):
        assert text not in html
    assert "/write/" not in html  # managers do not write plans
    assert "/check-in/" in html and "/void/" in html  # they check in and void


@pytest.mark.parametrize(("role", "person"), [("police", "own"), ("analyst", "own"), ("other_peer", "own")])
def test_the_plan_page_is_a_404_for_who_does_not_see_it(client, world, planned, role, person) -> None:
    trail = AuditTrail()
    page = _as(client, world[role]).get(_plan(world[person]))
    assert page.status_code == 404
    assert "Westside" not in page.content.decode()
    _refused(trail, world[role], world[person])


def test_a_person_without_a_plan_gets_the_offer_to_write_one(client, world) -> None:
    html = _as(client, world["peer"]).get(_plan(world["own"])).content.decode()
    assert "No safety plan yet" in html and "Write the first version" in html


def test_an_older_version_is_shown_as_it_was_written(client, world, planned) -> None:
    trail = AuditTrail()
    html = _as(client, world["peer"]).get(_plan(world["own"]) + "versions/1/").content.decode()
    assert "Finish the GED" in html and "Get a job" not in html
    assert "The first version of the plan." in html
    latest = _as(client, world["peer"]).get(_plan(world["own"]) + "versions/2/").content.decode()
    assert "Places and people to avoid, Goals" in latest and "Finished the GED" in latest
    assert [e.action for e in trail.events()] == ["person.read", "person.read"]


def test_a_version_that_does_not_exist_is_a_404_on_record(client, world, planned) -> None:
    trail = AuditTrail()
    assert _as(client, world["peer"]).get(_plan(world["own"]) + "versions/9/").status_code == 404
    _refused(trail, world["peer"], world["own"])
    assert _as(client, world["police"]).get(_plan(world["own"]) + "versions/1/").status_code == 404


# --- writing and revising -----------------------------------------------------------------------------


def test_the_first_version_is_written_from_the_form(client, world) -> None:
    peer = _as(client, world["peer"])
    form = peer.get(_plan(world["own"]) + "write/").content.decode()
    assert 'name="reason"' not in form  # a first version has no reason
    response = peer.post(
        _plan(world["own"]) + "write/", {"written_on": "2022-11-01", "version": "", "goals": "Finish the GED"}
    )
    assert response.status_code == 302 and response["Location"] == _plan(world["own"])
    version = SafetyPlanVersion.objects.get()
    assert (version.number, version.goals, version.by_id) == (1, "Finish the GED", world["peer"].pk)


def test_the_revision_form_holds_the_sections_in_force_and_the_plans_version(client, world, planned) -> None:
    form = _as(client, world["peer"]).get(_plan(world["own"]) + "write/").content.decode()
    assert "The park on 4th, and Central" in form and "Get a job" in form
    assert 'name="version" value="2"' in form and 'name="reason"' in form


def test_a_revision_posted_on_a_stale_version_is_refused_with_a_conflict(client, world, planned) -> None:
    data = {**SECTIONS_V1, "written_on": "2022-11-09", "version": "1", "reason": "Moved", "goals": "Move out"}
    response = _as(client, world["peer"]).post(_plan(world["own"]) + "write/", data)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert SafetyPlan.objects.get().current == 2


def test_a_revision_without_a_reason_comes_back_with_the_error(client, world, planned) -> None:
    data = {**SECTIONS_V1, "written_on": "2022-11-09", "version": "2", "reason": "", "goals": "Move out"}
    response = _as(client, world["peer"]).post(_plan(world["own"]) + "write/", data)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    data["reason"] = "Wants to move"
    assert _as(client, world["peer"]).post(_plan(world["own"]) + "write/", data).status_code == 302
    assert SafetyPlan.objects.get().current == 3


@pytest.mark.parametrize(("role", "person"), [("manager", "own"), ("police", "own"), ("peer", "elsewhere")])
def test_the_write_page_is_a_404_for_who_may_not_write(client, world, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).post(
        _plan(world[person]) + "write/", {"written_on": "2022-11-01", "goals": "x"}
    )
    assert response.status_code == 404
    assert not SafetyPlan.objects.exists()
    _refused(trail, world[role], world[person])


# --- checking in, voiding --------------------------------------------------------------------------------


def test_a_check_in_is_recorded_from_the_form(client, world, planned) -> None:
    response = _as(client, world["manager"]).post(
        _plan(world["own"]) + "check-in/",
        {"checked_at": "2022-11-07T09:30", "status": "safe", "plan_still_fits": "yes", "note": ""},
    )
    assert response.status_code == 302
    check_in = SafetyCheckIn.objects.exclude(pk=planned.pk).get()
    assert (check_in.status, check_in.plan_still_fits, check_in.by_id) == ("safe", True, world["manager"].pk)
    assert check_in.checked_at == dt.datetime(2022, 11, 7, 9, 30, tzinfo=DENVER)


def test_checking_in_without_a_plan_sends_the_peer_to_write_one(client, world) -> None:
    response = _as(client, world["peer"]).get(_plan(world["own"]) + "check-in/")
    assert response.status_code == 302 and response["Location"] == _plan(world["own"])


@pytest.mark.parametrize(("role", "person"), [("police", "own"), ("peer", "elsewhere"), ("analyst", "own")])
def test_the_check_in_page_is_a_404_for_who_may_not_check_in(client, world, planned, role, person) -> None:
    response = _as(client, world[role]).post(_plan(world[person]) + "check-in/", {"status": "safe"})
    assert response.status_code == 404
    assert SafetyCheckIn.objects.count() == 1


def test_the_author_voids_a_check_in_from_the_form(client, world, planned) -> None:
    url = _plan(world["own"]) + f"check-ins/{planned.pk}/void/"
    peer = _as(client, world["peer"])
    assert peer.get(url).status_code == 200
    response = peer.post(url, {"reason": "Recorded twice", "version": "1"})
    assert response.status_code == 302
    assert SafetyCheckIn.objects.get(pk=planned.pk).voided_at is not None
    html = peer.get(_plan(world["own"])).content.decode()
    assert "Recorded twice" in html and "Void" in html and "Threats by text again" in html  # kept, marked void
    assert peer.get(url).status_code == 404  # a void check-in cannot be voided again


@pytest.mark.parametrize("role", ["other_peer", "police", "analyst"])
def test_the_void_page_is_a_404_for_who_may_not_void(client, world, planned, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(_plan(world["own"]) + f"check-ins/{planned.pk}/void/")
    assert response.status_code == 404
    _refused(trail, world[role], world["own"])


# --- the card on the person page -----------------------------------------------------------------------------


def test_the_person_page_card_shows_the_plan_as_the_role_may_see_it(client, world, planned) -> None:
    from vip.core.models import ServiceCategory
    from vip.service_referrals.services import service_referral_create

    # The card's place on the case file is among the service referrals' (desk/person.html).
    service_referral_create(
        actor=world["peer"],
        person=world["own"],
        category=ServiceCategory.objects.get(code="housing"),
        referred_on=dt.date(2022, 11, 5),
    )
    peer = _as(client, world["peer"]).get(f"/people/{world['own'].pk}/").content.decode()
    assert "safety-plan-title" in peer and "Version 2, written on 2022-11-04." in peer
    assert "Last check-in 2022-11-06" in peer and f'href="{_plan(world["own"])}"' in peer
    manager = _as(client, world["manager"]).get(f"/people/{world['own'].pk}/").content.decode()
    assert "safety-plan-title" in manager and "Some concerns" in manager and "Threats" not in manager
    police = _as(client, world["police"]).get(f"/people/{world['own'].pk}/").content.decode()
    assert "safety-plan-title" not in police and "/safety-plans/" not in police

"""The follow-ups queue (what a worker must do next, from the records that exist) and the home
page's lists linking each item to its record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import AuditTrail, ReferralFactory
from vip.notifications.services import notification_plan

from .test_home import TODAY, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("vip.desk.queues.program_today", lambda: TODAY)
    monkeypatch.setattr("vip.desk.views.program_today", lambda: TODAY)
    return TODAY


def _rows(client, user, params=None):
    client.force_login(user)
    trail = AuditTrail()
    response = client.get("/home/follow-ups/", params or {})
    assert response.status_code == 200
    return response.content.decode(), trail.single()


def test_the_peer_follow_ups_list_contacts_services_and_plans_most_urgent_first(client, world, today) -> None:  # noqa: F811
    page, event = _rows(client, world["peer"])
    assert "No contact recorded yet" in page and "Housing referral not connected since 2026-11-01" in page
    assert page.index("No contact recorded yet") < page.index("Housing referral not connected")
    assert "FOLLOW-CANARY" not in page  # a police record
    assert event.action == "home.follow_ups_read" and event.changes["shown"]


def test_kind_and_search_filters(client, world, today) -> None:  # noqa: F811
    page, _ = _rows(client, world["peer"], {"kind": "service"})
    assert "Housing referral" in page and "No contact recorded yet" not in page
    page, _ = _rows(client, world["peer"], {"q": "nunez"})
    assert "Nunez" in page and "Lucero" not in page
    page, _ = _rows(client, world["peer"], {"sort": "latest", "kind": "nonsense", "page": "x"})
    assert "not understood" in page


def test_planned_notifications_and_referrals_to_act_on_are_follow_ups(client, world, today) -> None:  # noqa: F811
    person = world["Ana"]
    notification_plan(actor=world["manager"], person=person, planned_on=TODAY + dt.timedelta(days=2))
    ReferralFactory(person=person, received_on=TODAY, assigned_to=world["manager"])
    ReferralFactory(person=world["Ben"], received_on=TODAY)  # nobody's yet: the referral queue's
    page, _ = _rows(client, world["manager"])
    assert "Custom notification planned for 2026-11-18" in page
    assert "Hospital referral received 2026-11-16: assigned" in page
    assert "Nunez" not in page
    assert f'href="/people/{person.pk}/"' in page


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_without_people_are_refused(client, make_user, program, role) -> None:
    client.force_login(make_user(role))
    assert client.get("/home/follow-ups/").status_code == 403


def test_home_lists_link_each_item_to_its_record(client, world, today) -> None:  # noqa: F811
    person = world["Ana"]
    notification_plan(actor=world["manager"], person=person, planned_on=TODAY + dt.timedelta(days=2))
    ReferralFactory(person=person, received_on=TODAY)
    client.force_login(world["manager"])
    page = client.get(reverse("home")).content.decode()
    refs = page[page.index("Referrals to act on") :]
    assert f'<a href="/people/{person.pk}/">Ana Lucero</a>' in refs
    plans = page[page.index("Custom notifications planned") :]
    assert f'<a href="/people/{person.pk}/">Ana Lucero</a>' in plans
    assert 'href="/home/follow-ups/"' in page and 'href="/referrals/"' in page

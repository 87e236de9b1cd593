"""The home page's follow-ups due: each role sees its own, through the wall."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from vip.casework.services import contact_record
from vip.core.models import ServiceCategory
from vip.desk.selectors import home_summary
from vip.identification.services import review_identify, shooting_review_create
from vip.people.services import person_assign_peer, person_create
from vip.service_referrals.services import service_referral_create

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
TODAY = dt.date(2026, 11, 16)
HORIZON = TODAY + dt.timedelta(days=14)


@pytest.fixture
def world(program, make_user):
    peer, police, other_police, manager = (
        make_user("peer"),
        make_user("police"),
        make_user("police"),
        make_user("manager"),
    )
    people = {}
    for first, last in [("Ana", "Lucero"), ("Ben", "Nunez"), ("Cruz", "Ortiz")]:
        people[first] = person_create(actor=None, first_name=first, last_name=last)
        person_assign_peer(actor=None, person=people[first], peer=peer)
    # Ana: last contact 20 days ago (due 6 days ago); Ben: never; Cruz: yesterday (not due).
    # Cruz's housing referral has waited 15 days (due yesterday).
    for name, days_ago in [("Ana", 20), ("Cruz", 1)]:
        contact_record(
            actor=peer,
            person=people[name],
            contacted_at=dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(15), tzinfo=DENVER),
            kind="in_person",
        )
    service_referral_create(
        actor=peer,
        person=people["Cruz"],
        category=ServiceCategory.objects.get(code="housing"),
        referred_on=TODAY - dt.timedelta(days=15),  # waiting to connect for more than 14 days
    )
    review = shooting_review_create(actor=police, held_on=TODAY - dt.timedelta(days=3))
    review_identify(
        actor=police,
        review=review,
        person=people["Ana"],
        role="associate_at_risk",
        decision="monitor",
        follow_up="FOLLOW-CANARY check with the family",
        follow_up_by=TODAY + dt.timedelta(days=3),
        follow_up_owner=police,
    )
    review_identify(
        actor=police,
        review=review,
        person=people["Ben"],
        role="victim",
        decision="refer_partner",
        follow_up_by=TODAY - dt.timedelta(days=45),  # nobody owns it, but long dropped: off the page
    )
    review_identify(
        actor=police,
        review=review,
        person=people["Cruz"],
        role="associate_at_risk",
        decision="monitor",
        follow_up="FOLLOW-UNOWNED call the school",
        follow_up_by=TODAY + dt.timedelta(days=5),  # nobody owns it, due within the horizon
    )
    return {"peer": peer, "police": police, "other_police": other_police, "manager": manager, **people}


def _due(user) -> list[tuple[str, str]]:
    return [(f.person.first_name, f.what) for f in home_summary(user=user, today=TODAY, horizon=HORIZON).follow_ups]


def test_peer_follow_ups_are_contacts_due_and_services_waiting(world) -> None:
    due = home_summary(user=world["peer"], today=TODAY, horizon=HORIZON).follow_ups
    # Only contacts and services: the review follow-ups on Ana, Ben and Cruz are police records.
    assert [(f.person.first_name, f.due_on, f.overdue, f.what) for f in due] == [
        ("Ben", None, False, "No contact recorded yet"),  # never contacted: due now
        ("Ana", TODAY - dt.timedelta(days=6), True, "Last contact 2026-10-27"),
        ("Cruz", TODAY - dt.timedelta(days=1), True, "Housing referral not connected since 2026-11-01"),
    ]


def test_police_see_their_own_review_follow_ups_and_managers_the_unowned(world) -> None:
    # The officer sees the one they own: not the unowned one (police do not run the program).
    assert _due(world["police"]) == [("Ana", "Shooting review of 2026-11-13: FOLLOW-CANARY check with the family")]
    assert _due(world["other_police"]) == []
    # The manager sees the unowned one due within the horizon; not Ana's (an officer owns it),
    # nor Ben's (nobody owns it, but it is 45 days late: dropped).
    assert _due(world["manager"]) == [("Cruz", "Shooting review of 2026-11-13: FOLLOW-UNOWNED call the school")]


def test_home_page_lists_follow_ups(world, client, monkeypatch) -> None:
    monkeypatch.setattr("vip.desk.views.program_today", lambda: TODAY)  # the page's today is the world's
    client.force_login(world["peer"])
    page = client.get(reverse("home")).content.decode()
    assert "Follow-ups due (to 2026-11-30)" in page
    assert "No contact recorded yet" in page
    assert "Housing referral not connected since 2026-11-01" in page
    assert "FOLLOW-CANARY" not in page  # a police record
    client.force_login(world["police"])
    page = client.get(reverse("home")).content.decode()
    assert "FOLLOW-CANARY check with the family" in page  # the officer who owns it does see it
    assert "No contact recorded yet" not in page  # police carry no caseload


@pytest.mark.parametrize(
    ("role", "links", "not_links"),
    [
        ("admin", ["/admin/"], ["/reports/"]),
        ("analyst", ["/reports/"], ["/admin/"]),
    ],
)
def test_home_of_a_role_without_people_links_only_where_it_may_go(
    program, client, make_user, role, links, not_links
) -> None:
    client.force_login(make_user(role))
    page = client.get(reverse("home")).content.decode()
    body = page.split("<main", 1)[-1]  # the page's own links, not the navigation's
    for link in links:
        assert f'href="{link}"' in body, link
    for link in not_links:
        assert f'href="{link}"' not in body, link

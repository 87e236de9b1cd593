"""People search (accents, typos, aliases, dates of birth) and the person page, through the wall."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from vip.casework.services import case_note_write
from vip.core.models import ServiceCategory
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.outcomes.services import outcome_record
from vip.people.selectors import person_search
from vip.people.services import alias_add, person_assign_peer, person_create
from vip.service_referrals.services import service_referral_create

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def people(program, make_user):
    peer = make_user("peer")
    ana = person_create(actor=None, first_name="Ana María", last_name="García", date_of_birth=dt.date(2001, 5, 6))
    person_assign_peer(actor=None, person=ana, peer=peer)
    alias_add(actor=None, person=ana, kind="street_name", name="Chiquis")
    person_create(actor=None, first_name="Luis", last_name="Baca")
    person_create(actor=None, first_name="Lucía", last_name="Garza", date_of_birth=dt.date(1999, 1, 2))
    return {"peer": peer, "ana": ana}


def _names(hits) -> list[str]:
    return [h.person.last_name for h in hits]


def test_search_ignores_accents_and_case(people, make_user) -> None:
    manager = make_user("manager")
    assert _names(person_search(user=manager, query="garcia")) == ["García"]
    assert _names(person_search(user=manager, query="ANA MARIA GARCÍA")) == ["García"]


def test_search_forgives_typos(people, make_user) -> None:
    hits = person_search(user=make_user("manager"), query="Ana Garsia")
    assert hits[0].person.last_name == "García"
    assert hits[0].how == "similar spelling"
    assert hits[0].score < 100


def test_search_by_alias_and_by_date_of_birth(people, make_user) -> None:
    manager = make_user("manager")
    assert [(h.person.last_name, h.how) for h in person_search(user=manager, query="chiquis")] == [("García", "alias")]
    assert _names(person_search(user=manager, query="5/6/2001")) == ["García"]
    assert _names(person_search(user=manager, query="garza 1999-01-02")) == ["Garza"]
    assert person_search(user=manager, query="garza 2000-01-02") == []


def test_search_words_may_come_from_name_and_alias(people, make_user) -> None:
    manager = make_user("manager")
    hits = person_search(user=manager, query="chiquis garcia")
    assert [(h.person.last_name, h.how) for h in hits] == [("García", "alias")]
    assert person_search(user=manager, query="chiquis baca") == []


def test_search_orders_exact_hits_by_name_whatever_the_case(program, make_user) -> None:
    for first, last in [("Zoe", "yazzie"), ("Ann", "Yazzie"), ("Bea", "YAZZIE"), ("Al", "Aguilar Yazzie")]:
        person_create(actor=None, first_name=first, last_name=last)
    hits = person_search(user=make_user("manager"), query="yazzie")
    assert [(h.person.first_name, h.person.last_name) for h in hits] == [
        ("Al", "Aguilar Yazzie"),
        ("Ann", "Yazzie"),
        ("Bea", "YAZZIE"),
        ("Zoe", "yazzie"),
    ]
    assert {h.how for h in hits} == {"name"}


def test_close_spellings_need_every_word(people, make_user) -> None:
    manager = make_user("manager")
    assert _names(person_search(user=manager, query="Lusia Garsa")) == ["Garza"]  # both words close
    assert person_search(user=manager, query="Lusia Qwerty") == []  # one word is nothing like a name


def test_peers_find_only_their_caseload(people, make_user) -> None:
    assert _names(person_search(user=people["peer"], query="ga")) == ["García"]
    assert person_search(user=make_user("peer"), query="garcia") == []


def test_search_page(people, client, make_user) -> None:
    client.force_login(make_user("police"))
    page = client.get(reverse("people:search"), {"q": "garcia"})
    assert page.status_code == 200
    assert "García" in page.content.decode()
    assert b"<html" in page.content  # the whole page...
    partial = client.get(reverse("people:search"), {"q": "garcia"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content  # ...but only the results for htmx
    assert "García" in partial.content.decode()


def test_person_page_shows_each_role_only_what_it_may_see(people, client, make_user) -> None:
    ana, peer = people["ana"], people["peer"]
    police = make_user("police")
    plan = notification_plan(actor=None, person=ana, planned_on=dt.date(2022, 11, 3))
    legal_assessment_write(actor=police, notification=plan, text="LEGAL-CANARY", expected_version=plan.version)
    attempt_record(
        actor=peer,
        person=ana,
        notification=plan,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support", "police"},
        notes="VISIT-CANARY",
    )
    case_note_write(actor=peer, person=ana, text="NOTE-CANARY")
    service_referral_create(
        actor=peer,
        person=ana,
        category=ServiceCategory.objects.get(code="substance_use"),
        referred_on=dt.date(2022, 11, 4),
        provider="SUD-CANARY clinic",
    )
    outcome_record(actor=police, person=ana, occurred_on=dt.date(2022, 12, 1), type="arrest_other", source_ref="22-1")

    url = reverse("desk:person", args=[ana.pk])
    # The legal assessment is on its own page (the person page shows no role its text): the
    # police read it there; a peer or a manager is answered 404 (below).
    assessment_url = reverse("notifications:legal_assessment", args=[plan.pk])
    client.force_login(peer)
    page = client.get(url).content.decode()
    for seen in ("VISIT-CANARY", "NOTE-CANARY", "SUD-CANARY", "Substance use treatment"):
        assert seen in page
    assert "Other arrest" not in page  # outcomes are police records (the police see it: below)
    assert client.get(assessment_url).status_code == 404

    client.force_login(police)
    page = client.get(url).content.decode()
    for hidden in ("VISIT-CANARY", "NOTE-CANARY", "SUD-CANARY", "Substance"):
        assert hidden not in page  # the peer sees each of them: above
    assert "Other arrest" in page
    assert "LEGAL-CANARY" in client.get(assessment_url).content.decode()

    client.force_login(make_user("manager"))
    page = client.get(url).content.decode()
    for hidden in ("VISIT-CANARY", "NOTE-CANARY", "SUD-CANARY"):
        assert hidden not in page  # the peer sees each of them: above
    # ...but the manager sees that the work happened: the note is kept with the peer, the
    # substance-use referral shows without its provider, and the police outcome shows.
    for seen in ("kept with the peer support worker", "Substance use treatment: Referred", "Other arrest"):
        assert seen in page
    assert client.get(assessment_url).status_code == 404

    client.force_login(make_user("peer"))  # another peer's caseload
    assert client.get(url).status_code == 404
    client.force_login(make_user("analyst"))
    assert client.get(url).status_code == 404  # no person-level records: refused like any other


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_person_page_and_home_queries_do_not_grow_with_the_record(people, client, make_user, role) -> None:
    """The pages a field worker opens most read each kind of record once, however many there are
    (the web benchmark in bench/ measures them under load; this keeps an N+1 from creeping in)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana, peer = people["ana"], people["peer"]
    police = make_user("police")
    viewer = {"peer": peer, "police": police, "manager": make_user("manager")}[role]
    client.force_login(viewer)
    url = reverse("desk:person", args=[ana.pk])

    def counts() -> tuple[int, int, int]:
        result = []
        for page in (url, reverse("home"), reverse("people:search") + "?q=garcia"):
            client.get(page)  # warm: the program header is read once per process
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            result.append(len(queries.captured_queries))
        return result[0], result[1], result[2]

    def add_records(day: int) -> None:
        plan = notification_plan(actor=None, person=ana, planned_on=dt.date(2022, 11, day))
        attempt_record(
            actor=peer,
            person=ana,
            notification=plan,
            attempted_at=dt.datetime(2022, 11, day, 18, tzinfo=DENVER),
            outcome="not_found",
            team={"peer_support"},
        )
        case_note_write(actor=peer, person=ana, text=f"note {day}")
        service_referral_create(
            actor=peer,
            person=ana,
            category=ServiceCategory.objects.get(code="employment"),
            referred_on=dt.date(2022, 11, day),
        )
        outcome_record(actor=police, person=ana, occurred_on=dt.date(2022, 12, day), type="arrest_other")

    add_records(1)
    before = counts()
    for day in range(2, 7):
        add_records(day)
    assert counts() == before

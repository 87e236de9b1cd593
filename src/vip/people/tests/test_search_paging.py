"""People search pages through every match with its true count, accents folded in the database
(both ways: "Garcia" finds "García" and "García" finds "Garcia"), close spellings shown apart as
suggestions, and the audit naming exactly the people the page shows."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import AuditTrail
from vip.people.selectors import person_matches, person_suggestions
from vip.people.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def garcias(program):
    """41 people named Garcia, 15 of them spelt "García"; and a Garza, a Garsia and a Baca."""
    made = [person_create(actor=None, first_name=f"Ana{i:02d}", last_name="García") for i in range(15)]
    made += [person_create(actor=None, first_name=f"Luis{i:02d}", last_name="Garcia") for i in range(26)]
    person_create(actor=None, first_name="Lucía", last_name="Garza")
    person_create(actor=None, first_name="Marta", last_name="Garsia")
    person_create(actor=None, first_name="Pedro", last_name="Baca")
    return made


@pytest.mark.parametrize("query", ["Garcia", "García", "GARCIA", "garcía"])
def test_accents_are_folded_in_the_database_both_ways_and_the_count_is_true(make_user, garcias, query) -> None:
    found = person_matches(user=make_user("manager"), query=query)
    assert found.count() == 41
    assert {p.pk for p in found} == {p.pk for p in garcias}


def test_the_page_says_the_true_count_and_pages_through_every_match(client, make_user, garcias) -> None:
    client.force_login(make_user("manager"))
    trail = AuditTrail()
    first = client.get("/people/", {"q": "Garcia"}).content.decode()
    assert "41 found for “Garcia”" in first
    assert "Showing 1\u201325 of 41" in first and "Page 1 of 2" in first
    first_shown = trail.single().changes["shown"]
    trail = AuditTrail()
    second = client.get("/people/", {"q": "Garcia", "page": "2"}).content.decode()
    assert "Showing 26\u201341 of 41" in second
    event = trail.single()
    second_shown = event.changes["shown"]
    assert event.changes["total"] == 41 and event.changes["page"] == 2
    matched = {p.pk for p in garcias}
    # Page one: 25 matches and the close spellings apart; page two: the 16 other matches, nothing else.
    assert len(set(first_shown) & matched) == 25
    assert len(second_shown) == 16 and set(second_shown) <= matched
    assert (set(first_shown) & matched) | set(second_shown) == matched


def test_close_spellings_are_a_separate_labelled_section_not_counted(client, make_user, garcias) -> None:
    client.force_login(make_user("manager"))
    trail = AuditTrail()
    page = client.get("/people/", {"q": "Garcia"}).content.decode()
    assert "Similar spellings" in page
    suggestions_at = page.index("Similar spellings")
    assert "Garsia" in page[suggestions_at:] and "Garsia" not in page[:suggestions_at]
    assert "41 found" in page  # the suggestions are not in the count
    # The audit names exactly those shown: the 25 matches of the page and the suggestions.
    shown = trail.single().changes["shown"]
    suggested = {h.person.pk for h in person_suggestions(user=make_user("manager"), query="Garcia")}
    matched = {p.pk for p in garcias}
    assert suggested and len(shown) == len(set(shown)) == 25 + len(suggested)
    assert set(shown) - matched == suggested


def test_a_misspelling_finds_no_match_but_suggests(client, make_user, garcias) -> None:
    client.force_login(make_user("manager"))
    page = client.get("/people/", {"q": "Garcai"}).content.decode()
    assert "No one found for “Garcai”." in page
    assert "Similar spellings" in page and "García" in page


def test_search_as_you_type_returns_the_results_only(client, make_user, garcias) -> None:
    client.force_login(make_user("manager"))
    page = client.get("/people/", {"q": "garcía"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page and "41 found" in page
    full = client.get("/people/").content.decode()
    assert 'hx-trigger="input changed delay:300ms, change"' in full and 'hx-push-url="true"' in full


@pytest.mark.parametrize("page", ["x", "-1", "0", "99999999999999999999", "3"])
def test_junk_page_numbers_fall_back(client, make_user, garcias, page) -> None:
    client.force_login(make_user("manager"))
    response = client.get("/people/", {"q": "Garcia", "page": page})
    assert response.status_code == 200
    assert "of 41" in response.content.decode()


def test_a_peer_pages_only_through_their_caseload(client, make_user, garcias) -> None:
    peer = make_user("peer")
    client.force_login(peer)
    page = client.get("/people/", {"q": "Garcia"}).content.decode()
    assert "No one found" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the unaccent extension is PostgreSQL's")
def test_postgresql_folds_accents_as_the_stored_folded_name_does(garcias) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(unaccent(%s))", ["María José GARCÍA Núñez"])
        assert cursor.fetchone()[0] == "maria jose garcia nunez"


def test_a_peers_close_spellings_are_scored_whole_and_are_the_managers_among_the_same_people(
    make_user, garcias
) -> None:
    """A peer's few people are scored without the trigram index's first pass over the city's names
    (PostgreSQL); the index only narrows to a superset, so the suggestions are the same."""
    from django.test.utils import CaptureQueriesContext

    from vip.people.models import Person
    from vip.people.services import person_assign_peer

    peer = make_user("peer")
    for person in Person.objects.all():
        person_assign_peer(actor=None, person=person, peer=peer)

    def suggested(user) -> tuple[list[tuple[int, int]], str]:
        with CaptureQueriesContext(connection) as queries:
            hits = person_suggestions(user=user, query="Garcia")
        return [(h.person.pk, h.score) for h in hits], " ".join(q["sql"] for q in queries.captured_queries)

    by_peer, peer_sql = suggested(peer)
    by_manager, manager_sql = suggested(make_user("manager"))
    assert by_peer == by_manager and by_peer  # Garsia (and Garza) among the peer's people, as for a manager
    if connection.vendor == "postgresql":
        assert "%>" in manager_sql and "%>" not in peer_sql


def test_the_page_looks_the_aliases_up_once_per_word(client, make_user, garcias) -> None:
    """The close spellings leave out the matches the page already found, without looking the
    typed words up in the aliases a second time."""
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("manager"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/people/", {"q": "Garcia Luis01"}).content.decode()
    assert "Similar spellings" in page or "found" in page
    lookups = [q["sql"] for q in queries.captured_queries if 'FROM "people_personalias"' in q["sql"]]
    assert len(lookups) == 2, lookups  # one per typed word

"""The wall around mediations (security rows 10-13), swept role by role with canaries.

``sweep.py`` seeds the records (the same seed the shared sweep, tests/security, uses); here every
page of the mediations (each address filled with the seeded ids), the case file, the people
search, the home page and every API operation is read as each role, with the profile's
``police_see_mediations`` off (Albuquerque's default) and on. What was said (summary, notes) never
reaches police, managers, analysts, administrators or integrations; who took part (outside
parties, participants) never police, analysts, administrators or integrations; a participant's
name never a peer worker who does not see them. The same sweep finds every canary as the peer
worker who recorded them, so it is able to fail."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from tests.security.sweep import built_once
from vip.mediations.tests import sweep as seeds
from vip.mediations.tests.worlds import NAME, World, build

from .conftest import switch_police

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EVERYTHING = seeds.WALL + seeds.OUTSIDE + NAME


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, user_maker) -> Iterator[World]:
    with built_once(django_db_blocker, lambda: build(user_maker())) as built:
        yield built


def _pages(world: World) -> list[str]:
    """Every address of the mediations, with the seeded ids, and the pages that show them."""
    found = []
    for pattern in get_resolver("vip.mediations.urls").url_patterns:
        assert isinstance(pattern, URLPattern)
        params = list(pattern.pattern.converters)
        found.append(reverse(f"mediations:{pattern.name}", kwargs={p: world.ids[p] for p in params}))
    found.append(reverse("mediations:new") + f"?person={world.ids['person_id']}")
    found += [f"/mediations/?q={NAME[0]}", "/mediations/?topic=respect", "/mediations/?outcome=resolved"]
    found += [
        reverse("desk:person", args=[world.ids["person_id"]]),
        reverse("home"),
        f"/people/?q={seeds.OUTSIDE_NAME}",
    ]
    return found


def _api(world: World) -> list[str]:
    return [
        template.format(**world.ids)
        for template in (*seeds.API, "/api/v1/mediations/{mediation_id}/", "/api/v1/mediations/?month=2022-11")
    ]


def _sweep(world: World, role: str) -> dict[str, tuple[int, str]]:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    answers = {}
    for url in _pages(world):
        response = client.get(url)
        text = response.content.decode()
        # A search page shows the searcher's own words back: that is not a disclosure.
        for query in parse_qs(urlsplit(url).query).get("q", []):
            text = text.replace(query, "")
        answers[f"GET {url}"] = (response.status_code, text)
    api = Client(raise_request_exception=False)
    for url in _api(world):
        response = api.get(url, headers={"Authorization": f"Bearer {world.tokens[role]}"})
        answers[f"API {url}"] = (response.status_code, response.content.decode())
    return answers


def _found(answers: dict[str, tuple[int, str]], needles: tuple[str, ...]) -> set[str]:
    return {needle for needle in needles for _status, text in answers.values() if needle in text}


def _leaks(answers: dict[str, tuple[int, str]], needles: tuple[str, ...]) -> list[str]:
    return [f"{what} [{status}]: {n}" for what, (status, text) in answers.items() for n in needles if n in text]


def test_the_sweep_finds_everything_as_the_peer_who_recorded_it(world) -> None:
    answers = _sweep(world, "peer")
    assert _found(answers, EVERYTHING) == set(EVERYTHING)
    assert all(status == 200 for what, (status, _t) in answers.items() if "/mediations/" in what), answers.keys()


def test_police_without_the_switch_see_no_mediation_at_all(world) -> None:
    answers = _sweep(world, "police")
    assert _leaks(answers, seeds.WALL + seeds.OUTSIDE) == []
    ids = world.ids
    assert answers["GET /mediations/"][0] == 403
    assert answers[f"GET /mediations/{ids['mediation_id']}/"][0] == 404
    assert answers[f"API /api/v1/mediations/{ids['mediation_id']}/"][0] == 404
    assert answers["API /api/v1/mediations/"][0] == 403
    assert 'href="/mediations/' not in answers[f"GET {reverse('home')}"][1]


def test_police_with_the_switch_see_that_it_happened_never_who_or_what(world) -> None:
    switch_police(True)
    answers = _sweep(world, "police")
    assert _leaks(answers, seeds.WALL + seeds.OUTSIDE) == []
    ids = world.ids
    day, status_text = "2022-11-07", answers[f"GET /mediations/{ids['mediation_id']}/"]
    assert status_text[0] == 200 and day in status_text[1]
    assert answers[f"API /api/v1/mediations/{ids['mediation_id']}/"][0] == 200
    # The participant's name is on their case file (police see people), never by a mediation.
    mediation_pages = {what: a for what, a in answers.items() if "mediations" in what}
    assert _leaks(mediation_pages, NAME) == []
    # Every form to change a mediation is a 404 to them.
    for name in ("edit", "follow_up", "void", "party_add"):
        assert answers[f"GET {reverse(f'mediations:{name}', args=[ids['mediation_id']])}"][0] == 404


def test_managers_see_who_took_part_never_what_was_said(world) -> None:
    answers = _sweep(world, "manager")
    assert _leaks(answers, seeds.WALL) == []
    assert _found(answers, seeds.OUTSIDE) == set(seeds.OUTSIDE)


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_roles_without_case_data_see_nothing_of_mediations(world, role) -> None:
    switch_police(True)
    assert _leaks(_sweep(world, role), EVERYTHING) == []


def test_another_peer_reads_the_shared_log_but_not_the_participant(world) -> None:
    answers = _sweep(world, "other_peer")
    assert _found(answers, seeds.WALL + seeds.OUTSIDE) == set(seeds.WALL + seeds.OUTSIDE)
    assert _leaks(answers, NAME) == []

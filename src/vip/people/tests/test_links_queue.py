"""The duplicates queue: searched accent-blind, paged with its true count; managers only."""

from __future__ import annotations

import pytest

from tests.factories import AuditTrail
from vip.people.linking import link_propose
from vip.people.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(program):
    made = []
    for last in ("García", "Baca"):
        kept = person_create(actor=None, first_name="Ana", last_name=last)
        duplicate = person_create(actor=None, first_name="Anna", last_name=last)
        made.append(
            link_propose(actor=None, kept=kept, duplicate=duplicate, evidence=[{"rule": "name", "detail": "close"}])
        )
    return made


def test_the_duplicates_queue_searches_and_counts(client, make_user, links) -> None:
    client.force_login(make_user("manager"))
    trail = AuditTrail()
    page = client.get("/people/links/", {"q": "garcia"}).content.decode()
    assert "García" in page and "Baca" not in page and "Showing 1\u20131 of 1" in page
    assert set(trail.single().changes["shown"]) == {links[0].kept_id, links[0].duplicate_id}


@pytest.mark.parametrize("params", [{"page": "x"}, {"sort": "zz"}, {"q": "x" * 900}])
def test_junk_parameters_never_give_a_server_error(client, make_user, links, params) -> None:
    client.force_login(make_user("manager"))
    assert client.get("/people/links/", params).status_code == 200


@pytest.mark.parametrize("role", ["peer", "police", "analyst"])
def test_the_duplicates_queue_is_the_managers(client, make_user, links, role) -> None:
    client.force_login(make_user(role))
    assert client.get("/people/links/", {"q": "garcia"}).status_code == 403

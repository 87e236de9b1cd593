"""The candidates queue: the status tabs, searched and filtered, paged with its true count;
managers only (police propose but never hold the list)."""

from __future__ import annotations

import pytest

from tests.factories import AuditTrail, PersonFactory
from vip.identification.services import Reason, candidate_propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates(program, make_user):
    proposer = make_user("manager")
    made = {}
    for first, last in [("José", "García"), ("Ana", "Baca"), ("Luis", "Chávez")]:
        person = PersonFactory(first_name=first, last_name=last)
        made[last] = candidate_propose(actor=proposer, person=person, reasons=[Reason("manual", "named", "x.y", last)])
    return made


def test_the_queue_searches_accent_blind_and_audits_what_it_shows(client, make_user, candidates) -> None:
    client.force_login(make_user("manager"))
    trail = AuditTrail()
    page = client.get("/identification/candidates/", {"q": "garcia"}).content.decode()
    assert "García" in page and "Baca" not in page
    assert "Showing 1\u20131 of 1" in page
    assert trail.single().changes["shown"] == [candidates["García"].pk]


def test_newest_first_when_asked(client, make_user, candidates) -> None:
    client.force_login(make_user("manager"))
    trail = AuditTrail()
    client.get("/identification/candidates/", {"sort": "newest"})
    assert trail.single().changes["shown"] == [candidates[n].pk for n in ("Chávez", "Baca", "García")]


@pytest.mark.parametrize("params", [{"page": "x"}, {"area": "zz"}, {"proposed_from": "2022-02-31"}, {"status": "x"}])
def test_junk_parameters_never_give_a_server_error(client, make_user, candidates, params) -> None:
    client.force_login(make_user("manager"))
    assert client.get("/identification/candidates/", params).status_code == 200


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin"])
def test_roles_other_than_managers_are_refused(client, make_user, candidates, role) -> None:
    client.force_login(make_user(role))
    response = client.get("/identification/candidates/", {"q": "garcia"})
    assert response.status_code == 403
    assert "García" not in response.content.decode()

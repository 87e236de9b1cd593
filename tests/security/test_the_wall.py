"""Rows 10-13 of the security specification, proven by the canary sweep (tests/security/sweep.py):
every URL pattern, API operation, export, report format, search, admin page and error page,
called with the ids of the seeded records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.sweep import (
    CASEWORK_CANARIES,
    IDENTIFYING,
    POLICE_CANARIES,
    World,
    build_world,
    built_once,
    leaks,
    sweep,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, user_maker) -> Iterator[World]:
    """One world for the module, built once (it holds two report runs, every format, a PDF each:
    most of what building it costs); the tests only sweep it."""
    with built_once(django_db_blocker, lambda: build_world(user_maker())) as built:
        yield built


@pytest.fixture(scope="module")
def swept(world, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Everything a role gets from the module's world, swept once per role: the world does not change
    between the tests (each runs in a savepoint), so sweeping it again would answer the same."""
    answers: dict[str, list] = {}

    def get(role: str) -> list:
        if role not in answers:
            answers[role] = sweep(world, role, tmp_path_factory.mktemp(f"sweep-{role}"))
        return answers[role]

    return get


def _status(answers, what: str) -> int:
    return next(a.status for a in answers if a.what == what)


def test_the_sweep_finds_what_a_role_may_see(world, swept) -> None:
    """The sweep is able to fail: the assigned peer finds every casework canary, police every police one."""
    seen = {n.split(": ")[-1] for n in leaks(swept("peer"), CASEWORK_CANARIES)}
    assert seen >= {"CANARYCASENOTE7731", "CANARYNEEDS7731", "CANARYVISIT7731", "CANARYSUD7731"}
    police = leaks(swept("police"), POLICE_CANARIES)
    assert not set(POLICE_CANARIES) - {n.split(": ")[-1] for n in police}


def test_row_10_casework_and_health_details_never_reach_police(world, swept) -> None:
    answers = swept("police")
    assert len(answers) > 60  # every page, format, API operation and admin page was called
    assert leaks(answers, CASEWORK_CANARIES) == []
    ids = world.ids
    # Direct addresses of records behind the wall: not found (not even "forbidden").
    assert _status(answers, f"GET /services/{ids['service_referral_id']}/move/") == 404
    # Casework forms are pages about a person police see but may not take the action on: 404 too.
    for form in ("needs", "note", "contact"):
        assert _status(answers, f"GET /casework/people/{ids['person_id']}/{form}/") == 404
    # Managers see that peer support happened, never what was said (docs/permissions.md).
    assert leaks(swept("manager"), CASEWORK_CANARIES) == []


def test_row_11_legal_assessments_and_incidents_never_reach_peers(world, swept) -> None:
    answers = swept("peer")
    assert leaks(answers, POLICE_CANARIES) == []
    ids = world.ids
    assert _status(answers, f"GET /notifications/{ids['notification_id']}/legal-assessment/") == 404
    # A review is a police record: its page answers 404 to a peer, as if it did not exist.
    assert _status(answers, f"GET /identification/reviews/{ids['review_id']}/") == 404


def test_row_12_analysts_see_deidentified_data_only(world, swept) -> None:
    answers = swept("analyst")
    assert any(a.what == "export (command line)" and a.status == 200 for a in answers)  # the de-identified bundle
    assert leaks(answers, IDENTIFYING + CASEWORK_CANARIES + POLICE_CANARIES) == []


def test_row_13_a_peer_sees_only_their_caseload(world, swept) -> None:
    answers = swept("other_peer")
    assert leaks(answers, IDENTIFYING + CASEWORK_CANARIES + POLICE_CANARIES) == []
    person = str(world.ids["person_id"])
    with_person = [a for a in answers if f"/people/{person}/" in a.what or f"people/{person}/" in a.what]
    assert any(a.what.startswith("API GET") for a in with_person)
    # 404 everywhere (the API, signed in by session rather than token, answers 401 first).
    assert {a.what: a.status for a in with_person if a.status != 404 and not a.what.startswith("GET /api/")} == {}


def test_row_29_no_bulk_export_of_candidates_to_police(world, swept) -> None:
    """Police propose candidates but never hold the list: the review queue, a candidate's page
    (its reasons and decision) and every API operation or export refuse them or say nothing of
    candidates; the same sweep as a manager does reach the candidate (the sweep can see it)."""
    answers = swept("police")
    assert leaks(answers, ("shot on 2022-11-02",)) == []  # the candidate's reason
    candidate_pages = {a.what: a.status for a in answers if a.what.startswith("GET /identification/candidates/")}
    assert candidate_pages == {
        "GET /identification/candidates/": 403,  # the queue: a page not about a record, not for police
        f"GET /identification/candidates/{world.ids['candidate_id']}/": 404,  # a record police may not see
        # Starting the criteria run: a POST, and managers' only (403 to police: test_identify_job.py).
        "GET /identification/candidates/run/": 405,
    }
    managers = swept("manager")
    seen = [a for a in managers if a.what.startswith("GET /identification/candidates/") and a.status == 200]
    assert any("shot on 2022-11-02" in a.text for a in seen)
    schema = next(a for a in answers if a.what == "API GET /api/schema/")
    assert schema.status == 200 and "candidate" not in schema.text.lower()
    export = next(a for a in answers if a.what == "export (command line)")
    assert "candidate" not in export.text.lower()

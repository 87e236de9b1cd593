"""``notification_list`` and ``attempt_list``: each role gets exactly the records and field
values the access policy declares.

notifications.CustomNotification: peer own caseload, police and managers all; its legal
assessment (LEGAL) is the police's only. notifications.NotificationAttempt: peer own caseload,
police and managers all, analysts de-identified only (never on a page); its notes (CASEWORK)
are the peer's only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import AttemptFactory, NotificationFactory, PersonFactory
from vip.notifications.selectors import attempt_list, notification_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    nobody = PersonFactory(first_name="Rosa", last_name="Nadie")
    return {
        "plans": {
            "own": NotificationFactory(person=world["own"], legal_assessment="Own: two open cases"),
            "elsewhere": NotificationFactory(person=world["elsewhere"], legal_assessment="Elsewhere: probation"),
            "nobody": NotificationFactory(person=nobody),
        },
        "attempts": {
            "own": AttemptFactory(person=world["own"], key="N-OWN", notes="Own: mother present"),
            "elsewhere": AttemptFactory(person=world["elsewhere"], key="N-ELSE", notes="Elsewhere: at work"),
            "nobody": AttemptFactory(person=nobody, key="N-NOBODY"),
        },
    }


def _plans(user) -> dict[int, str]:
    """Each visible notification's person, with the legal assessment as the reader gets it."""
    return {n.person_id: n.legal_assessment for n in notification_list(user=user)}


def _attempts(user) -> dict[str, str]:
    """Each visible attempt's key, with its notes as the reader gets them."""
    return {a.key: a.notes for a in attempt_list(user=user)}


def test_a_peer_sees_their_caseloads_notifications_without_the_legal_assessment(world, records) -> None:
    assert _plans(world["peer"]) == {world["own"].pk: ""}
    assert _plans(world["other_peer"]) == {world["elsewhere"].pk: ""}


def test_police_see_every_notification_with_the_legal_assessment(world, records) -> None:
    nobody = records["plans"]["nobody"].person_id
    assert _plans(world["police"]) == {
        world["own"].pk: "Own: two open cases",
        world["elsewhere"].pk: "Elsewhere: probation",
        nobody: "",
    }


def test_managers_see_every_notification_without_the_legal_assessment(world, records) -> None:
    nobody = records["plans"]["nobody"].person_id
    assert _plans(world["manager"]) == {world["own"].pk: "", world["elsewhere"].pk: "", nobody: ""}


def test_the_masked_assessment_is_never_fetched_for_who_may_not_read_it(world, records) -> None:
    with pytest.raises(TypeError, match="masked"):
        notification_list(user=world["manager"]).values("legal_assessment")
    assert sorted(notification_list(user=world["police"]).values_list("legal_assessment", flat=True)) == [
        "",
        "Elsewhere: probation",
        "Own: two open cases",
    ]


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_other_roles_see_no_notifications(world, records, role) -> None:
    with pytest.raises(PermissionDenied, match="Your role does not see custom notifications"):
        notification_list(user=world[role])


def test_a_peer_sees_their_caseloads_attempts_with_the_notes(world, records) -> None:
    assert _attempts(world["peer"]) == {"N-OWN": "Own: mother present"}
    assert _attempts(world["other_peer"]) == {"N-ELSE": "Elsewhere: at work"}


@pytest.mark.parametrize("role", ["police", "manager"])
def test_police_and_managers_see_every_attempt_without_the_notes(world, records, role) -> None:
    assert _attempts(world[role]) == {"N-OWN": "", "N-ELSE": "", "N-NOBODY": ""}


def test_an_attempt_keeps_its_other_fields_for_police(world, records) -> None:
    seen = attempt_list(user=world["police"]).get(key="N-OWN")
    assert (seen.outcome, seen.team_roles, seen.person.last_name) == (
        "not_found",
        ["peer_support", "police"],
        "Quintana",
    )
    with pytest.raises(TypeError, match="masked"):
        attempt_list(user=world["police"]).values("notes")


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("analyst", "Your role does not see notification attempts"),  # de-identified export only
        ("admin", "Your role does not see notification attempts"),
        ("integration", "Your role does not see notification attempts"),
    ],
)
def test_other_roles_see_no_attempts_on_a_page(world, records, role, message) -> None:
    with pytest.raises(PermissionDenied, match=message):
        attempt_list(user=world[role])

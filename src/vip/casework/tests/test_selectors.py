"""``case_note_list``, ``needs_assessment_list``, ``need_item_list``, ``contact_list``: each role
gets exactly the records and field values the access policy declares.

Peers: their own caseload's casework, with its content. Managers: that notes, assessments and
contacts exist (who, when), never their content (CASEWORK withheld), and no need items at all.
Police and everyone else: none of it (the wall)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import CaseNoteFactory, ContactFactory, NeedsAssessmentFactory, UserFactory
from vip.casework.selectors import case_note_list, contact_list, need_item_list, needs_assessment_list

pytestmark = pytest.mark.django_db

WALLED = ["police", "analyst", "admin", "integration"]


@pytest.fixture
def casework(world):
    """The same casework for each person, written by their own peer worker."""
    made = {}
    for person, peer in (("own", "peer"), ("elsewhere", "other_peer")):
        values = {"person": world[person], "actor": world[peer]}
        made[person] = {
            "note": CaseNoteFactory(text=f"{person}: note", **values),
            "assessment": NeedsAssessmentFactory(
                summary=f"{person}: summary",
                needs={"housing": "urgent"},
                details={"housing": f"{person}: detail"},
                **values,
            ),
            "contact": ContactFactory(summary=f"{person}: contact", minutes=30, **values),
        }
    return made


def test_a_peer_reads_their_caseloads_case_notes_with_the_text(world, casework) -> None:
    assert [(n.person_id, n.text) for n in case_note_list(user=world["peer"])] == [(world["own"].pk, "own: note")]
    assert [n.text for n in case_note_list(user=world["other_peer"])] == ["elsewhere: note"]


def test_a_manager_sees_that_notes_were_written_never_their_text(world, casework) -> None:
    seen = {(n.person_id, n.author_id, n.text) for n in case_note_list(user=world["manager"])}
    assert seen == {(world["own"].pk, world["peer"].pk, ""), (world["elsewhere"].pk, world["other_peer"].pk, "")}
    with pytest.raises(TypeError, match="masked"):
        case_note_list(user=world["manager"]).values("text")


@pytest.mark.parametrize("role", WALLED)
def test_case_notes_are_refused_to_everyone_else(world, casework, role) -> None:
    with pytest.raises(PermissionDenied, match="Case notes stay with the assigned peer support worker"):
        case_note_list(user=world[role])


def test_a_peer_reads_their_caseloads_needs_assessments_and_items(world, casework) -> None:
    assert [(a.person_id, a.summary) for a in needs_assessment_list(user=world["peer"])] == [
        (world["own"].pk, "own: summary")
    ]
    assert [(i.domain, i.level, i.detail) for i in need_item_list(user=world["peer"])] == [
        ("housing", "urgent", "own: detail")
    ]


def test_a_manager_sees_that_assessments_were_made_but_not_their_content(world, casework) -> None:
    seen = {
        (a.person_id, a.assessed_by_id, str(a.assessed_on), a.summary)
        for a in needs_assessment_list(user=world["manager"])
    }
    assert seen == {
        (world["own"].pk, world["peer"].pk, "2022-11-04", ""),
        (world["elsewhere"].pk, world["other_peer"].pk, "2022-11-04", ""),
    }
    with pytest.raises(PermissionDenied, match="Needs assessments stay with the assigned peer support worker"):
        need_item_list(user=world["manager"])


@pytest.mark.parametrize("role", WALLED)
def test_needs_are_refused_to_everyone_else(world, casework, role) -> None:
    with pytest.raises(PermissionDenied, match="Needs assessments stay with the assigned peer support worker"):
        needs_assessment_list(user=world[role])
    with pytest.raises(PermissionDenied, match="Needs assessments stay with the assigned peer support worker"):
        need_item_list(user=world[role])


def test_a_peer_reads_their_caseloads_contacts_with_the_summary(world, casework) -> None:
    assert [(c.person_id, c.kind, c.minutes, c.summary) for c in contact_list(user=world["peer"])] == [
        (world["own"].pk, "in_person", 30, "own: contact")
    ]


def test_a_manager_sees_every_contact_without_the_summary(world, casework) -> None:
    seen = {(c.person_id, c.by_id, c.kind, c.minutes, c.summary) for c in contact_list(user=world["manager"])}
    assert seen == {
        (world["own"].pk, world["peer"].pk, "in_person", 30, ""),
        (world["elsewhere"].pk, world["other_peer"].pk, "in_person", 30, ""),
    }


@pytest.mark.parametrize("role", WALLED)
def test_contacts_are_refused_to_everyone_else(world, casework, role) -> None:
    with pytest.raises(PermissionDenied, match="Contacts are peer-support records"):
        contact_list(user=world[role])


def test_a_peer_with_no_caseload_sees_no_casework(world, casework) -> None:
    newcomer = UserFactory(role="peer")
    assert (
        list(case_note_list(user=newcomer)),
        list(needs_assessment_list(user=newcomer)),
        list(need_item_list(user=newcomer)),
        list(contact_list(user=newcomer)),
    ) == ([], [], [], [])

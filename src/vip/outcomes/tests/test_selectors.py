"""``outcome_list``: outcomes are police records. Police and managers see every one; the notes
(LEGAL) are the police's only, the case number (POLICE) is shown to both; peer workers and
everyone else see none (analysts: de-identified exports only, never a page)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import OutcomeFactory
from vip.outcomes.selectors import outcome_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(world):
    return [
        OutcomeFactory(person=world["own"], key="O-1", source_ref="22-1", notes="Handgun in the car"),
        OutcomeFactory(person=world["nobody"], key="O-2", source_ref="22-2", type="shot", notes="Drive-by"),
    ]


def _seen(user) -> set[tuple[str, str, str, str]]:
    return {(o.key, o.type, o.source_ref, o.notes) for o in outcome_list(user=user)}


def test_police_see_every_outcome_with_its_notes(world, outcomes) -> None:
    assert _seen(world["police"]) == {
        ("O-1", "arrest_firearm", "22-1", "Handgun in the car"),
        ("O-2", "shot", "22-2", "Drive-by"),
    }


def test_managers_see_every_outcome_without_its_notes(world, outcomes) -> None:
    assert _seen(world["manager"]) == {("O-1", "arrest_firearm", "22-1", ""), ("O-2", "shot", "22-2", "")}
    assert outcome_list(user=world["manager"]).get(key="O-1").person.last_name == "Quintana"
    with pytest.raises(TypeError, match="masked"):
        outcome_list(user=world["manager"]).values("notes")


@pytest.mark.parametrize("role", ["peer", "analyst", "admin", "integration"])
def test_everyone_else_is_refused(world, outcomes, role) -> None:
    # Even a peer whose own caseload's person was arrested: outcomes are police records.
    with pytest.raises(PermissionDenied, match="Outcomes are police records"):
        outcome_list(user=world[role])

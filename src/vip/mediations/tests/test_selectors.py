"""Reading mediations as each role: the peer team's shared log; managers without what conflicts were
about or what was said; police only where the profile says so, and then only that a mediation
happened (day, area, outcome), never who took part; a participant named only to who sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from vip.mediations.models import Mediation
from vip.mediations.selectors import (
    change_list,
    follow_up_list,
    mediation_get,
    mediation_list,
    mediations_of_person,
    outside_party_list,
    party_list,
    party_views,
    reading,
)
from vip.mediations.services import mediation_follow_up, mediation_void

from .conftest import DAY, switch_police

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediation(world, record) -> Mediation:
    found = record()
    mediation_follow_up(
        actor=world["peer"], mediation=found, followed_up_on=DAY + dt.timedelta(days=2), outcome="resolved", note="Calm"
    )
    return found


def test_every_peer_worker_reads_the_whole_log_with_its_content(world, mediation) -> None:
    for role in ("peer", "other_peer"):
        found = mediation_list(user=world[role]).get()
        assert (found.summary, found.topics) == ("Agreed to stay off the block", ["social_media", "respect"])
        assert follow_up_list(user=world[role]).get().note == "Calm"
        assert {o.name for o in outside_party_list(user=world[role])} == {"Flaco"}
        assert party_list(user=world[role]).filter(mediation=mediation).count() == 2
    assert reading(world["peer"]).content and reading(world["peer"]).parties and reading(world["peer"]).history


def test_a_manager_sees_every_mediation_and_who_took_part_never_what_was_said(world, mediation) -> None:
    manager = world["manager"]
    found = mediation_list(user=manager).get()
    assert (found.summary, found.topics, found.outcome) == ("", [], "resolved")
    assert follow_up_list(user=manager).get().note == ""
    assert {o.name for o in outside_party_list(user=manager)} == {"Flaco"}
    assert {c.previous_protected for c in change_list(user=manager)} == {""}
    assert reading(manager) == reading(manager).__class__(content=False, parties=True, history=True)


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_without_the_profiles_switch_police_see_no_mediation_and_others_never(world, mediation, role) -> None:
    for selector in (mediation_list, follow_up_list, party_list, outside_party_list, change_list):
        with pytest.raises(PermissionDenied):
            selector(user=world[role])
    with pytest.raises(PermissionDenied):
        mediation_get(user=world[role], mediation_id=mediation.pk)


def test_with_the_switch_police_see_that_a_mediation_happened_never_who_or_what(world, mediation) -> None:
    switch_police(True)
    police = world["police"]
    found = mediation_get(user=police, mediation_id=mediation.pk)
    assert (found.occurred_on, found.area.code, found.outcome) == (DAY, "southeast", "resolved")
    assert (found.summary, found.topics) == ("", [])
    assert [(f.followed_up_on, f.outcome, f.note) for f in follow_up_list(user=police)] == [
        (DAY + dt.timedelta(days=2), "resolved", "")
    ]
    for selector in (party_list, outside_party_list, change_list):
        with pytest.raises(PermissionDenied):
            selector(user=police)
    with pytest.raises(PermissionDenied):
        mediations_of_person(user=police, person=world["own"])
    assert not any(reading(police).__dict__.values())
    switch_police(False)
    with pytest.raises(PermissionDenied):
        mediation_list(user=police)


def test_voided_mediations_leave_the_log_but_keep_their_page(world, mediation) -> None:
    mediation_void(actor=world["peer"], mediation=mediation, reason="twice", expected_version=mediation.version)
    assert not mediation_list(user=world["peer"]).exists()
    assert mediation_list(user=world["peer"], include_voided=True).get().voided_at is not None
    assert mediation_get(user=world["manager"], mediation_id=mediation.pk).pk == mediation.pk


def test_a_persons_mediations_for_who_sees_the_person(world, mediation, record) -> None:
    record(actor=world["other_peer"], people=[world["elsewhere"]], outside=[])
    assert list(mediations_of_person(user=world["peer"], person=world["own"])) == [mediation]
    # Not on the other peer's caseload: the other peer learns nothing of the person's mediations.
    assert not mediations_of_person(user=world["other_peer"], person=world["own"]).exists()
    assert mediations_of_person(user=world["manager"], person=world["elsewhere"]).count() == 1


def test_a_participant_is_named_only_to_who_sees_them(world, mediation) -> None:
    parties = list(party_list(user=world["other_peer"]).filter(mediation=mediation).order_by("pk"))
    hidden, outside = party_views(user=world["other_peer"], parties=parties)
    assert (hidden.name, hidden.person_id) == ("", None)
    assert (outside.name, outside.person_id) == ("Flaco", None)
    shown, _ = party_views(user=world["peer"], parties=parties)
    assert (shown.name, shown.person_id) == ("Ana Quintana", world["own"].pk)

"""Security row 26: duplicate people are linked by a person, never merged silently; a link can be
undone exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vip.casework.services import case_note_write
from vip.notifications.services import attempt_record, notification_plan
from vip.people.linking import link_candidates_find, link_confirm, link_propose, link_queue, link_reject, link_undo
from vip.people.models import Person, PersonLink
from vip.people.services import alias_add, person_assign_peer, person_create
from vip.referrals.services import referral_create

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")


def _who_points_where() -> dict[tuple[str, Any], Any]:
    """Every record that names a person, and whom it names."""
    from vip.people.linking import _relations

    out = {}
    for model, field in _relations():
        for pk, person_id in model._default_manager.values_list("pk", f"{field}_id"):
            out[(model._meta.label, pk)] = person_id
    return out


@pytest.fixture
def pair(program, make_user):
    peer, manager = make_user("peer"), make_user("manager")
    program_side = person_create(
        actor=None, key="VIP-1", first_name="José", last_name="Ramírez", date_of_birth=dt.date(1998, 4, 12)
    )
    police_side = person_create(
        actor=None, key="APD-7", first_name="Jose", last_name="RAMIREZ", date_of_birth=dt.date(1998, 4, 21)
    )
    person_create(actor=None, first_name="Joseph", last_name="Ramirez", date_of_birth=dt.date(1998, 4, 12))
    person_create(actor=None, first_name="José", last_name="Ramírez", date_of_birth=dt.date(1975, 1, 2))
    person_assign_peer(actor=None, person=program_side, peer=peer)
    referral_create(actor=None, person=police_side, received_on=dt.date(2022, 11, 1), source="hospital")
    plan = notification_plan(actor=None, person=police_side, planned_on=dt.date(2022, 11, 3))
    attempt_record(
        actor=None,
        person=police_side,
        notification=plan,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support", "police"},
    )
    alias_add(actor=None, person=police_side, kind="street_name", name="Chepe")
    case_note_write(actor=peer, person=program_side, text="first visit")
    return {"peer": peer, "manager": manager, "kept": program_side, "duplicate": police_side}


def test_row_26_near_duplicates_land_in_a_review_queue_and_nothing_is_merged(pair, make_user) -> None:
    before = _who_points_where()
    proposed = link_candidates_find(actor=None)
    assert [(link.kept, link.duplicate) for link in proposed] == [(pair["kept"], pair["duplicate"])]
    rules = [item["rule"] for item in proposed[0].evidence]
    assert rules == ["first_name_same", "last_name_same", "common_name", "birth_date_digits_swapped", "score"]
    assert list(link_queue(user=pair["manager"])) == proposed
    assert _who_points_where() == before  # a proposal moves nothing
    assert Person.objects.count() == 4
    assert link_candidates_find(actor=None) == []  # proposed once
    with pytest.raises(PermissionDenied):
        link_queue(user=make_user("police"))


def test_row_26_a_second_person_decides(pair, make_user) -> None:
    manager, other_manager = pair["manager"], make_user("manager")
    link = link_propose(
        actor=manager,
        kept=pair["kept"],
        duplicate=pair["duplicate"],
        evidence=[{"rule": "named_at_review", "detail": "the same man, says his peer worker"}],
    )
    with pytest.raises(PermissionDenied):
        link_confirm(actor=manager, link=link)  # the proposer
    with pytest.raises(PermissionDenied):
        link_confirm(actor=make_user("police"), link=link)
    with pytest.raises(ValidationError):
        link_propose(actor=manager, kept=pair["duplicate"], duplicate=pair["kept"], evidence=link.evidence)
    with pytest.raises(ValidationError):
        link_propose(actor=manager, kept=pair["kept"], duplicate=pair["kept"], evidence=link.evidence)
    link_reject(actor=other_manager, link=link, reason="twins")
    assert link_candidates_find(actor=None) == []  # a rejected pair is not proposed again


def test_row_26_confirm_moves_every_record_and_undo_restores_every_record_exactly(pair, make_user) -> None:
    before = _who_points_where()
    kept, duplicate = pair["kept"], pair["duplicate"]
    [link] = link_candidates_find(actor=None)
    link = link_confirm(actor=pair["manager"], link=link, reason="same birth certificate")
    after = _who_points_where()
    moved = {key for key, person in before.items() if person == duplicate.pk}
    assert len(moved) >= 4  # referral, notification, attempt, alias
    assert {after[key] for key in moved} == {kept.pk}
    assert {key: person for key, person in after.items() if key not in moved} == {
        key: person for key, person in before.items() if key not in moved
    }
    assert Person.objects.filter(pk=duplicate.pk).exists()  # linked, never deleted
    with pytest.raises(ValidationError):
        link_undo(actor=pair["manager"], link=link, reason="")
    link_undo(actor=make_user("manager"), link=link, reason="a clerk's mistake")
    assert _who_points_where() == before
    assert PersonLink.objects.get(pk=link.pk).status == "undone"
    from vip.audit.models import AuditEvent

    actions = list(AuditEvent.objects.filter(object_type="people.personlink").values_list("action", flat=True))
    assert actions == ["person.link_propose", "person.link_confirm", "person.link_undo"]


def test_row_26_the_review_queue_page(pair, make_user, client) -> None:
    from vip.audit.models import AuditEvent

    [link] = link_candidates_find(actor=None)
    for role in ("peer", "police", "analyst", "admin"):
        client.force_login(make_user(role))
        assert client.get("/people/links/").status_code == 403, role
        assert client.post("/people/links/", {"link": link.pk, "decision": "confirm"}).status_code == 403, role
    client.force_login(pair["manager"])
    page = client.get("/people/links/").content.decode()
    # The evidence in words (the rule's own, translated), with the values compared.
    assert "APD-7" in page and "birth dates with two digits swapped" in page and "1998-04-21" in page
    event = AuditEvent.objects.filter(action="person.link_list_read").get()
    assert event.changes["shown"] == sorted([pair["kept"].pk, pair["duplicate"].pk])
    response = client.post("/people/links/", {"link": link.pk, "decision": "confirm", "reason": "same man"})
    assert response.status_code == 302
    assert PersonLink.objects.get(pk=link.pk).status == "confirmed"
    response = client.post("/people/links/", {"link": link.pk, "decision": "undo", "reason": ""}, follow=True)
    assert "Say why the link is undone." in response.content.decode()
    client.post("/people/links/", {"link": link.pk, "decision": "undo", "reason": "wrong"})
    assert PersonLink.objects.get(pk=link.pk).status == "undone"


def test_row_26_a_linked_record_points_to_the_kept_one(pair, client) -> None:
    [link] = link_candidates_find(actor=None)
    link_confirm(actor=pair["manager"], link=link)
    client.force_login(pair["manager"])
    page = client.get(f"/people/{pair['duplicate'].pk}/").content.decode()
    assert "confirmed to be the same person" in page and f"/people/{pair['kept'].pk}/" in page
    assert "confirmed to be the same person" not in client.get(f"/people/{pair['kept'].pk}/").content.decode()

"""The API of groups: token authentication, each role's reach, the wall, and the audit of reads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuditTrail
from vip.accounts.tokens import token_create
from vip.groups.services import attendance_record

from .conftest import INTEL_FROM, TOLD_FROM

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(world):
    return {role: token_create(actor=None, user=world[role], name="test")[1] for role in world if role in ROLES}


ROLES = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")


def _get(client, url, token):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_no_token_no_groups(client, crews) -> None:
    assert client.get(reverse("api:groups_list")).status_code == 401


@pytest.mark.parametrize(
    ("role", "counts", "notes"),
    [
        ("peer", [1, 0], None),
        ("police", [1, 1], "INTELNOTE sells on Fourth Street"),
        ("manager", [2, 1], "INTELNOTE sells on Fourth Street"),
    ],
)
def test_the_list_of_groups(client, world, crews, tokens, role, counts, notes) -> None:
    response = _get(client, reverse("api:groups_list"), tokens[role])
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["Los Tecolotes", "Westgate Boys"]
    assert [r["current_members"] for r in rows] == counts
    assert rows[0]["notes"] == notes


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_roles_that_see_no_groups(client, crews, tokens, role) -> None:
    assert _get(client, reverse("api:groups_list"), tokens[role]).status_code == 403
    assert _get(client, reverse("api:groups_call_ins"), tokens[role]).status_code == 403
    assert _get(client, reverse("api:groups_detail", args=[crews["first"].pk]), tokens[role]).status_code == 404


def test_a_group_with_its_members_as_each_side_sees_them(client, world, crews, tokens) -> None:
    url = reverse("api:groups_detail", args=[crews["first"].pk])
    trail = AuditTrail()
    peer = _get(client, url, tokens["peer"]).json()
    assert [(m["person"], m["source"], m["member_from"]) for m in peer["members"]] == [
        (world["own"].pk, "self_reported", TOLD_FROM.isoformat())
    ]
    assert peer["notes"] is None and INTEL_FROM.isoformat() not in str(peer)
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("group.read", [world["own"].pk])
    police = _get(client, url, tokens["police"]).json()
    assert [m["source"] for m in police["members"]] == ["police_intelligence"]
    assert TOLD_FROM.isoformat() not in str(police) and police["current_members"] == 1
    other = _get(client, url, tokens["other_peer"]).json()
    assert [m["person"] for m in other["members"]] == [world["elsewhere"].pk]
    manager = _get(client, url, tokens["manager"]).json()
    assert {m["source"] for m in manager["members"]} == {"police_intelligence", "self_reported", "peer_knowledge"}
    assert _get(client, reverse("api:groups_detail", args=[987654]), tokens["manager"]).status_code == 404


def test_the_call_ins_with_what_each_role_sees_of_attendance(client, world, crews, tokens) -> None:
    attendance_record(actor=world["police"], call_in=crews["call_in"], person=world["own"], invited=True, attended=True)
    attendance_record(
        actor=world["police"], call_in=crews["call_in"], person=world["elsewhere"], invited=True, attended=False
    )
    trail = AuditTrail()
    rows = _get(client, reverse("api:groups_call_ins"), tokens["peer"]).json()["results"]
    assert [(r["place"], r["groups"], r["invited"], r["attended"]) for r in rows] == [
        ("Westgate Community Center", [crews["first"].pk], 1, 1)
    ]
    assert trail.single().action == "callin.list_read"
    police = _get(client, reverse("api:groups_call_ins"), tokens["police"]).json()["results"]
    assert (police[0]["invited"], police[0]["attended"]) == (2, 1)

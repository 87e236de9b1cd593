"""A small world for the sweeps of the mediations' own tests: one account of each role (and a
second peer worker), a person on the peer's caseload, and the records ``sweep.seed`` makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vip.accounts.tokens import token_create
from vip.mediations.tests import sweep as seeds
from vip.people.services import person_assign_peer, person_create

ROLES = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")
NAME = ("Xochiquetzal", "Quintanillavasquez")


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, str]
    ids: dict[str, int]


def build(make_user: Any) -> World:
    users = {role: make_user("peer" if role == "other_peer" else role) for role in ROLES}
    person = person_create(actor=None, key="SRCKEY7731", first_name=NAME[0], last_name=NAME[1])
    person = person_assign_peer(actor=None, person=person, peer=users["peer"])
    ids = {"person_id": person.pk, **seeds.seed(users, person)}
    tokens = {role: token_create(actor=None, user=user, name="mediations")[1] for role, user in users.items()}
    return World(users, tokens, ids)

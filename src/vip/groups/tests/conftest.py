"""The people, accounts and records the groups tests act on, built through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import caseload_world
from vip.groups.services import call_in_record, group_record, membership_add

DENVER = ZoneInfo("America/Denver")
INTEL_FROM = dt.date(2021, 3, 4)  # the day of the police-intelligence membership: only police see it
TOLD_FROM = dt.date(2020, 8, 9)  # the day of the self-reported one: never police


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and a person on the peer's caseload
    (``own``), one on the other peer's (``elsewhere``) and one on nobody's (``nobody``)."""
    return caseload_world()


@pytest.fixture
def crews(world: dict[str, Any]) -> dict[str, Any]:
    """Two groups; ``own`` is in the first by police intelligence (``intel``) and by what they
    told their peer worker (``told``), and in the second by police intelligence only (``intel2``),
    so the two groups are linked for police and managers, not for peer workers. ``elsewhere`` is
    in the first by peer knowledge (``known``, recorded by their own peer worker). A call-in
    invited the first group; ``own`` attended (recorded by police)."""
    police, peer, manager = world["police"], world["peer"], world["manager"]
    first = group_record(actor=police, name="Los Tecolotes", notes="INTELNOTE sells on Fourth Street")
    second = group_record(actor=manager, name="Westgate Boys", aliases="WGB")
    intel = membership_add(
        actor=police, group=first, person=world["own"], member_from=INTEL_FROM, source="police_intelligence"
    )
    told = membership_add(actor=peer, group=first, person=world["own"], member_from=TOLD_FROM, source="self_reported")
    intel2 = membership_add(
        actor=police, group=second, person=world["own"], member_from=INTEL_FROM, source="police_intelligence"
    )
    known = membership_add(
        actor=world["other_peer"],
        group=first,
        person=world["elsewhere"],
        member_from=dt.date(2022, 1, 2),
        source="peer_knowledge",
    )
    call_in = call_in_record(
        actor=police,
        held_at=dt.datetime(2022, 11, 10, 18, tzinfo=DENVER),
        place="Westgate Community Center",
        groups=[first],
    )
    return {
        "first": first,
        "second": second,
        "intel": intel,
        "told": told,
        "intel2": intel2,
        "known": known,
        "call_in": call_in,
    }

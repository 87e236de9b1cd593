"""The people, accounts and mediations the tests act on, built through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import caseload_world
from vip.core.config import forget_program_header
from vip.core.models import Area, ProgramProfile
from vip.mediations.models import Mediation
from vip.mediations.services import OutsidePartyInput, mediation_record

DAY = dt.date(2022, 11, 7)


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and a person on the peer's caseload
    (``own``), one on the other peer's (``elsewhere``) and one on nobody's (``nobody``)."""
    return caseload_world()


@pytest.fixture
def area(program: Any) -> Area:
    return Area.objects.get(code="southeast")


def switch_police(on: bool) -> None:
    """The profile's ``[field_work] police_see_mediations``, as an administrator would set it."""
    profile = ProgramProfile.objects.order_by("pk").first()
    assert profile is not None
    profile.field_work = {**(profile.field_work or {}), "police_see_mediations": on}
    profile.save()
    forget_program_header()


@pytest.fixture
def police_see_mediations(program: Any) -> None:
    switch_police(True)


@pytest.fixture
def record(world: dict[str, Any], area: Area) -> Callable[..., Mediation]:
    """Record a mediation as the peer (by default) with their own person and an outside party."""

    def make(actor: Any = None, **values: Any) -> Mediation:
        defaults: dict[str, Any] = {
            "occurred_on": DAY,
            "outcome": "ongoing",
            "topics": ["respect", "social_media"],
            "area": area,
            "summary": "Agreed to stay off the block",
            "people": [world["own"]],
            "outside": [OutsidePartyInput(name="Flaco", phone="505-555-0101")],
        }
        return mediation_record(actor=actor or world["peer"], **{**defaults, **values})

    return make

"""The people, accounts and hospital referrals the hospital tests act on, built through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import caseload_world

DENVER = ZoneInfo("America/Denver")
RECEIVED = dt.date(2022, 11, 1)
INJURED = dt.date(2022, 10, 31)
# Two days after the day received, 10:30 in the program's zone: 58.5 hours from its start.
VISITED = dt.datetime(2022, 11, 3, 10, 30, tzinfo=DENVER)


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and a person on the peer's caseload
    (``own``), one on the other peer's (``elsewhere``) and one on nobody's (``nobody``)."""
    return caseload_world()


def referral_of(person: Any, actor: Any = None, **values: Any) -> Any:
    """A hospital referral of ``person`` (by the operator unless ``actor`` is given)."""
    from vip.hospital.services import hospital_referral_record

    details: dict[str, Any] = {
        "received_on": RECEIVED,
        "hospital": "UNM Hospital",
        "unit": "Trauma ICU",
        "injury_date": INJURED,
        "injury_type": "gunshot",
        "referring_staff": "Nurse Ortiz",
        "clinical_notes": "Through-and-through wound, left thigh",
        **values,
    }
    return hospital_referral_record(actor=actor, person=person, **details)


def visit_to(hospital_referral: Any, actor: Any, **values: Any) -> Any:
    """A bedside visit by ``actor`` (who reached the patient, unless told otherwise)."""
    from vip.hospital.services import bedside_visit_record

    details: dict[str, Any] = {"attempted_at": VISITED, "outcome": "reached", "notes": "Talked about his brother"}
    return bedside_visit_record(actor=actor, hospital_referral=hospital_referral, **{**details, **values})

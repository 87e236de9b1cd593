"""The hospital referrals' actions for the permission matrix (tests/test_permission_matrix.py): each
performed through its service as user ``u`` on person ``p`` of the matrix's world ``w``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vip.accounts.models import User

NOON = dt.datetime(2022, 11, 3, 18, 0, tzinfo=dt.UTC)


def _referral(person: Any) -> Any:
    """A hospital referral of ``person``, recorded by the operator."""
    from vip.hospital.services import hospital_referral_record

    return hospital_referral_record(
        actor=None,
        person=person,
        received_on=dt.date(2022, 11, 1),
        hospital="UNM Hospital",
        injury_date=dt.date(2022, 10, 31),
        injury_type="gunshot",
    )


def actions() -> dict[str, Callable[[User, Any, Any], Any]]:
    from vip.hospital.services import (
        bedside_visit_record,
        bedside_visit_void,
        hospital_referral_record,
        hospital_referral_update,
    )

    return {
        "hospital_referral.record": lambda u, w, p: hospital_referral_record(
            actor=u,
            person=p,
            received_on=dt.date(2022, 11, 2),
            hospital="UNM Hospital",
            injury_date=dt.date(2022, 11, 1),
            injury_type="stabbing",
        ),
        "hospital_referral.update": lambda u, w, p: hospital_referral_update(
            actor=u, hospital_referral=w.entry_by(u, lambda: _referral(p)), expected_version=1, unit="Trauma ICU"
        ),
        "hospital.bedside_visit": lambda u, w, p: bedside_visit_record(
            actor=u, hospital_referral=_referral(p), attempted_at=NOON, outcome="unavailable"
        ),
        "hospital.correct": lambda u, w, p: bedside_visit_void(
            actor=u,
            visit=w.entry_by(
                u,
                lambda: bedside_visit_record(
                    actor=w.peer, hospital_referral=_referral(p), attempted_at=NOON, outcome="unavailable"
                ),
            ),
            reason="the wrong patient",
            expected_version=1,
        ),
    }

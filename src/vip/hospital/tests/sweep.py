"""The hospital referrals in the canary sweep (tests/security/sweep.py): a hospital referral whose
clinical notes, and a bedside visit whose notes, carry canaries that must never reach police (nor
managers, who read neither health details nor what was said at a visit). Hospital referrals hold
no police data."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from vip.accounts.models import User
from vip.people.models import Person

CASEWORK: tuple[str, ...] = ("CANARYCLINICAL7731", "CANARYBEDSIDE7731")
POLICE: tuple[str, ...] = ()


class _Address(str):
    """An API address naming the id of a record of this app: a world that did not seed one (the
    policy's own world in tests/security/test_access_policy.py) gets an id that names nothing."""

    __slots__ = ()

    def format(self, *args: Any, **ids: Any) -> str:
        class _Missing(dict[str, Any]):
            def __missing__(self, key: str) -> str:
                return "0"

        return str.format_map(self, _Missing(ids))


API: list[str] = [
    "/api/v1/hospital-referrals/",
    "/api/v1/hospital-referrals/?consent_to_contact=yes",
    "/api/v1/hospital-referrals/?person={person_id}",
    _Address("/api/v1/hospital-referrals/{hospital_referral_id}/"),
]
# The sensitive text fields these records have, seeded below with a canary or a value of their own
# (for tests/security/test_access_policy.py's census of a person's records).
SEEDED = {
    ("hospital.HospitalReferral", "referring_staff"),
    ("hospital.HospitalReferral", "clinical_notes"),
    ("hospital.BedsideVisit", "notes"),
}


def seed(users: dict[str, User], person: Person) -> dict[str, int]:
    from vip.hospital.services import bedside_visit_record, hospital_referral_record

    peer = users["peer"]
    hospital_referral = hospital_referral_record(
        actor=peer,
        person=person,
        received_on=dt.date(2022, 11, 1),
        hospital="UNM Hospital",
        unit="Trauma ICU",
        injury_date=dt.date(2022, 10, 31),
        injury_type="gunshot",
        referring_staff="Nurse Ortiz",
        clinical_notes="CANARYCLINICAL7731 through-and-through wound",
    )
    visit = bedside_visit_record(
        actor=peer,
        hospital_referral=hospital_referral,
        attempted_at=dt.datetime(2022, 11, 2, 10, tzinfo=ZoneInfo("America/Denver")),
        outcome="reached",
        consent_given=True,
        notes="CANARYBEDSIDE7731 worried about his brother",
    )
    return {"hospital_referral_id": hospital_referral.pk, "bedside_visit_id": visit.pk}

"""The mediations' part of the canary sweep (tests/security/sweep.py, security rows 10-13).

``seed`` records a mediation through the services, with the seeded person as a party and an
outside party, a follow-up, and a second mediation a peer voided; its canaries are in the summary,
the follow-up's note and the outside party's name and phone.

CASEWORK and POLICE are empty on purpose. The shared sweep checks its CASEWORK canaries against
police, managers, analysts **and a second peer worker** (row 13: "a peer sees only their
caseload"), but the mediation log is the peer team's shared log (docs/field-work.md): every peer
worker reads every mediation's summary and notes, and managers see the outside parties' names. A
mediation canary in CASEWORK would fail row 13 by design. The canaries are here instead (WALL,
OUTSIDE) and ``test_wall.py`` sweeps them role by role, with the profile's switch off and on: never
police, analysts, administrators or integrations; summary and note never managers; all of it the
peer worker. What row 13 does hold for mediations (a participant's name never reaches a peer worker
who does not see that person) it checks with the seeded person's name, which is in IDENTIFYING.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# Must never reach police (nor analysts, administrators, integrations): what was said.
SUMMARY = "CANARYMEDIATION7731"
NOTE = "CANARYMEDFOLLOWUP7731"
# Who took part without being enrolled: peers and managers (IDENTIFYING), never police.
OUTSIDE_NAME = "CANARYMEDOUTSIDE7731"
OUTSIDE_PHONE = "505-CANARYMEDPHONE7731"
WALL = (SUMMARY, NOTE)
OUTSIDE = (OUTSIDE_NAME, "CANARYMEDPHONE7731")

CASEWORK: tuple[str, ...] = ()
POLICE: tuple[str, ...] = ()
# Every address holds only placeholders every sweep world has (tests/security/test_access_policy.py
# sweeps with ids of its own, without the field records').
API: list[str] = [
    "/api/v1/mediations/",
    "/api/v1/mediations/?outcome=ongoing",
    "/api/v1/mediations/?person={person_id}",
    "/api/v1/mediations/?topic=respect",
]


def seed(users: dict[str, Any], person: Any) -> dict[str, int]:
    """Mediations through the services, as the assigned peer worker records them."""
    from vip.core.models import Area
    from vip.mediations.services import (
        OutsidePartyInput,
        mediation_follow_up,
        mediation_record,
        mediation_void,
    )

    peer = users["peer"]
    area = Area.objects.filter(active=True).order_by("report_order").first()
    mediation = mediation_record(
        actor=peer,
        occurred_on=dt.date(2022, 11, 7),
        outcome="ongoing",
        topics=["respect", "social_media"],
        area=area,
        summary=f"{SUMMARY} agreed to stay off each other's block",
        people=[person],
        outside=[OutsidePartyInput(name=OUTSIDE_NAME, phone=OUTSIDE_PHONE)],
    )
    follow_up = mediation_follow_up(
        actor=peer,
        mediation=mediation,
        followed_up_on=dt.date(2022, 11, 14),
        outcome="resolved",
        note=f"{NOTE} they shook hands",
    )
    mistake = mediation_record(
        actor=peer,
        occurred_on=dt.date(2022, 11, 8),
        outcome="escalated",
        topics=["other"],
        summary=f"{SUMMARY} recorded twice",
    )
    mediation_void(actor=peer, mediation=mistake, reason="recorded twice", expected_version=mistake.version)
    party = mediation.parties.get(person=person)
    return {
        "mediation_id": mediation.pk,
        "mediation_follow_up_id": follow_up.pk,
        "mediation_party_id": party.pk,
    }

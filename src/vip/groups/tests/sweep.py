"""The records of groups in the canary sweep (tests/security/sweep.py).

Group names are known to all staff, so no name can be a canary. What only one side may see is a
membership: the day a membership from police intelligence began is a police canary, with what the
police know about the group (its notes). A self-reported membership is hidden from police but not
from managers (they plan over the whole network), and the sweep's casework canaries must reach
neither: so this app has none, and the day the seeded self-reported membership began
(``SELF_REPORTED_FROM``) is searched for in every page and API answer police get by the app's own
test (``test_wall.py``). Both memberships are of the seeded person, in the same group, so that one
page (the group's) and one API operation carry both, each only to its own side.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from vip.accounts.models import User

DENVER = ZoneInfo("America/Denver")
SELF_REPORTED_FROM = dt.date(1986, 4, 21)
INTEL_FROM = dt.date(1987, 6, 29)

CASEWORK: tuple[str, ...] = ()
POLICE: tuple[str, ...] = ("CANARYGROUPINTEL7731", INTEL_FROM.isoformat())


class _Address(str):
    """An API address naming the ids of this app's records. A world that did not seed them (the
    policy's own world in tests/security/test_access_policy.py) gets an id that names nothing."""

    __slots__ = ()

    def format(self, *args: Any, **ids: Any) -> str:
        class _Missing(dict[str, Any]):
            def __missing__(self, key: str) -> str:
                return "0"

        return str.format_map(self, _Missing(ids))


API: list[str] = [
    "/api/v1/groups/",
    _Address("/api/v1/groups/{group_id}/"),
    "/api/v1/call-ins/",
]


def seed(users: dict[str, User], person: Any) -> dict[str, int]:
    from vip.groups.services import attendance_record, call_in_record, group_record, membership_add

    police, peer = users["police"], users["peer"]
    crew = group_record(actor=police, name="Los Barrenderos", notes="CANARYGROUPINTEL7731 sells on Fourth Street")
    group_record(actor=users["manager"], name="Westside Sweepers")
    membership_add(actor=police, group=crew, person=person, member_from=INTEL_FROM, source="police_intelligence")
    told = membership_add(actor=peer, group=crew, person=person, member_from=SELF_REPORTED_FROM, source="self_reported")
    call_in = call_in_record(
        actor=police,
        held_at=dt.datetime(2022, 11, 10, 18, tzinfo=DENVER),
        place="Westgate Community Center",
        groups=[crew],
    )
    attendance_record(actor=police, call_in=call_in, person=person, invited=True, attended=True)
    # The self-reported membership's own pages (end, void) answer 404 to police.
    return {"group_id": crew.pk, "membership_id": told.pk, "call_in_id": call_in.pk}

"""The actions of groups for tests/test_permission_matrix.py: each performed through its service as
user ``u`` on person ``p`` (``w``: the matrix's World)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vip.accounts.models import User

DAY = dt.date(2022, 11, 1)
NOON = dt.datetime(2022, 11, 3, 18, 0, tzinfo=dt.UTC)


def _source(user: User) -> str:
    """A source the user's role records memberships from (police: police intelligence only; a
    peer worker: what the participant said), so that only the policy can refuse the action."""
    return "police_intelligence" if user.role == "police" else "self_reported"


def actions() -> dict[str, Callable[[User, Any, Any], Any]]:
    from vip.groups.services import (
        attendance_record,
        call_in_record,
        group_record,
        membership_add,
        membership_end,
        membership_void,
    )

    def group(w: Any) -> Any:
        return group_record(actor=None, name=f"Crew {w.fresh()}")

    def membership(u: User, w: Any, p: Any) -> Any:
        return membership_add(actor=None, group=group(w), person=p, member_from=DAY, source=_source(u))

    def call_in(w: Any) -> Any:
        return call_in_record(actor=None, held_at=NOON, place="Church hall", groups=[group(w)])

    return {
        "group.record": lambda u, w, p: group_record(actor=u, name=f"Crew {w.fresh()}"),
        "group.member_add": lambda u, w, p: membership_add(
            actor=u, group=group(w), person=p, member_from=DAY, source=_source(u)
        ),
        "group.member_end": lambda u, w, p: membership_end(
            actor=u, membership=membership(u, w, p), member_to=dt.date(2022, 11, 20), expected_version=1
        ),
        "group.member_correct": lambda u, w, p: membership_void(
            actor=u,
            membership=w.entry_by(u, lambda: membership(u, w, p)),
            reason="the wrong person",
            expected_version=1,
        ),
        "call_in.record": lambda u, w, p: call_in_record(actor=u, held_at=NOON, place="Church hall", groups=[group(w)]),
        "call_in.attendance": lambda u, w, p: attendance_record(
            actor=u, call_in=call_in(w), person=p, invited=True, attended=True
        ),
    }

"""The mediations' actions for tests/test_permission_matrix.py: each performed through its service
as user ``u`` on person ``p`` (the mediation's participant)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

DAY = dt.date(2022, 11, 7)


def _mediation(w: Any, p: Any) -> Any:
    """A mediation with ``p`` as a party, recorded by a manager (who sees everyone)."""
    from vip.mediations.services import mediation_record

    return mediation_record(
        actor=w.users["manager"], occurred_on=DAY, outcome="ongoing", topics=["respect"], people=[p]
    )


def _follow_up(w: Any, p: Any) -> Any:
    from vip.mediations.services import mediation_follow_up

    return mediation_follow_up(
        actor=w.users["manager"], mediation=_mediation(w, p), followed_up_on=DAY, outcome="resolved"
    )


def actions() -> dict[str, Callable[[Any, Any, Any], Any]]:
    from vip.mediations.services import (
        mediation_follow_up,
        mediation_record,
        mediation_update,
        mediation_void,
    )

    return {
        "mediation.record": lambda u, w, p: mediation_record(
            actor=u, occurred_on=DAY, outcome="resolved", topics=["neighbourhood"], people=[p]
        ),
        "mediation.update": lambda u, w, p: mediation_update(
            actor=u,
            mediation=w.entry_by(u, lambda: _mediation(w, p)),
            expected_version=1,
            outcome="resolved",
        ),
        "mediation.follow_up": lambda u, w, p: mediation_follow_up(
            actor=u, mediation=_mediation(w, p), followed_up_on=DAY, outcome="escalated"
        ),
        "mediation.correct": lambda u, w, p: mediation_void(
            actor=u,
            mediation=w.entry_by(u, lambda: _mediation(w, p)),
            reason="recorded twice",
            expected_version=1,
        ),
    }

"""Outcomes after (or before) notification: arrests and victimisation, police side."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vip.audit.services import Actor
from vip.audit.writes import audited_create
from vip.core.access import require
from vip.outcomes.models import Outcome
from vip.people.models import Person
from vip.people.services import new_key


@transaction.atomic
def outcome_record(
    *,
    actor: Actor,
    person: Person,
    occurred_on: dt.date,
    type: str,
    source_ref: str = "",
    notes: str = "",
    key: str | None = None,
) -> Outcome:
    require(actor, "outcome.record", person)
    return audited_create(
        actor=actor,
        model=Outcome,
        action="outcome.record",
        values={
            "key": key or new_key("O"),
            "person": person,
            "occurred_on": occurred_on,
            "type": type,
            "source_ref": source_ref,
            "notes": notes,
        },
    )

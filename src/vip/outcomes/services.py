"""Outcomes after (or before) notification: arrests and victimisation, police side."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.audit.services import Actor
from vip.audit.writes import audited_create
from vip.core.access import require
from vip.core.future import refuse_future
from vip.outcomes.choices import OutcomeType
from vip.outcomes.models import Outcome
from vip.people.corrections import correctable, entry_correct, entry_void
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
    refuse_future(occurred_on, field="occurred_on", label=_("Occurred on"))
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
            "recorded_by": actor,
        },
    )


OUTCOME_FIELDS = {"occurred_on", "type", "source_ref", "notes"}


@transaction.atomic
def outcome_correct(*, actor: Actor, outcome: Outcome, reason: str, expected_version: int, **values: object) -> Outcome:
    """Correct an outcome (police records: the program's police officers or a manager)."""
    day = values.get("occurred_on")
    if isinstance(day, dt.date):
        refuse_future(day, field="occurred_on", label=_("Occurred on"))
    if "type" in values and values["type"] not in OutcomeType.values:
        raise ValidationError(_("Unknown outcome %(outcome)s") % {"outcome": repr(values["type"])})
    return entry_correct(
        actor=actor,
        record=outcome,
        action="outcome.correct",
        allowed=correctable(actor, Outcome, OUTCOME_FIELDS),
        values=dict(values),
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def outcome_void(*, actor: Actor, outcome: Outcome, reason: str, expected_version: int) -> Outcome:
    return entry_void(
        actor=actor, record=outcome, action="outcome.correct", reason=reason, expected_version=expected_version
    )

"""``outcome_record``: arrests and victimisation, recorded by the police side (and by
integrations from a records system). One audit event per outcome, without its police content;
a refused one writes nothing and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import AuditTrail, OutcomeFactory, audit_store_down
from vip.audit.services import REDACTED
from vip.outcomes.models import Outcome
from vip.outcomes.services import outcome_record

pytestmark = pytest.mark.django_db

DEC_1 = dt.date(2022, 12, 1)


def test_police_record_an_outcome_and_it_is_audited_once_without_its_content(world) -> None:
    trail = AuditTrail()
    outcome = outcome_record(
        actor=world["police"],
        person=world["own"],
        occurred_on=DEC_1,
        type="arrest_violent",
        source_ref="22-104455",
        notes="Aggravated battery",
    )
    stored = Outcome.objects.get(pk=outcome.pk)
    assert (stored.person_id, stored.occurred_on, stored.type, stored.source_ref, stored.notes) == (
        world["own"].pk,
        DEC_1,
        "arrest_violent",
        "22-104455",
        "Aggravated battery",
    )
    assert stored.key.startswith("O-") and len(stored.key) == 14
    event = trail.single()
    assert (event.action, event.outcome, event.object_type, event.object_id, event.actor_id) == (
        "outcome.record",
        "success",
        "outcomes.outcome",
        str(outcome.pk),
        world["police"].pk,
    )
    assert (event.changes["type"], event.changes["source_ref"], event.changes["notes"]) == (
        "arrest_violent",
        REDACTED,
        REDACTED,
    )


def test_an_integration_sends_an_outcome_with_its_own_key(world) -> None:
    outcome = outcome_record(
        actor=world["integration"], person=world["nobody"], occurred_on=DEC_1, type="shot", key="RMS-OUT-9"
    )
    assert (Outcome.objects.get(pk=outcome.pk).key, outcome.type) == ("RMS-OUT-9", "shot")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"type": "parking_ticket"}, "is not a valid choice"),
        ({"occurred_on": None}, "cannot be null"),
        ({"source_ref": "x" * 101}, "at most 100 characters"),
        ({"key": "O-TAKEN"}, "already exists"),
    ],
)
def test_an_outcome_refuses_bad_values(world, values, message) -> None:
    OutcomeFactory(person=world["nobody"], key="O-TAKEN")
    trail = AuditTrail()
    arguments = {"occurred_on": DEC_1, "type": "arrest_other", **values}
    with pytest.raises(ValidationError, match=message):
        outcome_record(actor=world["police"], person=world["own"], **arguments)
    assert list(Outcome.objects.values_list("key", flat=True)) == ["O-TAKEN"]
    assert trail.events() == []


@pytest.mark.parametrize("role", ["peer", "manager", "analyst", "admin"])
def test_an_outcome_is_refused_to_roles_other_than_police_and_integrations(world, role) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not record outcomes"):
        outcome_record(actor=world[role], person=world["own"], occurred_on=DEC_1, type="arrest_other")
    assert Outcome.objects.count() == 0
    assert trail.events() == []


def test_an_outcome_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        outcome_record(actor=world["police"], person=world["own"], occurred_on=DEC_1, type="killed")
    assert Outcome.objects.count() == 0

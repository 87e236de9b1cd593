"""Every write records one audit event in its own transaction, without case content."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from vip.audit.context import origin
from vip.audit.models import AuditEvent
from vip.audit.services import audit_record
from vip.casework.services import case_note_write
from vip.people.services import person_assign_peer, person_create

pytestmark = pytest.mark.django_db


def test_a_write_records_one_event_with_actor_role_origin_and_changes(program, make_user) -> None:
    manager = make_user("manager")
    with origin("203.0.113.9", "req-123"):
        person = person_create(actor=manager, first_name="Ana", last_name="García", date_of_birth=dt.date(2000, 1, 2))
    event = AuditEvent.objects.get(action="person.create")
    assert event.actor == manager
    assert (event.actor_name, event.actor_role) == (manager.username, "manager")
    assert (event.object_type, event.object_id) == ("people.person", str(person.pk))
    assert (event.source_address, event.request_id) == ("203.0.113.9", "req-123")
    assert event.changes["first_name"] == "Ana"
    assert event.occurred_at.tzinfo is not None


@pytest.mark.django_db(transaction=True)
def test_audit_must_run_inside_the_actions_transaction(program) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="x.y")


def test_a_failed_audit_rolls_the_action_back(program, make_user, monkeypatch) -> None:
    manager = make_user("manager")

    def broken(*args, **kwargs):
        raise OSError("audit store unavailable")

    monkeypatch.setattr(AuditEvent.objects, "create", broken)
    with pytest.raises(OSError, match="audit store"):
        person_create(actor=manager, first_name="Ana", last_name="García")
    from vip.people.models import Person

    assert not Person.objects.exists()


def test_case_content_never_enters_the_audit_trail(program, make_user) -> None:
    peer = make_user("peer")
    person = person_create(actor=None, first_name="Ana", last_name="García")
    person_assign_peer(actor=None, person=person, peer=peer)
    case_note_write(actor=peer, person=person, text="CANARY-7f3a talked about the fight")
    event = AuditEvent.objects.get(action="casework.case_note")
    assert event.changes["text"] == "[redacted]"
    assert "CANARY-7f3a" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_operator_events_name_the_command_line(program) -> None:
    with transaction.atomic():
        event = audit_record(actor=None, action="test.operator")
    assert event.actor is None
    assert event.actor_role == "operator"
    assert event.actor_name.startswith("cli:")

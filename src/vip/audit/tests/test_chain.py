"""Security row 17: the audit trail is append-only and tamper-evident (a hash chain)."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner
from django.db import connection, transaction

from vip.audit.chain import GENESIS
from vip.audit.models import AppendOnlyError, AuditEvent
from vip.audit.selectors import audit_chain_verify
from vip.audit.services import audit_record
from vip.cli import main
from vip.people.services import person_create

pytestmark = pytest.mark.django_db

AWKWARD = {
    "text": 'María-José "O\'Neil"\n\u2028 ✓ 😀',
    "numbers": [0, -1, 2**53, 1.5, 1e-7, 3.0],
    "nested": {"b": None, "a": [True, False, {}], "é": "x"},
}


def _events(program, make_user) -> list[AuditEvent]:
    manager = make_user("manager")
    for i in range(4):
        person_create(actor=manager, first_name=f"Ana{i}", last_name="García")
    with transaction.atomic():
        audit_record(actor=None, action="test.awkward", changes=AWKWARD)
    return list(AuditEvent.objects.order_by("id"))


def _raw(sql: str, params: list[object]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def test_every_event_links_to_the_one_before(program, make_user) -> None:
    events = _events(program, make_user)
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    result = audit_chain_verify(user=None)
    assert result.intact and result.checked == len(events) and result.head == events[-1].hash


def test_the_hash_covers_what_the_database_gives_back(program, make_user) -> None:
    _events(program, make_user)
    assert AuditEvent.objects.get(action="test.awkward").changes == AWKWARD
    assert audit_chain_verify(user=None).intact


def test_row_17_the_application_cannot_change_or_remove_an_event(program, make_user) -> None:
    event = _events(program, make_user)[1]
    event.action = "person.nothing"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_row_17_an_altered_event_breaks_the_chain_at_that_event(program, make_user) -> None:
    events = _events(program, make_user)
    _raw("UPDATE {table} SET actor_name = %s WHERE id = %s", ["someone else", events[2].pk])
    result = audit_chain_verify(user=None)
    assert result.broken_at == events[2].pk and "altered" in result.reason
    assert result.checked == 2


def test_row_17_a_removed_event_breaks_the_chain_at_the_next(program, make_user) -> None:
    events = _events(program, make_user)
    _raw("DELETE FROM {table} WHERE id = %s", [events[1].pk])
    result = audit_chain_verify(user=None)
    assert result.broken_at == events[2].pk and "removed" in result.reason


def test_row_17_a_rehashed_event_still_breaks_the_chain(program, make_user) -> None:
    # Someone who alters an event and recomputes its hash must also rewrite every later link.
    events = _events(program, make_user)
    from vip.audit.chain import FIELDS, digest

    row = AuditEvent.objects.filter(pk=events[1].pk).values(*FIELDS).get()
    row["actor_name"] = "someone else"
    _raw(
        "UPDATE {table} SET actor_name = %s, hash = %s WHERE id = %s",
        ["someone else", digest(row["prev_hash"], row), events[1].pk],
    )
    assert audit_chain_verify(user=None).broken_at == events[2].pk


def test_vip_audit_verify(program, make_user) -> None:
    events = _events(program, make_user)
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Intact: {len(events)} event(s). Head hash: {events[-1].hash}" in result.output
    _raw("UPDATE {table} SET object_id = %s WHERE id = %s", ["999", events[3].pk])
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at audit event {events[3].pk}" in result.output

"""Security row 39: a retention checkpoint cannot hide tampering, and a head hash kept outside the
database (``vip audit anchor``) shows a chain rewritten, cut off or stripped of events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection, transaction
from django.utils import timezone

from vip.audit.anchors import FORMAT
from vip.audit.chain import FIELDS, digest
from vip.audit.models import AuditEvent
from vip.audit.selectors import PURGE_ACTION, audit_chain_verify
from vip.audit.services import audit_record
from vip.cli import main
from vip.people.services import person_create
from vip.retention.services import retention_purge

pytestmark = pytest.mark.django_db


def _events(make_user: Any, n: int = 6) -> list[AuditEvent]:
    manager = make_user("manager")
    for i in range(n):
        person_create(actor=manager, first_name=f"Ana{i}", last_name="García")
    return list(AuditEvent.objects.order_by("id"))


def _sql(sql: str, params: list[Any]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def _row(pk: int) -> dict[str, Any]:
    return AuditEvent.objects.filter(pk=pk).values(*FIELDS).get()


def _forge_append(changes: dict[str, Any], action: str = PURGE_ACTION) -> int:
    """What a forger with write access to the database (and without any key: the chain has none)
    appends: an event chained onto the head, its hash computed as the application would."""
    head = AuditEvent.objects.order_by("-id").values(*FIELDS).first()
    assert head is not None
    fields = {**head, "id": head["id"] + 1, "action": action, "object_type": "audit.auditevent"}
    fields.update(changes=changes, occurred_at=timezone.now(), actor_name="operator", actor_role="operator")
    fields["actor_id"] = None
    fields["object_id"] = str(changes.get("through_id", ""))
    fields["prev_hash"], fields["hash"] = head["hash"], digest(head["hash"], fields)
    columns = ", ".join(connection.ops.quote_name(name) for name in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [json.dumps(v) if k == "changes" else v for k, v in fields.items()]
    _sql(f"INSERT INTO {{table}} ({columns}) VALUES ({marks})", values)  # noqa: S608
    return int(fields["id"])


def _alter(pk: int, *, rehash: bool) -> str:
    """Change who did event ``pk``; with ``rehash``, recompute its hash too. Returns its hash."""
    row = _row(pk)
    row["actor_name"] = "someone else"
    new_hash = digest(row["prev_hash"], row) if rehash else row["hash"]
    _sql("UPDATE {table} SET actor_name = %s, hash = %s WHERE id = %s", ["someone else", new_hash, pk])
    return new_hash


def _rehash_from(pk: int) -> None:
    """Recompute every hash and link from event ``pk`` on: a chain consistent with itself again."""
    prev = _row(pk)["prev_hash"]
    for row in AuditEvent.objects.filter(id__gte=pk).order_by("id").values(*FIELDS):
        row["prev_hash"] = prev
        new_hash = digest(prev, row)
        _sql("UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new_hash, row["id"]])
        prev = new_hash


def _verify(*args: str) -> Any:
    return CliRunner().invoke(main, ["audit", "verify", *args])


def _anchor(path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", "anchor", "--output", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("rehash", [False, True], ids=["altered", "altered-and-rehashed"])
def test_row_39_an_altered_event_behind_a_forged_purge_checkpoint_fails(program, make_user, rehash: bool) -> None:
    """The forger alters event 3 and appends a checkpoint saying the events up to it were purged,
    so that a walk starting from the checkpoint would never look at it: verification walks every
    stored event, and a checkpoint whose purged events are still stored does not fit the chain."""
    events = _events(make_user)
    altered = events[2]
    new_hash = _alter(altered.pk, rehash=rehash)
    forged = _forge_append(
        {
            "through_id": altered.pk,
            "through_hash": altered.hash,  # what event 4 links to
            "first_kept_id": altered.pk + 1,
            "purged": altered.pk,
            "cutoff": "2020-01-01T00:00:00+00:00",
            "retention_days": 2192,
        }
    )
    assert new_hash == altered.hash or rehash
    result = audit_chain_verify(user=None)
    assert not result.intact and result.broken_at == forged
    assert "still stored" in result.reason
    cli = _verify()
    assert cli.exit_code == 1 and f"BROKEN at audit event {forged}" in cli.output

    # Nor does a checkpoint that claims no purge of an altered event hide it: the walk finds it.
    _sql("DELETE FROM {table} WHERE id = %s", [forged])
    result = audit_chain_verify(user=None)
    assert not result.intact and result.broken_at == (altered.pk + 1 if rehash else altered.pk)


def test_row_39_a_forged_purge_of_recent_events_fails_against_an_anchor(program, make_user, tmp_path: Path) -> None:
    """Removing the oldest events for real and appending a checkpoint that fits leaves a chain that
    looks purged; an anchor taken when they were there (younger than the minimum retention) shows
    they were removed."""
    anchors = tmp_path / "anchors.jsonl"
    events = _events(make_user)
    _anchor(anchors)  # the head is event 6
    with transaction.atomic():
        audit_record(actor=None, action="test.later")
    _anchor(anchors)
    _alter(events[2].pk, rehash=True)
    through = events[-1]  # every event anchored first goes
    first_kept = AuditEvent.objects.filter(id__gt=through.pk).order_by("id").first()
    assert first_kept is not None
    _sql("DELETE FROM {table} WHERE id <= %s", [through.pk])
    _forge_append(
        {
            "through_id": through.pk,
            "through_hash": first_kept.prev_hash,
            "first_kept_id": first_kept.pk,
            "purged": len(events),
            "cutoff": "2020-01-01T00:00:00+00:00",
            "retention_days": 2192,
        }
    )
    assert audit_chain_verify(user=None).intact  # without an anchor, a prefix removal looks purged
    assert _verify().exit_code == 0
    cli = _verify("--anchor", str(anchors))
    assert cli.exit_code == 1, cli.output
    # The anchored event was the newest the forged checkpoint "purged", with its right hash; but an
    # event written days ago cannot have been purged (a year at least): it was removed.
    assert f"ANCHOR FAILED {through.pk}" in cli.output and "removed, not purged" in cli.output
    assert f"Anchor {through.pk + 1} " in cli.output  # the later anchor still holds


def test_row_39_a_rehashed_chain_fails_against_an_anchor_taken_before(program, make_user, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    events = _events(make_user)
    _anchor(anchors)
    line = json.loads(anchors.read_text().splitlines()[-1])
    assert (line["format"], line["sequence"], line["hash"]) == (FORMAT, events[-1].pk, events[-1].hash)
    with transaction.atomic():
        audit_record(actor=None, action="test.later")
    assert _verify("--anchor", str(anchors)).exit_code == 0

    _alter(events[1].pk, rehash=False)
    _rehash_from(events[1].pk)
    assert audit_chain_verify(user=None).intact  # consistent with itself: no secret in the chain
    assert _verify().exit_code == 0
    cli = _verify("--anchor", str(anchors))
    assert cli.exit_code == 1
    assert f"ANCHOR FAILED {events[-1].pk}" in cli.output and "rewritten" in cli.output


def test_row_39_an_anchor_shows_that_the_newest_events_were_cut_off(program, make_user, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    events = _events(make_user)
    _anchor(anchors)
    _sql("DELETE FROM {table} WHERE id >= %s", [events[-2].pk])
    assert audit_chain_verify(user=None).intact
    cli = _verify("--anchor", str(anchors))
    assert cli.exit_code == 1 and "cut off" in cli.output


def test_row_39_a_genuine_retention_purge_still_verifies_with_its_anchors(program, make_user, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    events = _events(make_user)
    old_event = events[1]
    # An anchor of long ago (kept since), whose event the purge removes: it cannot be checked, and
    # may be gone, being older than the minimum retention.
    long_ago = timezone.now() - dt.timedelta(days=800)
    anchors.write_text(
        json.dumps(
            {
                "format": FORMAT,
                "sequence": old_event.pk,
                "hash": old_event.hash,
                "occurred_at": long_ago.isoformat(),
            }
        )
        + "\n"
    )
    middle = timezone.now()
    person_create(actor=make_user("manager"), first_name="Late", last_name="Event")
    _anchor(anchors)  # the head before the purge: younger than the cut-off, kept
    kept = AuditEvent.objects.filter(id__gt=events[-1].pk).order_by("id").first()
    assert kept is not None

    items = retention_purge(actor=None, now=middle + dt.timedelta(days=2192), kinds=("audit",))
    assert items[0].count == len(events)
    checkpoint = AuditEvent.objects.filter(action=PURGE_ACTION).get()
    assert checkpoint.changes["first_kept_id"] == kept.pk
    assert checkpoint.changes["through_hash"] == events[-1].hash == kept.prev_hash
    assert audit_chain_verify(user=None).intact
    _anchor(anchors)  # after the purge: the checkpoint is the head
    with transaction.atomic():
        audit_record(actor=None, action="test.after_purge")

    cli = _verify("--anchor", str(anchors))
    assert cli.exit_code == 0, cli.output
    assert f"Anchor {old_event.pk} " in cli.output and "purged under the retention policy" in cli.output
    assert cli.output.count("holds the anchored hash") == 2
    assert "Intact:" in cli.output


def test_an_anchor_file_that_cannot_be_read_is_refused_with_its_line(program, make_user, tmp_path: Path) -> None:
    _events(make_user, 1)
    bad = tmp_path / "anchors.jsonl"
    bad.write_text("# anchors of the audit trail\n" + json.dumps({"format": FORMAT, "sequence": 1}) + "\n")
    cli = _verify("--anchor", str(bad))
    assert cli.exit_code == 2 and f"{bad}:2: hash: missing" in cli.output
    bad.write_text("not json\n")
    assert f"{bad}:1:" in _verify("--anchor", str(bad)).output
    bad.write_text("")
    assert "no anchor" in _verify("--anchor", str(bad)).output


def test_vip_audit_anchor_prints_the_head_and_refuses_a_broken_chain(program, make_user) -> None:
    events = _events(make_user, 2)
    printed = CliRunner().invoke(main, ["audit", "anchor"])
    assert printed.exit_code == 0
    line = json.loads(printed.output.strip().splitlines()[-1])
    assert (line["sequence"], line["hash"]) == (events[-1].pk, events[-1].hash)
    assert AuditEvent.objects.count() == len(events)  # taking an anchor writes nothing
    _alter(events[0].pk, rehash=False)
    broken = CliRunner().invoke(main, ["audit", "anchor"])
    assert broken.exit_code == 1 and "BROKEN" in broken.output

"""Recording public releases in the ledger (every write audited in its transaction)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vip.audit.services import Actor, actor_identity, audit_record
from vip.releases.ledger import Cell, Edition
from vip.releases.models import Release

# Any constant: publications take this PostgreSQL advisory lock so that two releases are never
# checked against the same ledger at once (SQLite serialises writers by itself).
_LEDGER_LOCK = 0x766970_6C6564


def lock_ledger() -> None:
    """Hold the ledger for the current transaction (PostgreSQL); call inside ``transaction.atomic``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK])


def ledger_editions() -> tuple[list[Edition], int]:
    """Every release so far, in release order, and the id of the latest (0 when there is none)."""
    releases = list(Release.objects.order_by("released_at", "id"))
    editions = [Edition(f"{r.kind} {r.subject} #{r.edition}", r.cells, r.truths) for r in releases]
    return editions, releases[-1].id if releases else 0


def latest_release_id() -> int:
    return Release.objects.order_by("-id").values_list("id", flat=True).first() or 0


@transaction.atomic
def release_record(
    *,
    actor: Actor,
    kind: str,
    subject: str,
    data_fingerprint: str,
    threshold: int,
    width: int,
    cells: list[Cell],
    truths: dict[str, int],
    withheld_for_history: list[Cell],
) -> Release:
    """Record a public release; it never changes afterwards."""
    edition = Release.objects.filter(kind=kind, subject=subject).count() + 1
    _user, name, _role = actor_identity(actor)
    release = Release.objects.create(
        kind=kind,
        subject=subject,
        edition=edition,
        released_at=timezone.now(),
        released_by_name=name,
        data_fingerprint=data_fingerprint,
        threshold=threshold,
        width=width,
        cells=cells,
        truths=truths,
        withheld_for_history=[_where(c) for c in withheld_for_history],
    )
    audit_record(
        actor=actor,
        action="release.record",
        target=release,
        changes={
            "kind": kind,
            "subject": subject,
            "edition": edition,
            "data_fingerprint": data_fingerprint,
            "cells": sum(1 for c in cells if c.get("table")),
            "withheld_for_history": len(withheld_for_history),
        },
    )
    return release


def _where(cell: Cell) -> dict[str, Any]:
    return {"table": cell.get("table"), "row": cell.get("row"), "col": cell.get("col")}

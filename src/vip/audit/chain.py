"""The audit trail as a hash chain: each event carries the hash of the one before it.

An event's hash covers its own fields and the previous event's hash, so altering, removing or
reordering any event breaks the chain from that event on; ``vip audit verify`` walks it. Events
are chained in id order: writers take a lock first (PostgreSQL: a transaction-scoped advisory
lock; SQLite serialises writers already), so ids and chain order agree.

A retention purge removes the oldest events and records a checkpoint in the chain itself (an
``audit.purge`` event, chained like any other, holding the id and hash of the newest event it
removed and the id of the first it kept). Verification walks every event still stored, from the
first: the first must link to the latest checkpoint's hash (or to GENESIS when nothing was ever
purged), no event a checkpoint says was purged may still be there, and every other event must
link to the one before it. Altering a stored event therefore breaks the chain whatever
checkpoint follows it (security row 39).

What a chain cannot show by itself is a rewrite by someone who can write the database and
recomputes every hash, or the loss of its newest events, or a purge forged to remove a prefix:
the hash function has no secret. ``vip audit anchor`` writes the head (sequence number, hash,
time) to a file kept outside the database; ``vip audit verify --anchor FILE`` checks that the
chain still holds each anchored event with its hash (vip.audit.anchors, docs/audit.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS = "0" * 64
# No audit event younger than this may be purged (CJIS keeps audit records for a year): the
# retention purge refuses shorter periods, and an anchored event younger than this that is gone
# was not purged but removed.
MINIMUM_RETENTION_DAYS = 365
# Arbitrary, fixed: the advisory lock that serialises audit writers on PostgreSQL.
_LOCK_KEY = 0x7669_7061_7564  # "vipaud"


def lock_chain() -> None:
    """Hold the chain for the rest of the current transaction (PostgreSQL; a no-op on SQLite)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The recorded fields an event's hash covers; FIELDS: every column ``verify`` reads.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "changes",
    "source_address",
    "request_id",
)
FIELDS = ("id", *HASHED_FIELDS, "prev_hash", "hash")


def content(fields: dict[str, Any]) -> bytes:
    """The canonical bytes of an event's recorded fields."""
    body = {name: fields[name] for name in HASHED_FIELDS}
    body["occurred_at"] = _moment(fields["occurred_at"])
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def digest(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + content(fields)).hexdigest()


@dataclass
class Verification:
    checked: int = 0
    head: str = GENESIS  # the hash of the newest event checked
    broken_at: int | None = None  # id of the first event that does not fit the chain
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(rows: Any, progress: Callable[[int], None] | None = None, start: str = GENESIS) -> Verification:
    """Walk ``rows`` (dicts of FIELDS in id order) and report the first event that breaks the chain.

    ``start`` is the hash the first row must link to: GENESIS, or after a retention purge the hash
    of the newest purged event, as its ``audit.purge`` event (the checkpoint) recorded it.
    """
    result = Verification(head=start)
    expected_prev = start
    for row in rows:
        if row["prev_hash"] != expected_prev:
            result.broken_at = row["id"]
            result.reason = "its link to the previous event does not match (an event before it was removed or altered)"
            return result
        if digest(row["prev_hash"], row) != row["hash"]:
            result.broken_at = row["id"]
            result.reason = "its content does not match its hash (the event was altered)"
            return result
        expected_prev = row["hash"]
        result.checked += 1
        result.head = row["hash"]
        if progress is not None:
            progress(1)
    return result

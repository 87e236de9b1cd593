"""Anchors: the head of the audit chain, kept outside the database (security row 39).

The hash chain has no secret: whoever can write the database can alter an event and recompute
every hash after it, cut off the newest events, or remove the oldest ones and append a checkpoint
that looks like a retention purge. An anchor is what they cannot reach: the sequence number
(event id), hash and time of the newest event, written by ``vip audit anchor`` to a file kept
elsewhere (another machine, write-once storage, the printed monthly report run; docs/audit.md).

``vip audit verify --anchor FILE`` checks every anchor in the file against the stored chain:

- the anchored event is stored with the anchored hash: the chain up to it is the one anchored
  (each hash covers the one before it), whatever was recomputed;
- it is gone, and was purged under the retention policy: the latest checkpoint covers it (with
  the anchored hash when it was the newest event purged), and it was older than the minimum
  retention (365 days) at the time of the check, since no younger event may be purged. A forged
  "purge" of the oldest events therefore fails against any anchor taken in the last year of an
  event it removed: take anchors regularly (monthly), and keep them all in the file;
- otherwise the check fails: the event was removed, the chain cut after it, or its hash changed.

An anchor file holds one anchor per line (JSON), oldest first; ``--output`` appends to it, so a
file kept for years checks every month's head at once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from vip.audit.chain import GENESIS, MINIMUM_RETENTION_DAYS
from vip.audit.selectors import audit_checkpoint, audit_event_list

FORMAT = "vip-audit-anchor/1"


class AnchorError(ValueError):
    """An anchor file that cannot be read (the message names the file and line)."""


@dataclass(frozen=True)
class Anchor:
    sequence: int  # the event's id
    hash: str
    occurred_at: dt.datetime  # the event's own time (UTC)
    taken_at: dt.datetime | None = None

    def line(self) -> str:
        """The anchor as one line of an anchor file."""
        body: dict[str, Any] = {
            "format": FORMAT,
            "sequence": self.sequence,
            "hash": self.hash,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat(),
        }
        if self.taken_at is not None:
            body["taken_at"] = self.taken_at.astimezone(dt.UTC).isoformat()
        return json.dumps(body, sort_keys=True)


@dataclass(frozen=True)
class AnchorCheck:
    anchor: Anchor
    holds: bool
    message: str


def audit_anchor_take(*, user: Any, now: dt.datetime) -> Anchor | None:
    """The head of the chain as an anchor (None for an empty trail)."""
    head = audit_event_list(user=user).order_by("-id").values("id", "hash", "occurred_at").first()
    if head is None:
        return None
    return Anchor(head["id"], head["hash"], head["occurred_at"], now)


def parse_anchors(text: str, source: str) -> list[Anchor]:
    """The anchors of an anchor file; blank lines and lines starting with ``#`` are skipped."""
    anchors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            body = json.loads(line)
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise ValueError(f"not an anchor of this format ({FORMAT})")
            sequence, digest = body["sequence"], body["hash"]
            if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
                raise ValueError("sequence: a positive whole number is expected")
            if not isinstance(digest, str) or len(digest) != len(GENESIS) or digest.strip("0123456789abcdef"):
                raise ValueError("hash: 64 lower-case hexadecimal digits are expected")
            occurred_at = _moment(body["occurred_at"], "occurred_at")
            taken_at = _moment(body["taken_at"], "taken_at") if "taken_at" in body else None
        except KeyError as exc:
            raise AnchorError(f"{source}:{number}: {exc.args[0]}: missing") from None
        except ValueError as exc:  # json.JSONDecodeError included
            raise AnchorError(f"{source}:{number}: {exc}") from None
        anchors.append(Anchor(sequence, digest, occurred_at, taken_at))
    if not anchors:
        raise AnchorError(f"{source}: no anchor in the file")
    return anchors


def _moment(value: Any, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: a date and time (ISO 8601, with its offset) is expected") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name}: a date and time (ISO 8601, with its offset) is expected")
    return moment


def audit_anchor_check(*, user: Any, anchor: Anchor, now: dt.datetime) -> AnchorCheck:
    """Whether the stored chain still holds ``anchor`` (see the module's description). Run it
    with ``audit_chain_verify``: an anchored event that holds vouches for the events before it
    only if the chain itself is intact."""
    events = audit_event_list(user=user)
    stored = events.filter(id=anchor.sequence).values_list("hash", flat=True).first()
    if stored is not None:
        if stored == anchor.hash:
            return AnchorCheck(anchor, True, f"event {anchor.sequence} holds the anchored hash")
        return AnchorCheck(
            anchor,
            False,
            f"event {anchor.sequence} no longer has the anchored hash: the chain up to it was rewritten",
        )
    checkpoint = audit_checkpoint(user=user)
    if checkpoint is not None and anchor.sequence <= int(checkpoint["through_id"]):
        if anchor.occurred_at > now - dt.timedelta(days=MINIMUM_RETENTION_DAYS):
            return AnchorCheck(
                anchor,
                False,
                f"event {anchor.sequence} is gone, yet it is younger than the minimum retention "
                f"({MINIMUM_RETENTION_DAYS} days): it was removed, not purged (a forged checkpoint?)",
            )
        if anchor.sequence == int(checkpoint["through_id"]) and checkpoint["through_hash"] != anchor.hash:
            return AnchorCheck(
                anchor,
                False,
                f"the retention checkpoint records another hash for event {anchor.sequence} than the anchor",
            )
        return AnchorCheck(
            anchor, True, f"event {anchor.sequence} was purged under the retention policy (cannot be checked further)"
        )
    head = events.order_by("-id").values_list("id", flat=True).first()
    if head is None or anchor.sequence > head:
        return AnchorCheck(
            anchor,
            False,
            f"event {anchor.sequence} is gone: the chain now ends at event {head or 0} "
            "(its newest events were cut off)",
        )
    return AnchorCheck(anchor, False, f"event {anchor.sequence} is gone: it was removed from the chain")

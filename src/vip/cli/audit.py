"""`vip audit`: check the audit trail's hash chain, and anchor its head outside the database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vip.cli import common

if TYPE_CHECKING:  # the audit code is loaded once Django is set up
    from vip.audit.chain import Verification


@click.group()
def audit() -> None:
    """The audit trail: every write and every read of person-level data, append-only and hash-chained
    (administrators read it at /audit/ in the web application).

    \b
    vip audit verify                    check the chain
    vip audit anchor --output FILE      append the head (sequence, hash, time) to FILE
    vip audit verify --anchor FILE      check the chain and that it still holds every anchored head

    Keep the anchor file where the database's administrators cannot write: another machine,
    write-once storage, or printed with the monthly report run (docs/audit.md).
    """


def _verify_chain() -> Verification:
    """Walk the chain with a progress bar; exit 1 when it is broken. Returns the Verification."""
    # Deferred: Django is set up first, and only these commands pay for the audit code.
    from vip.audit.models import AuditEvent
    from vip.audit.selectors import audit_chain_verify

    total = AuditEvent.objects.count()
    with click.progressbar(length=total, label="Verifying the audit trail", file=sys.stderr) as bar:
        result = audit_chain_verify(user=None, progress=bar.update)
    if not result.intact:
        click.echo(f"BROKEN at audit event {result.broken_at}: {result.reason}.", err=True)
        click.echo(f"{result.checked:,} event(s) before it are intact.", err=True)
        sys.exit(common.EXIT_FAILURE)
    return result


@audit.command(name="verify")
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An anchor file written by `vip audit anchor`: the chain must still hold every head it records (repeatable).",
)
def audit_verify(anchor_files: tuple[Path, ...]) -> None:
    """Check the audit trail's hash chain over every stored event.

    Exit status 0 when intact, 1 at the first event that was altered, removed or reordered, or at a
    retention checkpoint that does not fit the stored chain (events it says were purged are still
    there, or the first event kept is missing). The newest event's hash is printed.

    A chain cannot show by itself a rewrite by someone who recomputes every hash, nor the loss of
    its newest or oldest events: with --anchor, each head recorded in FILE by `vip audit anchor`
    must still be in the chain with the same hash (or have been purged under the retention
    policy, at least 365 days after it was written); otherwise exit 1. Exit 2 for an anchor file
    that cannot be read.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the audit code.
    from django.utils import timezone

    from vip.audit.anchors import AnchorError, audit_anchor_check, parse_anchors
    from vip.audit.selectors import audit_checkpoint

    anchors = []
    for path in anchor_files:
        try:
            anchors += parse_anchors(path.read_text(encoding="utf-8"), str(path))
        except (AnchorError, UnicodeDecodeError) as exc:
            click.echo(f"Cannot read the anchor file: {exc}", err=True)
            sys.exit(common.EXIT_INVALID)
    result = _verify_chain()
    checkpoint = audit_checkpoint(user=None)
    if checkpoint:
        click.echo(
            f"The {checkpoint['purged']:,} event(s) before event {checkpoint['through_id'] + 1} were purged "
            f"under the retention policy (audit event {checkpoint['event_id']}, {checkpoint['occurred_at']:%Y-%m-%d}); "
            "the first event kept links to the checkpoint."
        )
    now = timezone.now()
    failed = 0
    for anchor in anchors:
        check = audit_anchor_check(user=None, anchor=anchor, now=now)
        when = f"{anchor.occurred_at:%Y-%m-%d %H:%M}Z"
        if check.holds:
            click.echo(f"Anchor {anchor.sequence} ({when}): {check.message}.")
        else:
            failed += 1
            click.echo(f"ANCHOR FAILED {anchor.sequence} ({when}): {check.message}.", err=True)
    if failed:
        click.echo(f"{failed} of {len(anchors)} anchor(s) do not hold: the audit trail was changed.", err=True)
        sys.exit(common.EXIT_FAILURE)
    click.echo(f"Intact: {result.checked:,} event(s). Head hash: {result.head}")


@audit.command(name="anchor")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the anchor to this file (created if need be) instead of printing it.",
)
def audit_anchor(output: Path | None) -> None:
    """Record the head of the audit chain outside the database.

    Checks the chain first (exit 1 when broken: a broken chain is not anchored), then writes one
    line: the newest event's sequence number (id), hash and time, and when the anchor was taken,
    to standard output or appended to FILE. Keep it where the database's administrators cannot
    write: another machine, write-once storage, a printed copy with the monthly report run. Later,
    `vip audit verify --anchor FILE` fails if any anchored event was altered, removed or re-hashed.
    Take one at least monthly (docs/audit.md).
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the audit code.
    from django.utils import timezone

    from vip.audit.anchors import audit_anchor_take

    _verify_chain()
    anchor = audit_anchor_take(user=None, now=timezone.now())
    if anchor is None:
        click.echo("The audit trail is empty: nothing to anchor.", err=True)
        sys.exit(common.EXIT_FAILURE)
    if output is None:
        click.echo(anchor.line())
        return
    try:
        with output.open("a", encoding="utf-8") as file:
            file.write(anchor.line() + "\n")
    except OSError as exc:
        click.echo(f"Cannot write {output}: {exc.strerror}", err=True)
        sys.exit(common.EXIT_FAILURE)
    click.echo(
        f"Anchored audit event {anchor.sequence} ({anchor.occurred_at:%Y-%m-%d %H:%M:%S}Z), "
        f"hash {anchor.hash}, in {output}. Keep the file outside the database's reach."
    )

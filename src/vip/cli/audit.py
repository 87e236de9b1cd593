"""`vip audit`: check the audit trail's hash chain."""

from __future__ import annotations

import sys

import click

from vip.cli import common


@click.group()
def audit() -> None:
    """The audit trail: every write and every read of person-level data, append-only and hash-chained
    (administrators read it at /audit/ in the web application)."""


@audit.command(name="verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain from the first event to the last.

    Exit status 0 when intact (the newest event's hash is printed: record it elsewhere to detect
    a later loss of events), 1 at the first event that was altered, removed or reordered.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the audit code.
    from vip.audit.models import AuditEvent
    from vip.audit.selectors import audit_chain_verify, audit_checkpoint

    total = AuditEvent.objects.count()
    with click.progressbar(length=total, label="Verifying the audit trail", file=sys.stderr) as bar:
        result = audit_chain_verify(user=None, progress=bar.update)
    if not result.intact:
        click.echo(f"BROKEN at audit event {result.broken_at}: {result.reason}.", err=True)
        click.echo(f"{result.checked:,} event(s) before it are intact.", err=True)
        sys.exit(common.EXIT_FAILURE)
    checkpoint = audit_checkpoint(user=None)
    if checkpoint:
        click.echo(
            f"The {checkpoint['purged']:,} event(s) before event {checkpoint['through_id'] + 1} were purged "
            f"under the retention policy (audit event {checkpoint['event_id']}, {checkpoint['occurred_at']:%Y-%m-%d}); "
            "the chain is checked from there."
        )
    click.echo(f"Intact: {result.checked:,} event(s). Head hash: {result.head}")

"""`vip retention`: what the program must not keep forever."""

from __future__ import annotations

import click

from vip.cli import common


@click.group(name="retention")
def retention_group() -> None:
    """Retention: purge what the program must not keep forever (periods: VIP_RETENTION_*_DAYS)."""


@retention_group.command(name="purge")
@click.option(
    "--dry-run/--apply",
    default=True,
    show_default=True,
    help="--dry-run (the default) lists what would go, per kind, and deletes nothing; --apply deletes it.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["people", "candidates", "sessions", "api_tokens", "access_logs", "audit"]),
    help="Only these kinds (repeatable; default: all).",
)
def retention_purge_command(dry_run: bool, kinds: tuple[str, ...]) -> None:
    """List, or with --apply delete, what is past its retention period.

    \b
    people       never enrolled, no activity for VIP_RETENTION_UNENROLLED_DAYS (default 1826)
    candidates   declined, expired or never decided, older than VIP_RETENTION_CANDIDATE_DAYS (365)
    sessions     ended sign-in sessions
    api_tokens   revoked more than VIP_RETENTION_API_TOKEN_DAYS ago (90)
    access_logs  sign-in attempt records older than VIP_RETENTION_ACCESS_LOG_DAYS (365, at least 365)
    audit        audit events older than VIP_AUDIT_RETENTION_DAYS (2192, at least 365); a checkpoint
                 in the trail keeps `vip audit verify` working

    The purge runs in one transaction and records one audit event per kind (counts only).
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the retention code.
    from vip.retention.services import KINDS, RetentionError, retention_plan, retention_purge

    chosen = tuple(k for k in KINDS if not kinds or k in kinds)
    try:
        items = retention_plan(kinds=chosen) if dry_run else retention_purge(actor=None, kinds=chosen)
    except RetentionError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{'kind':12} {verb:>13}  {'kept':>10}  what")
    for item in items:
        kept = f"{item.days} days" if item.days is not None else "until ended"
        click.echo(f"{item.kind:12} {item.count:>13,}  {kept:>10}  {item.description}")
    if dry_run:
        click.echo("Dry run: nothing was deleted. Run `vip retention purge --apply` to delete these.")
    else:
        click.echo(
            "Purged, in one transaction; each kind's count is in the audit trail (retention.purge, audit.purge)."
        )

"""`vip identify` and `vip criteria`: running and publishing the identification criteria."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import click

from vip.cli import common


@click.command(name="identify")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run the criteria as of this date (default: today in the program's time zone).",
)
@click.option("--dry-run", is_flag=True, help="Count who meets the criteria; propose nobody, write nothing.")
@click.option(
    "--history-from",
    "history_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Instead of today's run: the criteria's history, a run every --every days from this date to "
    "yesterday (or --as-of), each run's proposals stamped with its day; only before every proposal there is. "
    "For records loaded from before vip: the evaluation's comparison group reads them.",
)
@click.option(
    "--every", "every_days", type=click.IntRange(min=1), default=7, show_default=True, help="Days between history runs."
)
@click.option("--as", "username", default=None, help="Run as this account (a program manager; named in the audit).")
def identify_command(
    as_of: dt.datetime | None, dry_run: bool, history_from: dt.datetime | None, every_days: int, username: str | None
) -> None:
    """Run the published identification criteria and propose, for review, everyone who meets one.

    Each proposal carries every reason that applies, each tied to its incident records; a
    program manager other than the proposer approves or declines it, with a reason, on the
    Candidates page. Nothing here approves anybody. People with an open candidacy are not
    proposed again; someone declined before is proposed again only on new records. Expired
    proposals and approvals are marked expired first. The criteria in force are on the
    Criteria page and `vip criteria show`. Prints a summary: people per criterion, proposals.

    With --history-from DATE: for records loaded from before vip, the runs the criteria would
    have made every --every days from DATE to yesterday (or --as-of), in order, each run's
    proposals stamped with its day and expired as the days passed (the evaluation's comparison
    group reads them; docs/evaluation.md). Written only before every proposal there is, all or
    nothing, audited.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the identification engine.
    from django.db import transaction

    from vip.core.config import program_today
    from vip.identification.engine import identify
    from vip.identification.services import identify_propose

    actor = common.actor(username)
    if history_from is not None:
        if dry_run:
            raise click.UsageError("--history-from writes the history: it has no --dry-run")
        history(actor, history_from.date(), as_of.date() if as_of else None, every_days)
        return
    day = as_of.date() if as_of else program_today()
    state: dict[str, Any] = {"bar": None}

    def progress(phase: str, done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label="identify", file=sys.stderr).__enter__()
        bar = state["bar"]
        bar.label = f"identify: {phase}"
        bar.update(done - bar.pos)

    started = time.monotonic()
    try:
        result = identify(as_of=day, progress=progress)
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    seconds = time.monotonic() - started
    criteria = result.criteria
    click.echo(f"Criteria version {criteria.version}, as of {day.isoformat()} ({seconds:.1f} s):")
    click.echo(f"  involvements read: {result.involvements_read:,}")
    click.echo(f"  co-involvement network: {result.network_nodes:,} people, {result.network_edges:,} links")
    counts = result.counts()
    for criterion in criteria.criteria:
        click.echo(f"  {criterion.code:<20} {counts[criterion.code]:>9,}  {criterion.title}")
    click.echo(f"  people meeting at least one criterion: {len(result.findings):,}")
    if result.excluded_deceased:
        click.echo(f"  not proposed, known to have died: {result.excluded_deceased:,}")
    if dry_run:
        click.echo("Nothing was proposed (--dry-run).")
        return
    started, cpu = time.monotonic(), time.process_time()
    with transaction.atomic():
        summary = identify_propose(actor=actor, result=result)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu  # written and committed
    click.echo(
        f"Proposed {summary.proposed:,} for review; {summary.already_open:,} already open; "
        f"{summary.declined_before:,} declined before on the same records; {summary.expired:,} expired "
        f"({seconds:.1f} s to write, {cpu:.1f} s of it on the processor)."
    )
    click.echo("Review them on the Candidates page (/identification/candidates/).")


def history(actor: Any, start: dt.date, end: dt.date | None, every_days: int) -> None:
    from django.core.exceptions import ValidationError

    from vip.identification.services import identify_history

    started = time.monotonic()
    with click.progressbar(length=1, label="identify: history", file=sys.stderr) as bar:

        def progress(done: int, total: int, day: dt.date) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            summary = identify_history(actor=actor, start=start, end=end, every_days=every_days, progress=progress)
        except ValidationError as exc:
            raise click.UsageError(" ".join(exc.messages)) from exc
    click.echo(
        f"The criteria's history: {summary.runs:,} runs, every {every_days} days from {summary.first} to "
        f"{summary.last}; {summary.proposed:,} proposals, {summary.expired:,} expired as the days passed "
        f"({time.monotonic() - started:.1f} s)."
    )


@click.group(name="criteria")
def criteria_group() -> None:
    """The published identification criteria (versioned; shown on /identification/criteria/)."""


@criteria_group.command(name="show")
def criteria_show_command() -> None:
    """Print the criteria in force (the TOML document as published)."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the criteria code.
    from vip.identification.criteria import criteria_in_force

    click.echo(criteria_in_force().source, nl=False)


@criteria_group.command(name="publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", default=None, help="Publish as this account (a program manager).")
def criteria_publish_command(file: Path, username: str | None) -> None:
    """Publish FILE (TOML, like src/vip/identification/published/v1.toml) as the new criteria
    version. Checked first; errors name the file and key. Versions are never edited in place."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the criteria code.
    from django.core.exceptions import ValidationError

    from vip.identification.services import criteria_publish

    try:
        version = criteria_publish(actor=common.actor(username), text=file.read_text(encoding="utf-8"), name=str(file))
    except ValidationError as exc:
        raise click.ClickException(" ".join(exc.messages)) from None
    click.echo(f"Published criteria version {version.label}; it is in force from now.")

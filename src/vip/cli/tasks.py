"""`vip worker`: run the task queue (reports, the criteria run and other long work)."""

from __future__ import annotations

import click

from vip.cli import common


@click.command()
@click.option("--once", is_flag=True, help="Run every job waiting on the queue, then exit (tests, cron).")
@click.option(
    "--interval",
    default=1.0,
    type=click.FloatRange(min=0.1, max=3600),
    show_default=True,
    help="Seconds to wait when the queue is empty before looking again.",
)
def worker(once: bool, interval: float) -> None:
    """Run the queue of long work: report generation and publication, and the other jobs the
    pages ask for, and put the recurring jobs of `vip schedule` on it when due (docs/tasks.md).

    A plain foreground process (for systemd): SIGTERM or Ctrl+C lets the job in hand finish,
    then it exits; a second signal stops at once. Several workers may run against one
    PostgreSQL database (each job is taken by one).
    """
    common.django_setup()
    common.require_ready()
    # Deferred: the worker loads the tasks framework and the jobs of every app.
    from vip.jobs.schedule import schedule_tick
    from vip.jobs.worker import Loop, run_pending

    if once:
        schedule_tick()
        ran = run_pending()
        click.echo(f"Ran {ran} job(s); the queue is empty.")
        return
    click.echo(f"Worker started (looking every {interval:g} s); stop with SIGTERM or Ctrl+C.", err=True)
    ran = Loop(interval=interval, tick=schedule_tick).run()
    click.echo(f"Worker stopped after {ran} job(s).", err=True)


@click.group(name="schedule")
def schedule_group() -> None:
    """The recurring jobs the worker runs: a draft of last month's report on the 2nd, the expiry
    of candidacies daily, the retention purge weekly, the encrypted backup nightly (to
    VIP_BACKUP_DIR, keeping VIP_BACKUP_KEEP). Times are in the program's time zone."""


def _when(entry: object) -> str:
    every, hour, minute = entry.every, entry.hour, entry.minute  # type: ignore[attr-defined]
    at = f"{hour:02d}:{minute:02d}"
    if every == "week":
        return f"weekly, {('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[entry.weekday]} {at}"  # type: ignore[attr-defined]
    if every == "month":
        return f"monthly, day {entry.day} {at}"  # type: ignore[attr-defined]
    return f"daily {at}"


@schedule_group.command(name="list")
def schedule_list() -> None:
    """Each entry: on or off, when it runs, its last run (and how it ended) and its next."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first.
    from django.utils import timezone

    from vip.core.config import program_config
    from vip.jobs.models import Schedule
    from vip.jobs.schedule import next_run, schedule_defaults

    schedule_defaults()
    zone = program_config().zone

    def local(value: object) -> str:
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else "-"  # type: ignore[arg-type]

    for entry in Schedule.objects.select_related("last_job"):
        upcoming = entry.next_run_at or (next_run(entry, timezone.now()) if entry.enabled else None)
        last = local(entry.last_run_at)
        if entry.last_job is not None:
            last += f" ({entry.last_job.status}{': ' + entry.last_job.error if entry.last_job.error else ''})"
        click.echo(
            f"{entry.name:<22} {'on ' if entry.enabled else 'off'} {entry.kind:<18} {_when(entry):<22} "
            f"last {last}; next {local(upcoming) if entry.enabled else '-'}"
        )


def _switch(name: str, enabled: bool) -> None:
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first.
    from vip.jobs.models import Schedule
    from vip.jobs.schedule import schedule_defaults, schedule_set_enabled

    schedule_defaults()
    try:
        schedule_set_enabled(actor=None, name=name, enabled=enabled)
    except Schedule.DoesNotExist:
        names = ", ".join(Schedule.objects.values_list("name", flat=True))
        raise click.UsageError(f"no schedule entry {name!r}; the entries: {names}") from None
    click.echo(f"{name}: {'on' if enabled else 'off'}.")


@schedule_group.command(name="enable")
@click.argument("name")
def schedule_enable(name: str) -> None:
    """Switch an entry on (its next run is worked out from now)."""
    _switch(name, True)


@schedule_group.command(name="disable")
@click.argument("name")
def schedule_disable(name: str) -> None:
    """Switch an entry off."""
    _switch(name, False)

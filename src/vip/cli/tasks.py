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
    pages ask for (docs/tasks.md).

    A plain foreground process (for systemd): SIGTERM or Ctrl+C lets the job in hand finish,
    then it exits; a second signal stops at once. Several workers may run against one
    PostgreSQL database (each job is taken by one).
    """
    common.django_setup()
    common.require_ready()
    # Deferred: the worker loads the tasks framework and the jobs of every app.
    from vip.jobs.worker import Loop, run_pending

    if once:
        ran = run_pending()
        click.echo(f"Ran {ran} job(s); the queue is empty.")
        return
    click.echo(f"Worker started (looking every {interval:g} s); stop with SIGTERM or Ctrl+C.", err=True)
    ran = Loop(interval=interval).run()
    click.echo(f"Worker stopped after {ran} job(s).", err=True)

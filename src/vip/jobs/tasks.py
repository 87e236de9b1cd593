"""The one task of the queue: run a Job. Each kind's work is a function declared with
``vip.jobs.kinds.job_kind``; the queue only ever carries a Job's id."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> str:
    # Deferred: a task module is imported when the task is declared, before the models are ready.
    from vip.jobs.services import job_run

    return str(job_run(job_id).status)

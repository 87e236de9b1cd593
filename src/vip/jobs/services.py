"""Writes of jobs: ask for one (it goes on the queue), run one (the worker, or the command line
inline), record its progress. Every change of state is audited: the request and the end."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor, actor_identity, audit_record
from vip.core.access import require
from vip.jobs.kinds import kind_of
from vip.jobs.models import Job

logger = logging.getLogger(__name__)


def _require(actor: Actor, action: str | None) -> None:
    if action is not None:
        require(actor, action)
    elif actor is not None:
        raise PermissionDenied(_("Only the operator (the command line or the schedule) runs this job."))


def _create(actor: Actor, kind: str, params: dict[str, Any]) -> Job:
    spec = kind_of(kind)
    _require(actor, spec.action)
    user, name, _role = actor_identity(actor)
    job = Job.objects.create(
        kind=kind, params=params, requested_by=user, requested_by_name=name, created_at=timezone.now()
    )
    audit_record(actor=actor, action="job.enqueue", target=job, changes={"kind": kind, "params": params})
    return job


def job_enqueue(*, actor: Actor, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Ask for a job: the requester must hold the kind's action. The Job and its place on the queue
    are written in one transaction (the database backend's queue is a table of the same database),
    so there is never a Job nobody will run nor a task without its Job."""
    # Deferred: the task module reads the TASKS setting's backend when it is imported.
    from vip.jobs.tasks import run_job

    params = dict(params or {})
    with transaction.atomic():
        job = _create(actor, kind, params)
        result = run_job.enqueue(job.pk)
        # The immediate backend (tests of a page's flow) has run the job by now: keep what it wrote.
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
        job.refresh_from_db()
    return job


def job_run_inline(*, actor: Actor, kind: str, params: dict[str, Any] | None = None) -> Job:
    """The command line: the same Job record, audit and function, run in this process. A failure
    is recorded on the Job, then raised again for the command to report (and to pick its exit code)."""
    with transaction.atomic():
        job = _create(actor, kind, dict(params or {}))
    return job_run(job.pk, reraise=True)


def _actor(job: Job) -> User | None:
    if job.requested_by_id is None:
        return None
    return User.objects.get(pk=job.requested_by_id)


def _progress(job_id: int) -> Any:
    def progress(step: int, steps: int, message: str = "") -> None:
        # Outside any transaction of the work, so that a page polling the job sees it at once.
        Job.objects.filter(pk=job_id).update(step=step, steps=steps, message=str(message)[:300])

    return progress


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("Permission refused.")
    if isinstance(exc, (LookupError, ValueError)):
        return str(exc)
    return _("The job failed unexpectedly (%(error)s); the error is in the worker's log.") % {
        "error": type(exc).__name__
    }


def _finish(job: Job, actor: Actor, *, result: dict[str, Any] | None, error: str) -> None:
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        locked.status = Job.Status.FAILED if error else Job.Status.DONE
        locked.result = result or {}
        locked.error = error
        locked.finished_at = timezone.now()
        if not error and locked.steps:
            locked.step = locked.steps
        locked.save(update_fields=["status", "result", "error", "finished_at", "step"])
        audit_record(
            actor=actor,
            action="job.complete",
            target=locked,
            changes={"kind": locked.kind, "status": locked.status, "result": locked.result, "error": error},
            outcome="failed" if error else "success",
        )


def job_run(job_id: int, *, reraise: bool = False) -> Job:
    """Run a queued job (the worker's task, or the command line): its kind's function as the
    requester, whose action is checked again (a role changed or an account deactivated since
    is refused). The function's own services keep their transactions; a failure leaves the
    Job failed with a message for the page, and nothing half-written by the service."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job  # run already (a task delivered twice)
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    actor: Actor = None
    try:
        actor = _actor(job)
        spec = kind_of(job.kind)
        _require(actor, spec.action)
        result = spec.run(actor=actor, params=job.params, progress=_progress(job.pk))
    except (ValidationError, PermissionDenied, LookupError, ValueError) as exc:
        # Bad input or a refusal: the message is for the requester.
        _finish(job, actor, result=None, error=_error_text(exc))
        if reraise:
            raise
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, actor, result=None, error=_error_text(exc))
        if reraise:
            raise
    else:
        _finish(job, actor, result=result, error="")
    job.refresh_from_db()
    return job

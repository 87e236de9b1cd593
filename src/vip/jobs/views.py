"""A job's page and the partial it polls (htmx, every second, until the job is finished)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.audit.reads import record_or_404
from vip.jobs.kinds import KINDS
from vip.jobs.models import Job
from vip.jobs.selectors import job_list


def job_context(job: Job) -> dict[str, Any]:
    """What the progress partial shows of a job: its kind's words and the address of its result."""
    kind = KINDS.get(job.kind)
    url = None
    if kind is not None and kind.result_url is not None and job.status == Job.Status.DONE:
        url = kind.result_url(job.result)
    percent = round(100 * job.step / job.steps) if job.steps else 0
    return {
        "job": job,
        "label": kind.label if kind is not None else job.kind,
        "result_url": url,
        "result_label": kind.result_label if kind is not None else "",
        "percent": percent,
    }


@never_cache
@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = record_or_404(request, job_list, job_id, audit=False)  # counts and addresses, nothing person-level
    template = "jobs/_progress.html" if getattr(request, "htmx", False) else "jobs/job.html"
    return render(request, template, job_context(job))

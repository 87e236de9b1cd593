"""Identification's long work in the task queue (vip.jobs): the criteria run, started by a manager
from the Candidates page (the proposals on the page when done); the disparity report, asked for on
its page (the report kept as a run, its page and CSV shown from it); the expiry of candidacies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.core.config import program_today
from vip.core.dates import Period
from vip.identification.services import candidates_expire, disparity_run_record, identify_propose
from vip.jobs.kinds import Progress, job_kind


@job_kind(
    "identify.run",
    action="identify.run",
    label=gettext_lazy("Running the identification criteria"),
    result_url=lambda result: reverse("identification:candidates"),
    result_label=gettext_lazy("Review the proposals"),
)
def run(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: as_of (YYYY-MM-DD, optional: today in the program's time zone). The same two
    steps as `vip identify`: the engine finds who meets a criterion, then the proposals are
    written (in one transaction, one audit event listing them)."""
    day = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else program_today()
    phases: dict[str, int] = {}

    def engine_progress(phase: str, done: int, total: int) -> None:
        phases["total"] = total
        progress(done, total + 1, phase)  # the last step: writing the proposals

    from vip.identification.engine import identify  # NumPy and rustworkx: loaded when the job runs

    result = identify(as_of=day, progress=engine_progress)
    total = phases.get("total", 0) + 1
    progress(total - 1, total, _("Writing the proposals"))
    with transaction.atomic():
        summary = identify_propose(actor=actor, result=result)
    return {
        "as_of": day.isoformat(),
        "criteria_version": result.criteria.version,
        "people_meeting_a_criterion": len(result.findings),
        "proposed": summary.proposed,
        "already_open": summary.already_open,
        "declined_before": summary.declined_before,
        "expired": summary.expired,
    }


@job_kind("candidate.expire", action="candidate.expire", label=gettext_lazy("Expiry of candidacies"))
def expire(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Approvals not re-validated in time and proposals nobody reviewed are marked expired."""
    progress(1, 1, _("Expiring candidacies"))
    day = program_today()
    with transaction.atomic():
        count = candidates_expire(actor=actor, today=day)
    return {"as_of": day.isoformat(), "expired": count}


def _disparity_url(result: dict[str, Any]) -> str | None:
    run = result.get("run")
    return reverse("identification:disparity_run", args=[run]) if run else None


@job_kind(
    "disparity.run",
    action="disparity.public",  # what the page needs; the official edition is checked by the report
    label=gettext_lazy("Computing the disparity report"),
    result_url=_disparity_url,
    result_label=gettext_lazy("Open the disparity report"),
)
def disparity(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: start, end (YYYY-MM-DD), audience (official or public). The report is computed as
    the requester (the audience rules and the audit of `disparity.read`) and kept as a run."""
    period = Period(dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"]))
    progress(1, 2, _("Counting victims, candidates and notifications by group"))
    run = disparity_run_record(actor=actor, period=period, audience=params.get("audience", "public"))
    progress(2, 2, _("Recorded"))
    return {
        "run": run.pk,
        "start": run.period_start.isoformat(),
        "end": run.period_end.isoformat(),
        "audience": run.audience,
        "withheld": run.report["withheld"],
    }

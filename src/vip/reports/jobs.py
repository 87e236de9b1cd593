"""The reports' long work, run by the task queue (vip.jobs): generating a run, publishing one.
The page asks for them and polls; `vip report` runs the same functions inline."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.core.dates import Month
from vip.jobs.kinds import Progress, job_kind
from vip.reports.models import ReportRun
from vip.reports.services import latest_complete_month, report_generate, report_publish


def _run_url(result: dict[str, Any]) -> str | None:
    run = result.get("run")
    return reverse("reports:run", args=[run]) if run else None


def _summary(run: ReportRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "month": run.month,
        "audience": run.audience,
        "published": run.published,
        "restated_figures": len(run.restatements),
    }


@job_kind(
    "report.generate",
    action="report.generate",
    label=gettext_lazy("Generating the report"),
    result_url=_run_url,
    result_label=gettext_lazy("Open the report run"),
)
def generate(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: month (YYYY-MM), audience, formats (optional), publish (optional)."""
    month = Month.parse(params["month"])
    progress(1, 2, _("Computing the figures, drawing the charts and writing the files"))
    run = report_generate(
        actor=actor,
        month=month,
        audience=params.get("audience", "official"),
        formats=params.get("formats"),
        publish=bool(params.get("publish", False)),
    )
    progress(2, 2, _("Recorded"))
    return _summary(run)


@job_kind(
    "report.publish",
    action="report.publish",
    label=gettext_lazy("Publishing the report"),
    result_url=_run_url,
    result_label=gettext_lazy("Open the published run"),
)
def publish(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: run (the id of a draft run)."""
    progress(1, 1, _("Checking against the release ledger and publishing"))
    run = report_publish(actor=actor, run=ReportRun.objects.get(pk=params["run"]))
    return _summary(run)


@job_kind(
    "report.draft",
    action="report.generate",
    label=gettext_lazy("Draft of last month's report"),
    result_url=_run_url,
    result_label=gettext_lazy("Open the report run"),
)
def draft(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The schedule's draft of the latest complete month (params: audience, default public): a
    run to preview and publish, never published by the schedule."""
    progress(1, 1, _("Computing the figures, drawing the charts and writing the files"))
    run = report_generate(actor=actor, month=latest_complete_month(), audience=params.get("audience", "public"))
    return _summary(run)

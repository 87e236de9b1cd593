"""The evaluation's work on the task queue: computed as its requester, kept as a run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.evaluation.services import evaluation_run_record
from vip.jobs.kinds import Progress, job_kind


def _run_url(result: dict[str, Any]) -> str | None:
    run = result.get("run")
    return reverse("evaluation:run", args=[run]) if run else None


@job_kind(
    "evaluation.run",
    action="evaluation.public",  # what the page needs; the official edition is checked by the evaluation
    label=gettext_lazy("Computing the evaluation"),
    result_url=_run_url,
    result_label=gettext_lazy("Open the evaluation"),
)
def evaluate(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: as_of (YYYY-MM-DD, optional: the end of the latest complete month), audience
    (official or public). Computed as the requester (the audience rules and the audit of
    `evaluation.read`) and kept as a run."""
    as_of = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else None
    progress(1, 2, _("Following everyone notified, matching the comparison group, counting the months"))
    run = evaluation_run_record(actor=actor, as_of=as_of, audience=params.get("audience", "public"))
    progress(2, 2, _("Recorded"))
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "audience": run.audience}

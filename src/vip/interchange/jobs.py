"""The Data page's long work, run by the task queue (vip.jobs): checking or importing an upload.

The page stores the file (uploads.upload_create), asks for this job and shows the upload's page,
which follows the job's progress until the upload has its result."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.interchange.uploads import run_upload, uploads_purge
from vip.jobs.kinds import Progress, job_kind

PHASES = {
    "read": gettext_lazy("Reading the file"),
    "validate": gettext_lazy("Checking the rows"),
    "validate and write": gettext_lazy("Checking and writing the rows"),
    "write": gettext_lazy("Writing the records"),
}


def _upload_url(result: dict[str, Any]) -> str | None:
    upload = result.get("upload")
    return reverse("data:upload", args=[upload]) if upload else None


@job_kind(
    "interchange.upload",
    action="interchange.upload",
    label=gettext_lazy("Checking or importing an upload"),
    result_url=_upload_url,
    result_label=gettext_lazy("See what the upload found"),
)
def upload(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: upload (the id of an Upload, stored by the page). Runs as the account that uploaded it."""

    def report(phase: str, done: int, total: int) -> None:
        # The importer counts bytes; the job shows a share of the file, in hundredths.
        share = 100 if total <= 0 else max(0, min(100, done * 100 // total))
        progress(share, 100, str(PHASES.get(phase, phase)))

    progress(0, 100, _("Starting"))
    return run_upload(int(params["upload"]), progress=report)


@job_kind("interchange.upload_purge", action=None, label=gettext_lazy("Clean-up of uploaded files"))
def upload_purge(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The schedule's daily clean-up (the operator's work): uploaded files kept longer than
    VIP_UPLOAD_KEEP_HOURS are deleted, uploads never finished marked expired."""
    progress(1, 1, _("Deleting uploaded files kept too long"))
    return {"files_deleted": uploads_purge()}

"""The weekly retention purge, as a job of the schedule (vip.jobs): the operator's work."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.jobs.kinds import Progress, job_kind
from vip.retention.services import retention_purge


@job_kind("retention.purge", action=None, label=gettext_lazy("Retention purge"))
def purge(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    progress(1, 1, _("Removing what the retention periods say must go"))
    return {item.kind: item.count for item in retention_purge(actor=actor)}

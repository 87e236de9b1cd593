"""Reading jobs: a requester sees their own, a manager every one (the access policy's line)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible_rows
from vip.jobs.models import Job


@selects(Job)
def job_list(*, user: Any) -> QuerySet[Job]:
    return visible_rows(Job.objects.all(), user)

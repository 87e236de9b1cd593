"""Reading report runs: staff see runs and files (aggregates only); the public sees the
latest published public run of each month. Who reads which is the access policy's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from vip.core.access import selects, visible_rows
from vip.reports.models import ReportFile, ReportRun


@selects(ReportRun)
def run_list(*, user: Any) -> QuerySet[ReportRun]:
    """Runs for staff (aggregate figures only, no person-level data)."""
    return visible_rows(ReportRun.objects.defer("numbers"), user)


def run_file(*, user: Any, run_id: int, fmt: str) -> ReportFile:
    return ReportFile.objects.get(run__in=run_list(user=user), run_id=run_id, format=fmt)


def public_runs() -> QuerySet[ReportRun]:
    """The latest published public run of each month (no login needed)."""
    latest: dict[str, int] = {}
    for pk, month in (
        visible_rows(ReportRun.objects.all(), AnonymousUser())
        .order_by("month", "published_at", "id")
        .values_list("pk", "month")
    ):
        latest[month] = pk
    return ReportRun.objects.filter(pk__in=latest.values()).order_by("-month")


def public_file(*, month: str, fmt: str) -> ReportFile:
    return ReportFile.objects.get(run__in=public_runs(), run__month=month, format=fmt)

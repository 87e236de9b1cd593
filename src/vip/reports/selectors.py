"""Reading report runs: staff see runs and files; the public sees published public runs only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.reports.models import ReportFile, ReportRun

READERS = {Role.MANAGER, Role.ANALYST, Role.POLICE, Role.PEER}


def run_list(*, user: User | None) -> QuerySet[ReportRun]:
    """Runs for staff (aggregate figures only, no person-level data)."""
    if user is not None and (not user.is_active or user.role not in READERS):
        raise PermissionDenied(_("Your role does not read program reports."))
    return ReportRun.objects.defer("numbers")


def run_file(*, user: User | None, run_id: int, fmt: str) -> ReportFile:
    return ReportFile.objects.get(run__in=run_list(user=user), run_id=run_id, format=fmt)


def public_runs() -> QuerySet[ReportRun]:
    """The latest published public run of each month (no login needed)."""
    latest: dict[str, int] = {}
    for pk, month in (
        ReportRun.objects.filter(audience=ReportRun.Audience.PUBLIC, published=True)
        .order_by("month", "published_at", "id")
        .values_list("pk", "month")
    ):
        latest[month] = pk
    return ReportRun.objects.filter(pk__in=latest.values()).order_by("-month")


def public_file(*, month: str, fmt: str) -> ReportFile:
    return ReportFile.objects.get(run__in=public_runs(), run__month=month, format=fmt)

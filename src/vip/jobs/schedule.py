"""The schedule of recurring jobs: when each falls due, and putting the due ones on the queue
(the worker does it before each pass; `vip schedule` lists and switches entries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import Actor, audit_record
from vip.core.config import program_config
from vip.jobs.models import Schedule
from vip.jobs.services import job_enqueue

# The recurring jobs of issue 15, in the program's time zone, put in the table the first time the
# worker or `vip schedule` looks (an entry switched off stays off; one removed by hand comes back).
# On from the start: a backup folder not configured shows as a failed job, never as silence.
DEFAULTS: tuple[dict[str, Any], ...] = (
    {
        "name": "monthly-report-draft",
        "kind": "report.draft",
        "params": {"audience": "public"},
        "every": "month",
        "hour": 6,
        "day": 2,
    },
    {"name": "candidacy-expiry", "kind": "candidate.expire", "every": "day", "hour": 1},
    {"name": "retention-purge", "kind": "retention.purge", "every": "week", "hour": 3, "weekday": 6},
    {"name": "nightly-backup", "kind": "backup.nightly", "every": "day", "hour": 2},
    {"name": "upload-cleanup", "kind": "interchange.upload_purge", "every": "day", "hour": 4},
)


def schedule_defaults() -> None:
    """Put the default entries in the table, where they are missing."""
    for default in DEFAULTS:
        fields = dict(default)
        Schedule.objects.get_or_create(name=fields.pop("name"), defaults=fields)


def next_run(entry: Schedule, after: dt.datetime, zone: Any = None) -> dt.datetime:
    """The first time strictly after ``after`` the entry falls due, in the program's time zone
    (a day's run at 02:00 stays at 02:00 local across daylight saving)."""
    zone = zone or program_config().zone
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(63):
        candidate_day = day + dt.timedelta(days=offset)
        if entry.every == Schedule.Every.WEEK and candidate_day.weekday() != entry.weekday:
            continue
        if entry.every == Schedule.Every.MONTH and candidate_day.day != entry.day:
            continue
        at = dt.datetime.combine(candidate_day, dt.time(entry.hour, entry.minute), tzinfo=zone)
        if at > local:
            return at.astimezone(dt.UTC)
    raise AssertionError(f"schedule {entry.name}: no run within 63 days")  # pragma: no cover


def schedule_tick(now: dt.datetime | None = None) -> list[int]:
    """Put every enabled entry that has fallen due on the queue (as the operator), once, and set
    its next run; an entry never run yet gets its first time without running. Returns the jobs'
    ids. Safe with several workers: each entry is locked while it is taken."""
    now = now or timezone.now()
    queued = []
    with transaction.atomic():
        schedule_defaults()
        entries = Schedule.objects.select_for_update().filter(enabled=True)
        for entry in entries:
            if entry.next_run_at is None:
                entry.next_run_at = next_run(entry, now)
                entry.save(update_fields=["next_run_at"])
                continue
            if entry.next_run_at > now:
                continue
            job = job_enqueue(actor=None, kind=entry.kind, params=entry.params)
            entry.last_run_at, entry.last_job = now, job
            entry.next_run_at = next_run(entry, now)
            entry.save(update_fields=["last_run_at", "last_job", "next_run_at"])
            queued.append(job.pk)
    return queued


def schedule_set_enabled(*, actor: Actor, name: str, enabled: bool) -> Schedule:
    """Switch a recurring job on or off (the operator); audited."""
    if actor is not None:
        raise PermissionDenied(_("Only the operator (the command line) changes the schedule."))
    with transaction.atomic():
        entry = Schedule.objects.select_for_update().get(name=name)
        entry.enabled = enabled
        entry.next_run_at = next_run(entry, timezone.now()) if enabled else None
        entry.save(update_fields=["enabled", "next_run_at"])
        audit_record(
            actor=actor,
            action="schedule.enable" if enabled else "schedule.disable",
            target=entry,
            changes={"name": name},
        )
    return entry

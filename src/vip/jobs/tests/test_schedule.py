"""The schedule: when entries fall due (program time zone), the worker putting them on the
queue once, the four recurring jobs doing their work, `vip schedule` listing and switching."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied

from vip.audit.models import AuditEvent
from vip.backup.envelope import generate_key
from vip.backup.jobs import PREFIX, SUFFIX
from vip.cli import main
from vip.jobs.models import Job, Schedule
from vip.jobs.schedule import next_run, schedule_defaults, schedule_set_enabled, schedule_tick
from vip.jobs.services import job_enqueue
from vip.jobs.worker import run_pending
from vip.reports.models import ReportRun

DENVER = ZoneInfo("America/Denver")
UTC = dt.UTC


@pytest.fixture
def queue(settings, transactional_db, program):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=DENVER)


def test_the_defaults_are_put_in_the_table(db) -> None:
    schedule_defaults()
    schedule_defaults()  # once
    assert dict(Schedule.objects.values_list("name", "kind")) == {
        "monthly-report-draft": "report.draft",
        "candidacy-expiry": "candidate.expire",
        "retention-purge": "retention.purge",
        "nightly-backup": "backup.nightly",
        "upload-cleanup": "interchange.upload_purge",
    }
    assert all(Schedule.objects.values_list("enabled", flat=True))


def test_next_run_in_the_program_time_zone() -> None:
    daily = Schedule(name="d", every="day", hour=2, minute=0)
    assert next_run(daily, _at(2026, 3, 10, 1, 0), DENVER) == _at(2026, 3, 10, 2, 0)
    assert next_run(daily, _at(2026, 3, 10, 2, 0), DENVER) == _at(2026, 3, 11, 2, 0)  # strictly after
    # 02:00 does not exist on the day clocks go forward (8 March 2026): it runs at 03:00 then.
    assert next_run(daily, _at(2026, 3, 7, 23, 0), DENVER) == dt.datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    # Across the spring change of clocks the run stays at 03:00 local (09:00 UTC, then 10:00 UTC in winter).
    late = Schedule(name="l", every="day", hour=3, minute=0)
    assert next_run(late, _at(2026, 3, 7, 4, 0), DENVER).astimezone(UTC).hour == 9
    assert next_run(late, _at(2026, 3, 6, 4, 0), DENVER).astimezone(UTC).hour == 10
    weekly = Schedule(name="w", every="week", hour=3, minute=0, weekday=6)
    assert next_run(weekly, _at(2026, 11, 2, 12, 0), DENVER) == _at(2026, 11, 8, 3, 0)  # a Sunday
    monthly = Schedule(name="m", every="month", hour=6, minute=0, day=2)
    assert next_run(monthly, _at(2026, 11, 2, 7, 0), DENVER) == _at(2026, 12, 2, 6, 0)
    assert next_run(monthly, _at(2026, 12, 31, 23, 0), DENVER) == _at(2027, 1, 2, 6, 0)


def test_the_worker_puts_a_due_entry_on_the_queue_once(queue) -> None:
    schedule_defaults()
    Schedule.objects.exclude(name="monthly-report-draft").update(enabled=False)
    entry = Schedule.objects.get(name="monthly-report-draft")
    now = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert schedule_tick(now) == []  # never run: it gets its first time, and does not run
    entry.refresh_from_db()
    assert entry.next_run_at == _at(2026, 12, 2, 6, 0)
    Schedule.objects.filter(pk=entry.pk).update(next_run_at=now - dt.timedelta(minutes=1))
    queued = schedule_tick(now)
    assert len(queued) == 1 and schedule_tick(now) == []  # once
    job = Job.objects.get(pk=queued[0])
    assert job.kind == "report.draft" and job.requested_by is None
    assert run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    run = ReportRun.objects.get(pk=job.result["run"])
    assert run.audience == "public" and not run.published  # a draft, for a manager to publish
    entry.refresh_from_db()
    assert entry.last_job == job and entry.next_run_at > now


def test_expiry_and_retention_run_as_the_operator(queue, make_user) -> None:
    for kind in ("candidate.expire", "retention.purge"):
        job_enqueue(actor=None, kind=kind)
    assert run_pending() == 2
    jobs = {j.kind: j for j in Job.objects.all()}
    assert jobs["candidate.expire"].status == Job.Status.DONE and jobs["candidate.expire"].result["expired"] == 0
    assert jobs["retention.purge"].status == Job.Status.DONE, jobs["retention.purge"].error
    # The operator's work is refused to every account, managers included.
    with pytest.raises(PermissionDenied):
        job_enqueue(actor=make_user("manager"), kind="retention.purge")


def test_the_nightly_backup_writes_to_the_folder_and_rotates(queue, settings, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VIP_BACKUP_KEY", generate_key())
    settings.VIP_BACKUP_DIR = str(tmp_path)
    settings.VIP_BACKUP_KEEP = 2
    for stamp in ("20260101T020000Z", "20260102T020000Z"):
        (tmp_path / f"{PREFIX}{stamp}{SUFFIX}").write_bytes(b"old")
    (tmp_path / "by-hand.vipbackup").write_bytes(b"kept")  # not the schedule's: never removed
    job_enqueue(actor=None, kind="backup.nightly")
    run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.error
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["by-hand.vipbackup", f"{PREFIX}20260102T020000Z{SUFFIX}", job.result["file"].split("/")[-1]])
    assert job.result["removed"] == [f"{PREFIX}20260101T020000Z{SUFFIX}"]
    assert (tmp_path / job.result["file"].split("/")[-1]).stat().st_size > 1000


def test_the_nightly_backup_without_a_folder_fails_loudly(queue, settings) -> None:
    settings.VIP_BACKUP_DIR = ""
    job_enqueue(actor=None, kind="backup.nightly")
    run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and "VIP_BACKUP_DIR" in job.error


def test_vip_schedule_lists_and_switches(queue) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["schedule", "list"])
    assert listed.exit_code == 0, listed.output
    assert "nightly-backup" in listed.output and "monthly, day 2 06:00" in listed.output
    off = runner.invoke(main, ["schedule", "disable", "nightly-backup"])
    assert off.exit_code == 0 and not Schedule.objects.get(name="nightly-backup").enabled
    assert AuditEvent.objects.filter(action="schedule.disable").count() == 1
    assert "nightly-backup         off" in runner.invoke(main, ["schedule", "list"]).output
    assert runner.invoke(main, ["schedule", "enable", "nightly-backup"]).exit_code == 0
    assert Schedule.objects.get(name="nightly-backup").next_run_at is not None
    unknown = runner.invoke(main, ["schedule", "enable", "nope"])
    assert unknown.exit_code == 2 and "candidacy-expiry" in unknown.output


def test_accounts_never_change_the_schedule(db, make_user) -> None:
    schedule_defaults()
    with pytest.raises(PermissionDenied):
        schedule_set_enabled(actor=make_user("manager"), name="nightly-backup", enabled=False)

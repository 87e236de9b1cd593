"""An upload runs in the task queue: the page answers at once with the upload waiting for the
worker and following it (htmx polling); once `vip worker` has run the job, the same page shows
the problems or the counts, and the job's result holds counts only, never the export's text."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.urls import reverse

from vip.interchange.models import Upload
from vip.interchange.tests.test_upload_views import EXPORT, MAPPING, _file
from vip.jobs.models import Job, Schedule
from vip.jobs.schedule import schedule_defaults
from vip.jobs.services import job_run_inline
from vip.jobs.worker import run_pending
from vip.people.models import Person

POLLING = 'hx-trigger="every 1s"'


@pytest.fixture
def queued(settings, transactional_db, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"


def _post(client, export: str, *, check: bool):
    data = {"source": _file(export, "apd-november.csv"), "mapping": _file(MAPPING, "apd.toml")}
    if check:
        data["dry_run"] = "on"
    return client.post(reverse("data:mapped"), data)


def test_an_upload_waits_for_the_worker_then_shows_its_result(queued, client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    page = _post(client, EXPORT, check=False).content.decode()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.RECEIVED
    assert POLLING in page and "Waiting for the worker" in page
    assert Person.objects.count() == 0  # nothing written in the request

    assert run_pending() == 1
    upload.refresh_from_db()
    assert upload.status == Upload.Status.IMPORTED
    shown = client.get(reverse("data:upload", args=[upload.pk])).content.decode()
    assert POLLING not in shown and "What the import changed" in shown
    assert Person.objects.count() > 0
    job = Job.objects.get(kind="interchange.upload")
    assert job.status == "done" and job.result["upload"] == upload.pk
    assert "apd-november" not in str(job.result) and not any(
        name in str(job.result) for name in Person.objects.values_list("last_name", flat=True)
    )


def test_a_bad_export_shows_its_problems_after_the_worker(queued, client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    rows = EXPORT.splitlines(keepends=True)
    header = rows[0].rstrip("\n").split(",")
    cells = rows[1].rstrip("\n").split(",")
    date_column = next(i for i, name in enumerate(header) if "DOB" in name.upper())
    cells[date_column] = "not a date"
    _post(client, "".join([rows[0], ",".join(cells) + "\n", *rows[2:]]), check=True)
    assert run_pending() == 1
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.INVALID
    shown = client.get(reverse("data:upload", args=[upload.pk])).content.decode()
    assert f"apd-november.csv:2: {header[date_column]}:" in shown
    assert POLLING not in shown


def test_the_schedule_cleans_up_files_kept_too_long(db, settings, tmp_path: Path) -> None:
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"
    settings.VIP_UPLOAD_KEEP_HOURS = 2
    schedule_defaults()
    assert Schedule.objects.get(name="upload-cleanup").kind == "interchange.upload_purge"
    settings.VIP_UPLOAD_DIR.mkdir(parents=True)
    stray = settings.VIP_UPLOAD_DIR / "left-by-a-stopped-process.csv"
    stray.write_bytes(b"x")
    three_hours_ago = time.time() - 3 * 3600
    os.utime(stray, (three_hours_ago, three_hours_ago))
    job = job_run_inline(actor=None, kind="interchange.upload_purge")
    assert job.status == "done" and job.result == {"files_deleted": 1}
    assert not stray.exists()

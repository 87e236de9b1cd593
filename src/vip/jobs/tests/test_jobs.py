"""Jobs: asked for on a page or by a service, put on the database backend's queue, run by the
worker (in this process, as `vip worker --once` does), polled by the page until done."""

from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from vip.audit.models import AuditEvent
from vip.cli import main
from vip.jobs.models import Job
from vip.jobs.services import job_enqueue
from vip.jobs.worker import Loop, run_pending
from vip.reports.models import ReportRun

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
POLLING = 'hx-trigger="every 1s"'


@pytest.fixture
def queue(settings, transactional_db, program):
    """The database backend of the production settings (base.py), not the tests' immediate one."""
    settings.TASKS = DATABASE_QUEUE


def test_a_page_asks_the_worker_runs_and_the_page_shows_the_result(queue, client, make_user) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    response = client.post(reverse("reports:index"), {"month": "2022-11", "audience": "official"})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    # On the queue, not run: the request did no report work.
    assert job.status == Job.Status.QUEUED and not ReportRun.objects.exists()
    task = DBTaskResult.objects.get()
    assert str(task.id) == job.task_result_id and task.status == "READY"
    page = client.get(response["Location"]).content.decode()
    assert POLLING in page and "Waiting for the worker to start it" in page
    assert run_pending() == 1
    job.refresh_from_db()
    run = ReportRun.objects.get()
    assert job.status == Job.Status.DONE and job.result["run"] == run.pk and job.step == job.steps == 2
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    # The polled partial: no more polling, a link to the run.
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert POLLING not in partial and "<html" not in partial
    assert f'href="{reverse("reports:run", args=[run.pk])}"' in partial
    events = list(AuditEvent.objects.filter(object_type="jobs.job").order_by("id").values_list("action", "outcome"))
    assert events == [("job.enqueue", "success"), ("job.complete", "success")]
    assert AuditEvent.objects.get(action="report.generate").actor_id == manager.pk


def test_a_failed_job_shows_its_message(queue, client, make_user) -> None:
    manager = make_user("manager")
    job = job_enqueue(actor=manager, kind="report.generate", params={"month": "2099-01"})
    assert CliRunner().invoke(main, ["worker", "--once"]).output == "Ran 1 job(s); the queue is empty.\n"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "has not ended yet" in job.error
    assert not ReportRun.objects.exists()
    assert AuditEvent.objects.get(action="job.complete").outcome == "failed"
    client.force_login(manager)
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "has not ended yet" in page and POLLING not in page


def test_the_requester_is_checked_again_when_the_job_runs(queue, make_user) -> None:
    analyst = make_user("analyst")
    job = job_enqueue(actor=analyst, kind="report.generate", params={"month": "2022-11"})
    analyst.is_active = False
    analyst.save()
    run_pending()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "Your role may not generate reports" in job.error
    assert not ReportRun.objects.exists()


def test_a_role_without_the_action_cannot_ask(queue, make_user) -> None:
    with pytest.raises(PermissionDenied):
        job_enqueue(actor=make_user("police"), kind="report.generate", params={"month": "2022-11"})
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.parametrize(("role", "sees"), [("analyst", False), ("peer", False), ("police", False), ("manager", True)])
def test_only_the_requester_and_managers_read_a_job(queue, client, make_user, role, sees) -> None:
    job = job_enqueue(actor=make_user("analyst"), kind="report.generate", params={"month": "2022-11"})
    client.force_login(make_user(role))
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == (200 if sees else 404)


def test_the_requester_reads_their_job(queue, client, make_user) -> None:
    analyst = make_user("analyst")
    job = job_enqueue(actor=analyst, kind="report.generate", params={"month": "2022-11"})
    client.force_login(analyst)
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 302  # sign in first


def test_the_worker_loop_stops_cleanly_on_sigterm(queue, make_user) -> None:
    job_enqueue(actor=make_user("manager"), kind="report.generate", params={"month": "2022-11"})
    calls = []

    def tick() -> None:
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # as systemd stops the service

    previous = signal.getsignal(signal.SIGTERM)
    assert Loop(interval=0.1, tick=tick).run() == 1
    assert len(calls) == 2 and signal.getsignal(signal.SIGTERM) is previous
    assert Job.objects.get().status == Job.Status.DONE

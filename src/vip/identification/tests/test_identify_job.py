"""The criteria run started from the Candidates page: a job of the task queue (database backend,
the worker run in this process); the page shows its progress, then the proposals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.core.config import program_today
from vip.identification.models import Candidate
from vip.identification.services import incident_record, involvement_add
from vip.jobs.models import Job
from vip.jobs.worker import run_pending
from vip.people.services import person_create

POLLING = 'hx-trigger="every 1s"'


@pytest.fixture
def victim(settings, transactional_db, program, make_user):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    police = make_user("police")
    when = dt.datetime.combine(program_today() - dt.timedelta(days=3), dt.time(21), tzinfo=ZoneInfo("America/Denver"))
    incident = incident_record(actor=police, key="26-555001", occurred_at=when, type="shooting")
    person = person_create(actor=None, first_name="Ana", last_name="Griego", key="APD-77")
    involvement_add(actor=police, incident=incident, person=person, role="victim")
    return person


def test_a_manager_starts_the_run_and_the_proposals_appear(victim, client, make_user) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    page = client.get(reverse("identification:candidates")).content.decode()
    assert "Run the criteria now" in page and POLLING not in page
    response = client.post(reverse("identification:identify_run"))
    job = Job.objects.get()
    assert response["Location"] == f"{reverse('identification:candidates')}?job={job.pk}"
    assert job.kind == "identify.run" and job.status == Job.Status.QUEUED
    assert not Candidate.objects.exists()  # the request only asked
    page = client.get(response["Location"]).content.decode()
    assert POLLING in page and "Run the criteria now" not in page  # one run at a time from the page
    assert run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["proposed"] == 1 and job.step == job.steps > 1
    candidate = Candidate.objects.get(person=victim)
    assert candidate.status == "proposed"
    assert AuditEvent.objects.get(action="candidate.propose_run").actor_id == manager.pk
    page = client.get(response["Location"]).content.decode()
    assert POLLING not in page and "Review the proposals" in page and "Run the criteria now" in page
    assert str(victim) in page or victim.last_name in page


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin"])
def test_only_managers_start_the_run(victim, client, make_user, role) -> None:
    client.force_login(make_user(role))
    assert client.post(reverse("identification:identify_run")).status_code == 403
    assert not Job.objects.exists()


def test_the_run_is_started_by_a_post_only(victim, client, make_user) -> None:
    client.force_login(make_user("manager"))
    assert client.get(reverse("identification:identify_run")).status_code == 405
    assert not Job.objects.exists()

"""The disparity report asked for on its page: a job of the task queue (the database backend, the
worker run in this process); the job's page links to the report kept as a run, whose page and CSV
are its requester's (and the managers'), and an official edition never reaches an analyst."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.identification.models import DisparityRun
from vip.identification.services import incident_record, involvement_add
from vip.jobs.models import Job
from vip.jobs.worker import run_pending
from vip.people.services import person_create

POLLING = 'hx-trigger="every 1s"'
DENVER = ZoneInfo("America/Denver")
OFFICIAL = {"start": "2022-01-01", "end": "2022-06-30", "audience": "official"}
PUBLIC = {"start": "2021-07-01", "end": "2022-06-30", "audience": "public"}  # a whole fiscal year (row 41)


@pytest.fixture
def victims(settings: Any, transactional_db: None, program: Any, make_user: Any) -> None:
    """The database backend of the production settings, and three shooting victims in March 2022."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    police = make_user("police")
    for i in range(3):
        person = person_create(actor=None, first_name=f"V{i}", last_name="Q", sex="male", race="black")
        when = dt.datetime(2022, 3, 1 + i, 22, tzinfo=DENVER)
        incident = incident_record(actor=police, key=f"22-90{i}", occurred_at=when, type="shooting")
        involvement_add(actor=police, incident=incident, person=person, role="victim")


def ask(client: Any, data: dict[str, str]) -> DisparityRun:
    """Press *Show*, run the worker, follow the job's link: the run it made."""
    response = client.post(reverse("identification:disparity"), data)
    job = Job.objects.latest("id")
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    run_pending()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    return DisparityRun.objects.get(pk=job.result["run"])


def test_show_asks_the_queue_and_the_job_links_to_the_report(victims: None, client: Any, make_user: Any) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    reads = AuditEvent.objects.filter(action="disparity.read")
    response = client.post(reverse("identification:disparity"), OFFICIAL)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job", args=[job.pk])
    # On the queue, not run: the request computed nothing.
    assert job.kind == "disparity.run" and job.status == Job.Status.QUEUED
    assert job.params == OFFICIAL and job.requested_by_id == manager.pk
    assert not DisparityRun.objects.exists() and not reads.exists()
    page = client.get(response["Location"]).content.decode()
    assert POLLING in page and "Computing the disparity report" in page
    assert run_pending() == 1
    job.refresh_from_db()
    run = DisparityRun.objects.get()
    assert job.status == Job.Status.DONE and job.step == job.steps == 2
    assert job.result == {**OFFICIAL, "run": run.pk, "withheld": 0}  # a summary: the figures stay on the run
    assert (run.requested_by_id, run.audience, run.period_start) == (manager.pk, "official", dt.date(2022, 1, 1))
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    url = reverse("identification:disparity_run", args=[run.pk])
    assert POLLING not in partial and f'href="{url}"' in partial and "Open the disparity report" in partial
    assert reads.get().changes == {"audience": "official", "format": "job"}
    assert AuditEvent.objects.get(action="disparity.run").actor_id == manager.pk
    jobs = AuditEvent.objects.filter(object_type="jobs.job").order_by("id").values_list("action", flat=True)
    assert list(jobs) == ["job.enqueue", "job.complete"]
    report = client.get(url).content.decode()
    assert "2022-01-01 to 2022-06-30" in report and "official: exact counts" in report
    assert reverse("identification:disparity_csv", args=[run.pk]) in report
    assert "Definitions" in report
    download = client.get(reverse("identification:disparity_csv", args=[run.pk]))
    assert "sex,male,Male,victims,3," in download.content.decode()
    assert list(reads.order_by("id").values_list("changes__format", flat=True)) == ["job", "page", "csv"]


@pytest.mark.parametrize("role", ["police", "peer"])
def test_police_and_peers_cannot_ask(victims: None, client: Any, make_user: Any, role: str) -> None:
    client.force_login(make_user(role))
    assert client.get(reverse("identification:disparity")).status_code == 403
    assert client.post(reverse("identification:disparity"), PUBLIC).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize("role", ["police", "peer", "admin", "analyst"])
def test_a_run_is_its_requesters(victims: None, client: Any, make_user: Any, role: str) -> None:
    """Another account's job and run answer 404 (audited as refused), whatever the edition: an
    analyst never gets a manager's official edition through its job or run id; nor their public one."""
    manager = make_user("manager")
    client.force_login(manager)
    official, public = ask(client, OFFICIAL), ask(client, PUBLIC)
    jobs = list(Job.objects.values_list("pk", flat=True))
    client.force_login(make_user(role))
    reads = AuditEvent.objects.filter(action="disparity.read").count()
    for job_id in jobs:
        assert client.get(reverse("jobs:job", args=[job_id])).status_code == 404
    for run in (official, public):
        for name in ("identification:disparity_run", "identification:disparity_csv"):
            response = client.get(reverse(name, args=[run.pk]))
            assert response.status_code == 404, (name, run.audience)
            assert b"Male" not in response.content
    assert AuditEvent.objects.filter(action="disparity.read").count() == reads
    refused = AuditEvent.objects.filter(object_type="identification.disparityrun", outcome="denied")
    assert refused.count() == 4


def test_managers_open_every_run_and_analysts_their_own_public_one(victims: None, client: Any, make_user: Any) -> None:
    analyst, other_manager = make_user("analyst"), make_user("manager")
    client.force_login(analyst)
    assert 'name="audience"' not in client.get(reverse("identification:disparity")).content.decode()
    run = ask(client, {**PUBLIC, "audience": "official"})  # not offered; asked for anyway
    assert run.audience == "public" and Job.objects.get().params["audience"] == "public"
    page = client.get(reverse("identification:disparity_run", args=[run.pk])).content.decode()
    assert "public: small counts withheld" in page and "&lt;11" in page
    assert (
        reverse("identification:disparity_run", args=[run.pk])
        in client.get(reverse("identification:disparity")).content.decode()
    )
    client.force_login(other_manager)  # managers see every job (the jobs policy), and its result
    assert client.get(reverse("jobs:job", args=[Job.objects.get().pk])).status_code == 200
    assert client.get(reverse("identification:disparity_run", args=[run.pk])).status_code == 200
    assert client.get(reverse("identification:disparity_csv", args=[run.pk])).status_code == 200


def test_an_analyst_asking_official_or_a_chosen_range_gets_nothing_official(
    victims: None, client: Any, make_user: Any
) -> None:
    analyst = make_user("analyst")
    client.force_login(analyst)
    response = client.post(reverse("identification:disparity"), {**OFFICIAL, "audience": "official"})
    assert response.status_code == 200 and "whole fiscal years only" in response.content.decode()
    assert not Job.objects.exists()


def test_a_role_changed_after_asking_is_checked_again(victims: None, client: Any, make_user: Any) -> None:
    """A manager's official run, and a job asked for as a manager, after the account became an
    analyst's: the job fails when the worker runs it, the run no longer opens."""
    manager = make_user("manager")
    client.force_login(manager)
    earlier = ask(client, OFFICIAL)
    client.post(reverse("identification:disparity"), OFFICIAL)
    manager.role = "analyst"
    manager.save()
    run_pending()
    job = Job.objects.latest("id")
    assert job.status == Job.Status.FAILED and "withheld only" in job.error
    assert DisparityRun.objects.count() == 1
    for name in ("identification:disparity_run", "identification:disparity_csv"):
        assert client.get(reverse(name, args=[earlier.pk])).status_code == 404
    assert (
        reverse("identification:disparity_run", args=[earlier.pk])
        not in client.get(reverse("identification:disparity")).content.decode()
    )


def test_the_report_pages_answer_get_only(victims: None, client: Any, make_user: Any) -> None:
    client.force_login(make_user("manager"))
    run = ask(client, OFFICIAL)
    for name in ("identification:disparity_run", "identification:disparity_csv"):
        assert client.post(reverse(name, args=[run.pk])).status_code == 405
    assert client.put(reverse("identification:disparity")).status_code == 405

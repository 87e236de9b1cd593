"""The reports pages: who may see, generate, publish and download; the public page needs no sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.jobs.models import Job
from vip.reports.models import ReportRun
from vip.reports.services import report_generate

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "seed_november_2022"


@pytest.fixture
def seeded(program):
    assert bundle_import(actor=None, path=FIXTURE).written


def _as(client, user):
    client.force_login(user)
    return client


def test_staff_pages_need_sign_in(seeded, client) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), formats=["json"])
    for url in (
        reverse("reports:index"),
        reverse("reports:run", args=[run.pk]),
        reverse("reports:download", args=[run.pk, "json"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_analyst_generates_and_downloads(seeded, client, make_user) -> None:
    c = _as(client, make_user("analyst"))
    page = c.get(reverse("reports:index"))
    assert page.status_code == 200
    assert b"Generate a report" in page.content
    assert b"Publish this run" not in page.content
    response = c.post(reverse("reports:index"), {"month": "2022-11", "audience": "official"})
    run = ReportRun.objects.get()
    # Generating is a job of the task queue (the immediate backend in tests: done by the redirect);
    # the job's page links to the run.
    job = Job.objects.get(kind="report.generate")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert response.wsgi_request.user.is_authenticated
    assert job.requested_by == response.wsgi_request.user and job.result["run"] == run.pk
    assert f'href="{reverse("reports:run", args=[run.pk])}"'.encode() in c.get(response["Location"]).content
    detail = c.get(reverse("reports:run", args=[run.pk]))
    assert b"2022.1" in detail.content
    assert run.data_fingerprint.encode() in detail.content
    pdf = c.get(reverse("reports:download", args=[run.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"].startswith("max-age=0")
    assert c.get(reverse("reports:download", args=[run.pk, "exe"])).status_code == 404
    assert c.get(reverse("reports:run", args=[run.pk + 999])).status_code == 404
    # An analyst may not publish.
    assert c.post(reverse("reports:publish", args=[run.pk])).status_code == 403
    assert not ReportRun.objects.get().published


def test_bad_month_is_a_form_error(seeded, client, make_user) -> None:
    c = _as(client, make_user("manager"))
    response = c.post(reverse("reports:index"), {"month": "2022-13", "audience": "official"})
    assert response.status_code == 200
    assert b"is not a month in the form YYYY-MM" in response.content
    response = c.post(reverse("reports:index"), {"month": "2099-01", "audience": "official"})
    assert b"has not ended yet" in response.content
    assert not ReportRun.objects.exists()


def test_manager_publishes(seeded, client, make_user) -> None:
    c = _as(client, make_user("manager"))
    c.post(reverse("reports:index"), {"month": "2022-11", "audience": "public"})
    run = ReportRun.objects.get()
    assert c.post(reverse("reports:publish", args=[run.pk]), {"confirm": "on"}).status_code == 302
    run.refresh_from_db()
    assert run.published


@pytest.mark.parametrize("role", ["police", "peer"])
def test_other_staff_read_but_do_not_generate(seeded, client, make_user, role) -> None:
    report_generate(actor=None, month=Month(2022, 11), formats=["json"])
    c = _as(client, make_user(role))
    page = c.get(reverse("reports:index"))
    assert page.status_code == 200
    assert b"Generate a report" not in page.content
    assert c.post(reverse("reports:index"), {"month": "2022-11", "audience": "official"}).status_code == 403
    assert ReportRun.objects.count() == 1


@pytest.mark.parametrize("role", ["admin", "integration"])
def test_roles_without_reports_are_refused(seeded, client, make_user, role) -> None:
    assert _as(client, make_user(role)).get(reverse("reports:index")).status_code == 403


def test_public_page_serves_only_published_public_reports(seeded, client) -> None:
    report_generate(actor=None, month=Month(2022, 11), audience="official", publish=True, formats=["json", "html"])
    report_generate(actor=None, month=Month(2022, 11), audience="public", formats=["json", "html"])
    assert b"No report has been published yet" in client.get(reverse("public:index")).content
    assert client.get(reverse("public:report", args=["2022-11"])).status_code == 404
    report_generate(actor=None, month=Month(2022, 11), audience="public", publish=True, formats=["json", "html", "pdf"])
    index = client.get(reverse("public:index"))
    assert b"2022-11" in index.content
    page = client.get(reverse("public:report", args=["2022-11"]))
    assert page.status_code == 200
    assert b"This is the public edition" in page.content
    assert client.get(reverse("public:download", args=["2022-11", "pdf"])).content.startswith(b"%PDF")
    assert client.get(reverse("public:download", args=["2022-10", "pdf"])).status_code == 404
    assert client.get("/").status_code == 302


def test_times_are_shown_in_the_program_time_zone(seeded, client, make_user) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), formats=["json"])
    page = _as(client, make_user("manager")).get(reverse("reports:run", args=[run.pk])).content.decode()
    assert "MST" in page or "MDT" in page

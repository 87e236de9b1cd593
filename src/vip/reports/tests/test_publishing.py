"""Publishing (issue 14, item 4): offered only for the public edition, after a preview and a
confirmation that names what becomes public, audited; the public site's landing page and month
pages, signed out; no page answers 500 to junk."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from vip.audit.models import AuditEvent
from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.jobs.models import Job
from vip.reports.models import ReportRun
from vip.reports.services import report_generate

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "seed_november_2022"
FORMATS = ["json", "html"]


@pytest.fixture
def seeded(program):
    assert bundle_import(actor=None, path=FIXTURE).written


def _figure(display: str) -> str:
    return f'<span class="figure">{escape(display)}</span>'


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_publishing_is_not_offered_on_an_official_run(seeded, client, make_user) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="official", formats=FORMATS)
    c = _signed_in(client, make_user("manager"))
    page = c.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert reverse("reports:publish", args=[run.pk]) not in page
    assert reverse("reports:preview", args=[run.pk]) in page  # the figures can still be looked at
    assert "Preview and publish" not in page
    assert "never shown on the public site" in page
    # Neither the confirmation page nor a hand-made POST publishes it.
    assert c.get(reverse("reports:publish", args=[run.pk])).status_code == 302
    response = c.post(reverse("reports:publish", args=[run.pk]), {"confirm": "on"}, follow=True)
    assert "Only the public edition is published" in response.content.decode()
    run.refresh_from_db()
    assert not run.published
    assert not AuditEvent.objects.filter(action="report.publish").exists()


def test_generation_form_offers_no_publishing_and_shows_progress(seeded, client, make_user) -> None:
    page = _signed_in(client, make_user("manager")).get(reverse("reports:index")).content.decode()
    assert 'name="publish"' not in page
    assert 'data-busy-label="Generating…"' in page
    assert "reports/generate.js" in page
    assert "<script>" not in page


def test_preview_shows_the_public_edition_with_withheld_cells_marked(seeded, client, make_user) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=FORMATS)
    c = _signed_in(client, make_user("manager"))
    assert reverse("reports:preview", args=[run.pk]) in c.get(reverse("reports:run", args=[run.pk])).content.decode()
    page = c.get(reverse("reports:preview", args=[run.pk])).content.decode()
    assert "Preview of the public edition: November 2022" in page
    for item in run.numbers["headline"]:
        assert _figure(item["display"]) in page
    assert 'class="num withheld"' in page and "&lt;11" in page
    assert reverse("reports:publish", args=[run.pk]) in page
    chart = c.get(reverse("reports:chart", args=[run.pk, "success"]))
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert chart.content.lstrip().startswith(b"<?xml") and b"</svg>" in chart.content
    assert c.get(reverse("reports:chart", args=[run.pk, "nothing"])).status_code == 404


def test_publishing_needs_the_confirmation_that_names_what_becomes_public(seeded, client, make_user) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=FORMATS)
    withheld = sum(1 for t in run.numbers["tables"] for r in t["rows"] for cell in r["cells"] if cell["suppressed"])
    assert withheld
    c = _signed_in(client, make_user("manager"))
    page = c.get(reverse("reports:publish", args=[run.pk])).content.decode()
    assert "Publish the public edition of November 2022?" in page
    assert "Public (small counts withheld)" in page
    assert "http://testserver/public/reports/2022-11/" in page
    assert f"{withheld} cells" in page
    # Without the box ticked nothing is published.
    refused = c.post(reverse("reports:publish", args=[run.pk]), {})
    assert refused.status_code == 200
    assert "Tick the box to confirm" in refused.content.decode()
    run.refresh_from_db()
    assert not run.published
    assert client.get(reverse("public:report", args=["2022-11"])).status_code == 404
    # Publishing is a job of the task queue (the immediate backend in tests: done by the redirect);
    # its page links to the published run.
    done = c.post(reverse("reports:publish", args=[run.pk]), {"confirm": "on"})
    job = Job.objects.get(kind="report.publish")
    assert done.status_code == 302 and done["Location"] == reverse("jobs:job", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result["run"] == run.pk
    job_page = c.get(done["Location"]).content.decode()
    assert f'href="{reverse("reports:run", args=[run.pk])}"' in job_page and "Open the published run" in job_page
    run.refresh_from_db()
    assert run.published and run.release_id
    event = AuditEvent.objects.get(action="report.publish")
    assert event.object_id == str(run.pk) and event.changes["audience"] == "public"
    # Published: the run page offers nothing more, and a second POST changes nothing.
    assert "Preview and publish" not in c.get(reverse("reports:run", args=[run.pk])).content.decode()
    c.post(reverse("reports:publish", args=[run.pk]), {"confirm": "on"})
    assert AuditEvent.objects.filter(action="report.publish").count() == 1


@pytest.mark.parametrize("role", ["analyst", "police", "peer"])
def test_only_publishers_reach_the_confirmation(seeded, client, make_user, role) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=FORMATS)
    c = _signed_in(client, make_user(role))
    assert "Preview and publish" not in c.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert c.get(reverse("reports:preview", args=[run.pk])).status_code == 200  # readers of runs
    assert c.get(reverse("reports:publish", args=[run.pk])).status_code == 403
    assert c.post(reverse("reports:publish", args=[run.pk]), {"confirm": "on"}).status_code == 403
    run.refresh_from_db()
    assert not run.published


@pytest.mark.parametrize("role", ["admin", "integration"])
def test_roles_without_reports_see_no_preview_or_chart(seeded, client, make_user, role) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=FORMATS)
    c = _signed_in(client, make_user(role))
    for url in (
        reverse("reports:preview", args=[run.pk]),
        reverse("reports:publish", args=[run.pk]),
        reverse("reports:chart", args=[run.pk, "success"]),
    ):
        assert c.get(url).status_code in (403, 404), url


def test_staff_report_pages_need_sign_in(seeded, client) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=FORMATS)
    for url in (
        reverse("reports:preview", args=[run.pk]),
        reverse("reports:publish", args=[run.pk]),
        reverse("reports:chart", args=[run.pk, "success"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _published(month: Month | None = None) -> ReportRun:
    return report_generate(actor=None, month=month or Month(2022, 11), audience="public", publish=True, formats=FORMATS)


def test_landing_page_signed_out_shows_the_latest_published_figures_and_charts(seeded, client) -> None:
    report_generate(actor=None, month=Month(2022, 11), audience="official", publish=True, formats=FORMATS)
    october = _published(Month(2022, 10))
    november = _published(Month(2022, 11))
    draft = report_generate(actor=None, month=Month(2022, 9), audience="public", formats=FORMATS)
    page = client.get(reverse("public:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Latest report: November 2022" in text
    for item in november.numbers["headline"]:
        assert _figure(item["display"]) in text
    # Months in words, every published month listed, the draft and the official edition not.
    assert ">November 2022</a>" in text and ">October 2022</a>" in text
    assert "September 2022" not in text and draft.month not in text
    for name in ("success", "ages", "services"):
        url = reverse("public:chart", args=["2022-11", name])
        assert url in text
        chart = client.get(url)
        assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert client.get(reverse("public:chart", args=["2022-09", "success"])).status_code == 404
    # The official edition's exact figures are not on the page.
    official = ReportRun.objects.get(audience="official")
    exact = {i["display"] for i in official.numbers["headline"]} - {i["display"] for i in november.numbers["headline"]}
    for display in exact:
        assert _figure(display) not in text
    assert october.month in text  # its links


def test_landing_page_names_months_in_spanish(seeded, client) -> None:
    _published()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    text = client.get(reverse("public:index")).content.decode()
    assert "noviembre de 2022" in text
    month_page = client.get(reverse("public:report", args=["2022-11"])).content.decode()
    assert "noviembre de 2022" in month_page


def test_a_public_month_page_has_the_header_and_the_way_back(seeded, client) -> None:
    run = _published()
    page = client.get(reverse("public:report", args=["2022-11"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert '<header class="site">' in text
    assert f'href="{reverse("public:index")}"' in text and "All reports" in text
    assert "Monthly Informational Report, November 2022" in text
    assert "This is the public edition" in text
    for item in run.numbers["headline"]:
        assert _figure(item["display"]) in text
    assert reverse("public:download", args=["2022-11", "json"]) in text
    document = client.get(reverse("public:download", args=["2022-11", "html"]))
    assert document.status_code == 200 and b"<style>" in document.content


JUNK = "?month=2022-13&fmt=%00&page=-1&q=%3Cscript%3E&lang=xx&name=..%2F..%2Fetc&sort[]=1&x=" + "9" * 300


def test_junk_query_strings_and_paths_on_public_pages_never_answer_500(seeded, client) -> None:
    _published()
    urls = [
        reverse("public:index"),
        reverse("public:report", args=["2022-11"]),
        reverse("public:report", args=["2022-13"]),
        reverse("public:report", args=["junk"]),
        reverse("public:report", args=["0000-00"]),
        reverse("public:download", args=["2022-11", "pdf"]),
        reverse("public:download", args=["2022-11", "exe"]),
        reverse("public:chart", args=["2022-11", "success"]),
        reverse("public:chart", args=["2022-11", "junk"]),
        reverse("public:chart", args=["junk", "ages"]),
    ]
    for url in urls:
        for suffix in ("", JUNK):
            response = client.get(url + suffix)
            assert response.status_code in (200, 400, 404), (url + suffix, response.status_code)
    assert client.get(reverse("public:report", args=["junk"])).status_code == 404

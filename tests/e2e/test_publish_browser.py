"""Publishing a month, as a program manager does it in a browser, and reading it signed out:
generate the public draft (the button says "Generating…"), preview it, confirm on the page that
names what becomes public; then the public landing page shows the month's figures and charts.

Generating and publishing go through the task queue as in production: the database backend,
with the worker run in this test's process (`run_pending`, what `vip worker --once` does) while the
page polls the job."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, press, sign_in
from vip.interchange.services import bundle_import
from vip.jobs.worker import run_pending
from vip.reports.models import ReportRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
FIXTURE = Path(__file__).parents[2] / "src" / "vip" / "reports" / "tests" / "fixtures" / "seed_november_2022"
DOCS = Path(__file__).parents[2] / "docs" / "images"


def _images_loaded(page) -> None:
    """Every image of the page drawn. (Not wait_for_function: its polling evaluates a string in the
    page, which the Content-Security-Policy forbids.)"""
    page.wait_for_load_state("load")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")


def _keep(path: Path) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, DOCS / path.name)


def _job_shot(page, name: str, screenshots: Path) -> None:
    """The job's page at a phone's width and a desktop's, into docs/images."""
    for width, height in ((390, 844), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        path = screenshots / f"jobs-{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        _keep(path)


def _run_the_worker(page, link: str) -> None:
    """The page waits for the worker; the worker runs; the polled page shows the result's link."""
    assert page.get_by_text("Waiting for the worker to start it").is_visible()
    assert run_pending() == 1
    page.get_by_role("link", name=link).wait_for(timeout=30_000)
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped


def test_a_manager_previews_and_publishes_and_the_public_reads_it(
    browser, live_server, program, make_user, screenshots: Path, settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert bundle_import(actor=None, path=FIXTURE).written
    manager = make_user("manager")
    page = sign_in(browser, live_server.url, manager, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/reports/")
    page.get_by_label("Report month").fill("2022-11")
    page.get_by_label("Audience").select_option("public")
    button = page.locator("form[data-busy-label] button[type=submit]")
    assert button.inner_text() == "Generate"
    # Hold the first submission back to look at the form while it would be working.
    page.evaluate("document.querySelector('form[data-busy-label]').addEventListener('submit', e => e.preventDefault())")
    button.click()
    assert button.is_disabled() and button.inner_text() == "Generating…"
    assert "takes a few seconds" in page.get_by_role("status").inner_text()
    page.evaluate("document.querySelector('form[data-busy-label]').submit()")
    # The request only puts the job on the queue: its page polls until the worker has run it.
    page.wait_for_url("**/jobs/*/", timeout=60_000)
    assert not ReportRun.objects.exists()
    check_accessibility(page, "job waiting for the worker")
    _job_shot(page, "queued", screenshots)
    _run_the_worker(page, "Open the report run")
    check_accessibility(page, "job done")
    _job_shot(page, "done", screenshots)
    page.get_by_role("link", name="Open the report run").click()
    page.wait_for_url("**/reports/runs/*/", timeout=60_000)
    run = ReportRun.objects.get()
    assert page.url.endswith(f"/reports/runs/{run.pk}/")
    assert not run.published

    press(page, page.get_by_role("link", name="Preview and publish"))
    assert page.get_by_role("heading", name="Preview of the public edition: November 2022").is_visible()
    _images_loaded(page)
    check_accessibility(page, "preview of the public edition")
    press(page, page.get_by_role("link", name="Continue to publish…"))
    assert page.get_by_role("heading", name="Publish the public edition of November 2022?").is_visible()
    assert f"{live_server.url}/public/reports/2022-11/" in page.inner_text("main")
    check_accessibility(page, "publish confirmation")
    page.screenshot(path=str(screenshots / "publish-confirm-1366.png"), full_page=True)
    _keep(screenshots / "publish-confirm-1366.png")
    # The browser refuses without the box; then it is ticked and the month published.
    page.get_by_role("button", name="Publish November 2022").click()
    run.refresh_from_db()
    assert not run.published
    page.get_by_label("I have checked the preview").check()
    page.get_by_role("button", name="Publish November 2022").click()
    page.wait_for_url("**/jobs/*/", timeout=60_000)
    _run_the_worker(page, "Open the published run")
    run.refresh_from_db()
    assert run.published

    # Signed out: the landing page shows the month's headline figures and its charts.
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        public = context.new_page()
        public.goto(f"{live_server.url}/public/reports/")
        assert public.get_by_role("heading", name="Latest report: November 2022").is_visible()
        figures = public.locator("ul.report-headline .figure").all_inner_texts()
        assert figures == [item["display"] for item in run.numbers["headline"]]
        _images_loaded(public)
        assert public.evaluate("document.documentElement.scrollWidth") <= width
        # The wide line chart keeps a legible size on a phone: it scrolls sideways in its own box
        # (a tab stop, for keyboards), the page itself does not.
        chart = public.locator(".chart-scroll img").bounding_box()
        assert chart is not None and chart["width"] >= (600 if width < 600 else 0)
        check_accessibility(public, f"public landing page at {width} px")
        shot = screenshots / f"public-landing-{width}.png"
        public.screenshot(path=str(shot), full_page=True)
        _keep(shot)
        press(public, public.get_by_role("link", name="November 2022").first)
        assert public.get_by_role("heading", name="Monthly Informational Report, November 2022").is_visible()
        check_accessibility(public, f"public month page at {width} px")
        press(public, public.get_by_role("link", name="All reports").first)
        assert public.url == f"{live_server.url}/public/reports/"
        context.close()

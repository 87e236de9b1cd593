"""The disparity report in a real browser: a program manager asks for it (exact counts), the task
queue computes it while the job's page polls, the report opens from the job's link (with the
accessibility check on each page, at a phone's width and a desktop's) and its CSV downloads.

The report goes through the task queue as in production: the database backend, with the worker
run in this test's process (`run_pending`, what `vip worker --once` does) while the page polls."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from vip.identification.models import DisparityRun
from vip.identification.services import incident_record, involvement_add
from vip.jobs.models import Job
from vip.jobs.worker import run_pending
from vip.people.services import person_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
DENVER = ZoneInfo("America/Denver")
SIZES = ((390, 844), (1366, 900))


def _shots(page, name: str, screenshots: Path) -> None:
    """The page at a phone's width and a desktop's; nothing off-screen at either."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)


def test_a_manager_reads_the_disparity_report(
    browser, live_server, program, make_user, screenshots: Path, settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    manager, police = make_user("manager"), make_user("police")
    for i in range(3):
        person = person_create(actor=None, first_name=f"P{i}", last_name="Q", sex="male", race="black")
        incident = incident_record(
            actor=police, key=f"22-{i}", occurred_at=dt.datetime(2022, 3, 1 + i, 22, tzinfo=DENVER), type="shooting"
        )
        involvement_add(actor=police, incident=incident, person=person, role="victim")
    page = sign_in(browser, live_server.url, manager, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/identification/disparity/")
    check_accessibility(page, "disparity report (default period)")
    page.get_by_label("From", exact=True).fill("2022-01-01")
    page.get_by_label("To", exact=True).fill("2022-12-31")
    page.get_by_label("Audience", exact=True).select_option("official")
    page.get_by_role("button", name="Show").click()
    # The request only put the report on the queue: the job's page polls until the worker has run it.
    page.wait_for_url("**/jobs/*/", timeout=60_000)
    assert not DisparityRun.objects.exists()
    assert page.get_by_role("heading", name="Computing the disparity report").is_visible()
    assert page.get_by_text("Waiting for the worker to start it").is_visible()
    check_accessibility(page, "disparity job waiting for the worker")
    assert run_pending() == 1
    page.get_by_role("link", name="Open the disparity report").wait_for(timeout=30_000)
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    check_accessibility(page, "disparity job done")
    _shots(page, "disparity-job-done", screenshots)
    page.get_by_role("link", name="Open the disparity report").click()
    run = DisparityRun.objects.get()
    page.wait_for_url(f"**/identification/disparity/{run.pk}/")
    assert Job.objects.get().result["run"] == run.pk
    assert page.get_by_role("heading", name="2022-01-01 to 2022-12-31").is_visible()
    sex = page.locator("section", has=page.get_by_role("heading", name="Sex", exact=True))
    assert sex.get_by_role("row", name=re.compile(r"^Male ")).inner_text().split()[:3] == ["Male", "3", "100%"]
    check_accessibility(page, "disparity report")
    page.screenshot(path=str(screenshots / "disparity-report.png"), full_page=True)
    _shots(page, "disparity-report", screenshots)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "disparity-2022-01-01-2022-12-31-official.csv"
    assert "sex,male,Male,victims,3," in Path(download.value.path()).read_text(encoding="utf-8")
    # Back on the form, the run is listed to open again.
    page.get_by_role("link", name="Disparity report: choose another period").click()
    assert page.get_by_label("From", exact=True).input_value() == "2022-01-01"
    assert page.get_by_role("link", name="2022-01-01 to 2022-12-31").is_visible()
    check_accessibility(page, "disparity form with a run")
    _shots(page, "disparity-form", screenshots)

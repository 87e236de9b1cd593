"""The disparity report in a real browser: a program manager reads it (exact counts), with the
accessibility check on the page, and downloads the CSV."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from vip.identification.services import incident_record, involvement_add
from vip.people.services import person_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
DENVER = ZoneInfo("America/Denver")


def test_a_manager_reads_the_disparity_report(browser, live_server, program, make_user, screenshots: Path) -> None:
    manager, police = make_user("manager"), make_user("police")
    for i in range(3):
        person = person_create(actor=None, first_name=f"P{i}", last_name="Q", sex="male", race="black")
        incident = incident_record(
            actor=police, key=f"22-{i}", occurred_at=dt.datetime(2022, 3, 1 + i, 22, tzinfo=DENVER), type="shooting"
        )
        involvement_add(actor=police, incident=incident, person=person, role="victim")
    page = sign_in(browser, live_server.url, manager)
    page.goto(f"{live_server.url}/identification/disparity/")
    check_accessibility(page, "disparity report (default period)")
    page.get_by_label("From", exact=True).fill("2022-01-01")
    page.get_by_label("To", exact=True).fill("2022-12-31")
    page.get_by_label("Audience", exact=True).select_option("official")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/identification/disparity/?*")
    assert page.get_by_role("heading", name="2022-01-01 to 2022-12-31").is_visible()
    sex = page.locator("section", has=page.get_by_role("heading", name="Sex", exact=True))
    assert sex.get_by_role("row", name=re.compile(r"^Male ")).inner_text().split()[:3] == ["Male", "3", "100%"]
    check_accessibility(page, "disparity report")
    page.screenshot(path=str(screenshots / "disparity-report.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "disparity-2022-01-01-2022-12-31-official.csv"

"""A public edition checked against the release ledger, as a program manager sees it in a browser:
the run's page lists the cells withheld only because of what earlier public releases published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from vip.core.dates import Month
from vip.jobs.models import Job
from vip.people.services import person_create
from vip.referrals.services import referral_create
from vip.releases.models import Release
from vip.reports.services import report_generate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_manager_sees_what_the_ledger_withheld(browser, live_server, program, make_user, screenshots: Path) -> None:
    manager = make_user("manager")
    person = person_create(actor=None, first_name="Ledger", last_name="Reader")
    # 20 hospital referrals in July, 4 in August: the August FYTD (24) minus July's (20) would give
    # the "<11" of August away, so the August public edition withholds its FYTD for history's sake.
    for day, count in ((dt.date(2025, 7, 10), 20), (dt.date(2025, 8, 12), 4)):
        for _ in range(count):
            referral_create(actor=None, person=person, received_on=day, source="hospital")
    july = report_generate(actor=manager, month=Month(2025, 7), audience="public", formats=["html"], publish=True)
    august = report_generate(actor=manager, month=Month(2025, 8), audience="public", formats=["html"], publish=True)
    assert july.ledger_plan["withheld_for_history"] == []
    withheld = {(c["table"], c["row"], c["col"]) for c in august.ledger_plan["withheld_for_history"]}
    assert ("referrals_by_source", "hospital", "fytd") in withheld
    assert Release.objects.count() == 2

    page = sign_in(browser, live_server.url, manager)
    page.goto(f"{live_server.url}/reports/runs/{august.pk}/")
    heading = page.get_by_role("heading", name="Checked against every earlier public release")
    assert heading.is_visible()
    section = page.locator("section", has=heading)
    assert "referrals_by_source" in section.inner_text()
    assert "edition 1 of this month" in section.inner_text()
    check_accessibility(page, "report run checked against the ledger")
    page.screenshot(path=str(screenshots / "report-run-ledger.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
    page.screenshot(path=str(screenshots / "report-run-ledger-390.png"), full_page=True)

    # An analyst asking for a public disparity report of a chosen range is told why not, and
    # nothing goes on the task queue.
    analyst = make_user("analyst")
    page = sign_in(browser, live_server.url, analyst, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/identification/disparity/")
    page.get_by_label("From", exact=True).fill("2024-07-02")
    page.get_by_label("To", exact=True).fill("2025-06-30")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("whole fiscal years only").is_visible()
    assert not Job.objects.exists()
    page.screenshot(path=str(screenshots / "disparity-fiscal-years-only.png"), full_page=True)

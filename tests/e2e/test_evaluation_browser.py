"""The evaluation in a real browser: a program manager asks for it (exact counts), the task queue
computes it while the job's page polls, the evaluation opens from the job's link (the
accessibility check on each page, at a phone's width and a desktop's) and its CSV downloads.

The data: people notified with planned times to violent re-involvement, and candidates of the
criteria of whom half were notified, so that every section has figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from vip.evaluation.models import EvaluationRun
from vip.evaluation.tests.test_comparison import candidate_pairs
from vip.evaluation.tests.test_survival import PLAN, _build
from vip.jobs.worker import run_pending

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SIZES = ((390, 844), (1366, 900))
AS_OF = dt.date(2025, 6, 30)


def _shots(page, name: str, screenshots: Path) -> None:
    """The page at a phone's width and a desktop's; nothing off-screen at either."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width, wide)


def test_a_manager_reads_the_evaluation(browser, live_server, program, make_user, screenshots: Path, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    manager = make_user("manager")
    _build(PLAN * 4, AS_OF)
    candidate_pairs(40, comparison_hurt_every=3, notified_hurt_every=5, after=200)
    page = sign_in(browser, live_server.url, manager, viewport={"width": 1366, "height": 900})
    page.get_by_role("link", name="Evaluation", exact=True).click()
    page.wait_for_url("**/evaluation/")
    check_accessibility(page, "evaluation form")
    page.get_by_label("As of", exact=True).fill(AS_OF.isoformat())
    page.get_by_label("Audience", exact=True).select_option("official")
    page.get_by_role("button", name="Compute").click()
    page.wait_for_url("**/jobs/*/", timeout=60_000)
    assert not EvaluationRun.objects.exists()
    assert page.get_by_role("heading", name="Computing the evaluation").is_visible()
    assert run_pending() == 1
    page.get_by_role("link", name="Open the evaluation").wait_for(timeout=30_000)
    page.get_by_role("link", name="Open the evaluation").click()
    run = EvaluationRun.objects.get()
    page.wait_for_url(f"**/evaluation/{run.pk}/")
    assert page.get_by_role("heading", name=f"Evaluation as of {AS_OF}").is_visible()
    survival = page.locator("section", has=page.get_by_role("heading", name="Still free of violent re-involvement"))
    first = survival.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Everyone notified"))
    assert first.get_by_role("cell").first.inner_text() == str(len(PLAN) * 4 + 40)
    assert page.get_by_text("Hazard ratio of violent re-involvement").is_visible()
    assert page.get_by_role("img", name="Step chart of the share still free").is_visible()
    check_accessibility(page, "evaluation")
    page.screenshot(path=str(screenshots / "evaluation-run.png"), full_page=True)
    _shots(page, "evaluation-run", screenshots)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"evaluation-{AS_OF}-official.csv"
    assert "matching,,,,matched,40" in Path(download.value.path()).read_text(encoding="utf-8")
    page.get_by_role("link", name="Evaluation: compute another").click()
    assert page.get_by_role("link", name=AS_OF.isoformat()).is_visible()
    _shots(page, "evaluation-form", screenshots)
    # The funder reports: the latest half-year by default; the planted people's half-year asked for.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Funder reports").click()
    check_accessibility(page, "funder reports form")
    page.get_by_label("Period", exact=True).fill("2025H1")
    page.get_by_label("Audience", exact=True).select_option("official")
    page.get_by_role("button", name="Show").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Custom notifications delivered"))
    assert int(row.get_by_role("cell").inner_text()) > 0
    check_accessibility(page, "funder report")
    _shots(page, "evaluation-funders", screenshots)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == "funder-cvipi-2025H1-official.pdf"


def test_an_analyst_reads_the_public_edition(
    browser, live_server, program, make_user, screenshots: Path, settings
) -> None:
    """The analyst's edition: a day that is not a month's end is refused with the reason; the
    month's end is computed, released in the ledger, and shows its funnel by fiscal year."""
    from vip.releases.models import Release

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    analyst = make_user("analyst")
    _build(PLAN * 4, AS_OF)
    candidate_pairs(40, comparison_hurt_every=3, notified_hurt_every=5, after=200)
    page = sign_in(browser, live_server.url, analyst, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/evaluation/")
    page.get_by_label("As of", exact=True).fill((AS_OF - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Compute").click()
    assert page.get_by_text("A public edition is as of the last day of a month").is_visible()
    page.get_by_label("As of", exact=True).fill(AS_OF.isoformat())
    page.get_by_role("button", name="Compute").click()
    page.wait_for_url("**/jobs/*/", timeout=60_000)
    assert run_pending() == 1
    page.get_by_role("link", name="Open the evaluation").wait_for(timeout=30_000)
    page.get_by_role("link", name="Open the evaluation").click()
    run = EvaluationRun.objects.get()
    page.wait_for_url(f"**/evaluation/{run.pk}/")
    assert run.audience == "public" and run.result["release"]["edition"] == 1
    assert Release.objects.get().kind == "evaluation"
    assert page.get_by_text("no such figure can be worked out from this and every earlier public release").is_visible()
    assert page.get_by_role("columnheader", name="Fiscal year").is_visible()
    check_accessibility(page, "evaluation, public edition")
    _shots(page, "evaluation-public", screenshots)

"""Issue 15, item 4: a manager uploads a police export with its mapping in the browser, checks
it, reads its problems as file:line: column: message, uploads it fixed, imports it and sees the
counts; then the same export again changes nothing; then starts the criteria run from the
Candidates page and sees the candidates appear. Each piece of work goes through the task queue:
the page answers at once and follows the job; the worker is run in this test's process
(`run_pending`, what `vip worker --once` does). Screens checked for accessibility, at 1366 and
390 px (docs/images/upload-*.png)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, press, sign_in
from vip.core.config import program_today
from vip.identification.models import Candidate, Involvement
from vip.interchange.models import SavedMapping, Upload
from vip.jobs.worker import run_pending
from vip.people.models import Person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
IMAGES = Path(__file__).parents[2] / "docs" / "images"
EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"


def _shoot(page, name: str) -> None:
    """The page at 1366 px and at 390 px (docs/images/upload-<name>-<width>.png)."""
    for size in (WIDE, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(IMAGES / f"upload-{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def _worker(page) -> None:
    """The page has only put the work on the queue; the worker runs it; the page follows."""
    page.get_by_text(re.compile("Waiting for the worker")).first.wait_for()
    assert run_pending() == 1


def _recent(export: str) -> str:
    """The example export's incidents moved to last week (the criteria look back some weeks)."""
    last_week = program_today() - dt.timedelta(days=7)
    for day in (3, 5, 6, 7):
        moved = last_week + dt.timedelta(days=day - 7)
        export = export.replace(f"11/{day:02d}/2022", moved.strftime("%m/%d/%Y"))
    return export


def test_upload_check_fix_and_import_a_police_export(
    browser, live_server, program, make_user, tmp_path: Path, settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"
    base = live_server.url
    manager = make_user("manager")
    export = _recent((EXAMPLES / "police-rms-export.csv").read_text(encoding="utf-8"))
    lines = export.splitlines(keepends=True)
    lines[2] = lines[2].replace("01/31/1999", "31/01/1999")  # day and month swapped
    lines[4] = lines[4].replace(",VA,", ",VALLEY,")  # an area code the mapping does not know
    bad = tmp_path / "bad" / "apd-november.csv"
    bad.parent.mkdir()
    bad.write_text("".join(lines), encoding="utf-8")
    good = tmp_path / "apd-november.csv"
    good.write_text(export, encoding="utf-8")
    mapping = EXAMPLES / "police-rms-mapping.toml"

    page = sign_in(browser, base, manager, viewport=WIDE)
    page.goto(f"{base}/data/")
    page.get_by_role("link", name="Upload an export").click()
    page.wait_for_url(f"{base}/data/import/")
    check_accessibility(page, "upload form")
    assert page.get_by_label("Check only: write nothing").is_checked()

    # The first try: checked only, and two lines are wrong.
    page.get_by_label("Records system's export (.csv or .xlsx)").set_input_files(str(bad))
    page.get_by_label("or the mapping file (.toml)").set_input_files(str(mapping))
    page.get_by_label("Save the uploaded mapping as (optional)").fill("APD records system")
    page.get_by_role("button", name="Upload").click()
    _worker(page)
    result = page.get_by_role("status")
    result.get_by_role("heading", name="Not imported: 2 problems").wait_for()
    problems = page.locator("ol.problems li").all_inner_texts()
    assert problems == [
        "apd-november.csv:3: DOB: '31/01/1999' is not a date in the format '%m/%d/%Y'",
        "apd-november.csv:5: AREA_CMD: source code 'VALLEY' is not in the mapping (incidents.area.codes)",
    ]
    check_accessibility(page, "upload problems")
    _shoot(page, "problems")
    assert not Person.objects.exists()

    # Fixed and checked again: nothing is written, and the import is offered.
    page.get_by_label("Records system's export (.csv or .xlsx)").set_input_files(str(good))
    page.get_by_label("or the mapping file (.toml)").set_input_files(str(mapping))
    page.get_by_label("Save the uploaded mapping as (optional)").fill("APD records system")
    page.get_by_role("button", name="Upload").click()
    _worker(page)
    page.get_by_role("heading", name="No problem found (nothing written)").wait_for()
    assert not Person.objects.exists()
    assert SavedMapping.objects.get().name == "APD records system"
    page.get_by_role("button", name="Import this file now").click()
    _worker(page)
    page.get_by_role("heading", name="Imported").wait_for()
    counts = page.get_by_role("table")
    people = counts.get_by_role("row", name=re.compile(r"^People"))
    assert people.get_by_role("cell").all_inner_texts()[:2] == ["4", "4"]  # read, new
    check_accessibility(page, "upload imported")
    _shoot(page, "imported")
    assert Person.objects.count() == 4 and Involvement.objects.count() == 7

    # Next month's export comes with the saved mapping: the same rows change nothing.
    page.goto(f"{base}/data/import/")
    page.get_by_label("Records system's export (.csv or .xlsx)").set_input_files(str(good))
    page.get_by_label("A saved mapping").select_option(label="APD records system")
    page.get_by_label("Check only: write nothing").uncheck()
    page.get_by_role("button", name="Upload").click()
    _worker(page)
    page.get_by_role("heading", name="Imported").wait_for()
    people = page.get_by_role("table").get_by_role("row", name=re.compile(r"^People"))
    assert people.get_by_role("cell").all_inner_texts() == ["4", "0", "0", "4"]  # read, new, changed, unchanged
    press(page, page.get_by_role("link", name="All uploads"))
    check_accessibility(page, "uploads")
    assert page.get_by_role("link", name="apd-november.csv").count() == 4
    assert [u.status for u in Upload.objects.order_by("id")] == ["invalid", "checked", "imported", "imported"]
    assert not any((tmp_path / "uploads").glob("*.csv")), "no export is kept once imported"

    # The criteria run, started from the Candidates page: the victims of last week's shooting
    # are proposed for review once the worker has run it.
    page.goto(f"{base}/identification/candidates/")
    page.get_by_role("button", name="Run the criteria now").click()
    _worker(page)
    page.get_by_role("link", name="Review the proposals").wait_for(timeout=30_000)
    assert Candidate.objects.filter(status="proposed").exists()
    page.goto(f"{base}/identification/candidates/")
    proposed = Candidate.objects.filter(status="proposed").select_related("person").first()
    assert proposed is not None
    assert page.locator("#results").get_by_text(proposed.person.last_name).first.is_visible()
    check_accessibility(page, "candidates after the run")

"""The work queues in a real browser, on a seeded city of a few hundred referrals: the newest
hospital referral on top, search as you type (htmx), paging, bulk assign; people search paged
with its true count. Screenshots at 390 and 1366 px."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from tests.factories import ReferralFactory
from vip.core.config import program_today
from vip.people.services import person_create
from vip.referrals.models import Referral

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
# htmx answers may take a while on a loaded machine (both test passes run side by side).
expect.set_options(timeout=30_000)
IMAGES = Path(__file__).parents[2] / "docs" / "images"


def _city() -> None:
    today = program_today()
    people = [
        person_create(actor=None, first_name=f"Ana{i}", last_name="García" if i % 3 == 0 else "Garcia")
        for i in range(45)
    ]
    people += [person_create(actor=None, first_name=f"Luis{i}", last_name=f"Baca{i}") for i in range(40)]
    for i in range(240):
        ReferralFactory(
            person=people[i % len(people)],
            received_on=today - dt.timedelta(days=1 + i % 200),
            source=["school", "community", "shooting_review", "hospital"][i % 4],
        )
    ReferralFactory(person=person_create(actor=None, first_name="Nueva", last_name="Herida"), received_on=today)


def test_the_referral_queue_searches_pages_and_bulk_assigns(browser, live_server, program, make_user) -> None:
    manager, peer = make_user("manager"), make_user("peer")
    _city()
    IMAGES.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, live_server.url, manager, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/referrals/")
    check_accessibility(page, "referral queue")
    rows = page.locator("#results table tbody tr")
    assert "Nueva Herida" in rows.first.inner_text()  # recorded today: on top
    assert page.get_by_text(re.compile("Showing 1\u201350 of 241")).first.is_visible()
    page.screenshot(path=str(IMAGES / "queue-referrals-1366.png"), full_page=False)

    # Search as you type: the results change without a page load, the address follows.
    page.evaluate("window.__same_page = true")
    page.get_by_label("Search").press_sequentially("herid", delay=40)
    page.wait_for_url(re.compile(r"q=herid"))
    expect(page.locator("#results table tbody tr")).to_have_count(1)
    assert page.evaluate("window.__same_page") is True  # htmx swapped the results, no reload
    assert "Showing 1\u20131 of 1" in page.locator("#results").inner_text()

    # Paging: the whole queue, second page.
    page.goto(f"{live_server.url}/referrals/")
    page.locator("#results").get_by_role("link", name="Next").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("#results")).to_contain_text("Showing 51")
    assert "Showing 51\u2013100 of 241" in page.locator("#results").inner_text()

    # Bulk assign two ticked referrals to the peer worker.
    boxes = page.locator("#results input[name=referral]")
    picked = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_label("Assign the ticked referrals to").select_option(str(peer.pk))
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r"2 referrals assigned to")).is_visible()
    assert set(Referral.objects.filter(assigned_to=peer).values_list("pk", flat=True)) == set(picked)

    phone = page  # the same session (a second sign-in would reuse the authenticator's code)
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/referrals/")
    phone.screenshot(path=str(IMAGES / "queue-referrals-390.png"), full_page=False)


def test_people_search_pages_through_every_match(browser, live_server, program, make_user) -> None:
    manager = make_user("manager")
    _city()
    page = sign_in(browser, live_server.url, manager, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/people/")
    page.get_by_label("Name, alias or date of birth").press_sequentially("garcia", delay=40)
    # On a loaded machine "garci" may be asked first; the address follows the last answer.
    page.wait_for_url(re.compile(r"q=garcia"))
    expect(page.locator("#results")).to_contain_text("45 found for \u201cgarcia\u201d")
    check_accessibility(page, "people search")
    assert "Showing 1\u201325 of 45" in page.locator("#results").inner_text()
    page.screenshot(path=str(IMAGES / "people-search-1366.png"), full_page=False)
    page.locator("#results").get_by_role("link", name="Next").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("#results")).to_contain_text("Showing 26")
    phone = page
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/people/?q=garc%C3%ADa")
    assert "45 found" in phone.locator("#results").inner_text()
    phone.screenshot(path=str(IMAGES / "people-search-390.png"), full_page=False)

"""The first day and the phone (issue 14, items 3 and 6) in a real browser: enrolling an
authenticator (the secret stays the same across reloads), the sign-in and security pages in the
program's layout, the warning before the idle limit, form drafts that survive a reload, the menu
that folds on a phone, tables as cards, nothing wider than a phone, Spanish configured lists."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator

from tests.e2e.test_journeys_browser import PASSWORD, check_accessibility, press, sign_in
from tests.factories import PersonFactory, ReferralFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
DOCS = Path(__file__).parents[2] / "docs" / "images"


def _code(secret: str) -> str:
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 15
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def _fits_a_phone(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} is {width} px wide on a 390 px phone"


def _shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / name), full_page=True)


def test_enrolling_keeps_one_secret_and_the_security_pages_are_in_the_layout(browser, live_server, program, make_user):
    base = live_server.url
    user = make_user("peer", second_factor=False)
    for viewport in (PHONE, DESK):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        _shot(page, f"signin-{viewport['width']}.png")
        context.close()
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read and accept the conditions of use above.").check()
    page.get_by_role("button", name="Sign in").click()
    # Enrolling asks for the password again, in the program's layout.
    assert page.locator("main .card h1").inner_text() == "Confirm Access"
    check_accessibility(page, "confirm access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.reload()
    page.goto(f"{base}/favicon.ico")  # what a browser asks for on its own
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    assert page.locator("#authenticator_secret").input_value() == secret
    check_accessibility(page, "authenticator set-up")
    _fits_a_phone(page, "authenticator set-up")
    _shot(page, "mfa-activate-390.png")
    page.set_viewport_size(DESK)
    _shot(page, "mfa-activate-1366.png")
    page.set_viewport_size(PHONE)
    page.get_by_label("Authenticator code").fill(_code(secret))
    press(page, page.get_by_role("button", name="Activate"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # The recovery codes, then Continue to home.
    assert page.get_by_role("heading", name="Recovery codes").is_visible()
    assert page.locator(".messages li.success").count() >= 1
    check_accessibility(page, "recovery codes")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{base}/home/")
    # Security, reached from the menu, links to the change-password page.
    page.get_by_role("button", name="Menu").click()
    press(page, page.get_by_role("link", name="Security"))
    check_accessibility(page, "security")
    _fits_a_phone(page, "security")
    _shot(page, "security-390.png")
    page.set_viewport_size(DESK)
    _shot(page, "security-1366.png")
    press(page, page.get_by_role("link", name="Change password"))
    assert page.locator("main .card h1").inner_text() == "Change Password"
    assert page.get_by_label("Current Password").is_visible()
    check_accessibility(page, "change password")


def test_the_idle_warning_keeps_the_session_and_drafts_survive_a_reload(
    browser, live_server, program, make_user, settings
):
    settings.VIP_SESSION_IDLE_MINUTES = 1  # the page warns at once (less than two minutes are left)
    base = live_server.url
    page = sign_in(browser, base, make_user("manager"), viewport=DESK)
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible", timeout=5000)
    assert "You will be signed out in 2 minutes" in warning.inner_text()
    _shot(page, "session-warning-1366.png")
    with page.expect_response(lambda r: r.url.endswith("/accounts/keep-alive/")) as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 204
    settings.VIP_SESSION_IDLE_MINUTES = 30
    page.goto(f"{base}/people/new/")
    assert page.locator("#session-warning").is_hidden()
    # What is typed survives a reload (sessionStorage), and goes once the form is sent.
    page.get_by_label("First name").fill("Draftina")
    page.get_by_label("Last name").fill("Kept")
    page.reload()
    assert page.get_by_label("First name").input_value() == "Draftina"
    assert page.get_by_label("Last name").input_value() == "Kept"
    page.get_by_label("Date of birth").fill("2001-05-06")
    page.get_by_role("button", name="Add person").click()
    page.wait_for_load_state()
    assert page.locator(".messages li.success").count() == 1 or "/people/" in page.url
    page.goto(f"{base}/people/new/")
    assert page.get_by_label("First name").input_value() == ""
    stored = page.evaluate("JSON.stringify(Object.keys(sessionStorage))")
    assert "vip-draft" not in stored


def test_no_password_or_code_is_ever_kept_as_a_draft(browser, live_server, program, make_user) -> None:
    base = live_server.url
    user = make_user("peer")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.reload()
    kept = page.evaluate("JSON.stringify(Object.entries(sessionStorage))")
    assert "vip-draft" not in kept and PASSWORD not in kept and user.username not in kept, kept
    assert page.get_by_label("Password").input_value() == ""


def test_on_a_phone_the_menu_folds_tables_become_cards_and_nothing_is_wider(browser, live_server, program, make_user):
    base = live_server.url
    manager = make_user("manager")
    for i in range(3):
        ReferralFactory(person=PersonFactory(first_name=f"Ana{i}", last_name="Quintanilla-Montoya de la Sierra"))
    page = sign_in(browser, base, manager, viewport=PHONE)
    header = page.locator("header.site").bounding_box()
    assert header and header["height"] <= 64, header
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.locator("header.site").get_by_role("link", name="Referrals", exact=True).is_hidden()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.locator("header.site").get_by_role("link", name="Referrals", exact=True).is_visible()
    page.screenshot(path=str(DOCS / "menu-390.png"))
    check_accessibility(page, "menu open")
    page.locator("header.site").get_by_role("link", name="Referrals", exact=True).click()
    cells = page.locator("table tbody td[data-label]")
    assert cells.count() > 0
    _fits_a_phone(page, "referral queue")
    _shot(page, "cards-390.png")
    for path in ("/home/", "/people/", "/people/new/", "/accounts/2fa/", "/reports/", "/identification/criteria/"):
        page.goto(f"{base}{path}")
        _fits_a_phone(page, path)
    # Spanish: the configured lists too.
    page.goto(f"{base}/people/new/")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    options = page.locator("select option").all_inner_texts()
    assert "Valle" in options or "Sureste" in options, options
    _shot(page, "person-new-es-390.png")

"""The demo city's field records in the browser, at its default scale (issue 17's acceptance: "the
demo city has mediations, safety plans, incentives, groups and hospital referrals in plausible
proportions"), a part of the working day (test_working_day_browser.py, which loads the city): a
program manager finds each kind of record through the menu, pages and filters its list, opens
one and sees what was recorded, corrects a mistake and sees it shown again; on a phone nothing
is wider than the screen. axe-core finds no serious or critical violation.

The screenshots of docs/field-work.md are taken here (docs/images/field-*.png).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.test_journeys_browser import press, sign_in
from vip.groups.models import CallIn, Group
from vip.hospital.models import HospitalReferral
from vip.incentives.models import Incentive, IncentiveBudget
from vip.mediations.models import Mediation
from vip.safety_plans.models import SafetyPlan

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
DOCS = Path(__file__).parents[2] / "docs" / "images"


def shown_total(page) -> int:
    """The N of "Showing 1-50 of N" (or "Showing 1-N of N", with an en dash) on a list page."""
    found = re.search(r"Showing 1\u2013[\d,]+ of ([\d,]+)", page.inner_text("main"))
    assert found, page.inner_text("main")[:500]
    return int(found.group(1).replace(",", ""))


def filter_by(page, label: str, option: str, parameter: str) -> None:
    """Open a list's filters and choose ``option`` for ``label``: the list follows at once (and
    the address says ``parameter=``, for a reload or a bookmark)."""
    page.get_by_text("Filters and order").click()
    page.get_by_label(label, exact=True).select_option(label=option)
    page.wait_for_url(re.compile(rf"[?&]{parameter}=[^&]"))
    page.wait_for_load_state("networkidle")


def column(page, name: str) -> list[str]:
    """The cells of a list's column ``name`` (the results table's header names it)."""
    table = page.locator("main table").first
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    index = headers.index(name) + 1
    return [c.strip() for c in table.locator(f"tbody tr td:nth-child({index})").all_inner_texts()]


def field_records_in_the_browser(
    browser, base: str, managers: tuple[Any, Any], demo_city: dict[str, int], visit: Callable, fits: Callable
) -> None:
    """A manager's walk through the field records (``visit`` and ``fits``: the day's checks), on a
    desktop as ``managers[0]`` and on a phone as ``managers[1]``: two accounts, as a second
    sign-in of one account within the same 30 seconds would offer its authenticator code again,
    which is refused (a code is used once)."""
    manager, on_the_phone = managers
    counts = {name: n for name, n in demo_city.items() if n}
    assert counts["mediations.csv"] > 300 and counts["incentives.csv"] > 1000 and counts["groups.csv"] > 50
    assert Mediation.objects.count() == counts["mediations.csv"]

    m = sign_in(browser, base, manager, viewport=DESKTOP)

    # Mediations: the log pages and filters; one opened shows its parties; a wrong outcome is
    # corrected and shown again, with its history.
    press(m, m.locator("header.site").get_by_role("link", name="Mediations", exact=True))
    visit(m, "mediations")
    total = shown_total(m)
    assert total == counts["mediations.csv"]
    m.screenshot(path=str(DOCS / "field-mediations-1366.png"))
    filter_by(m, "Outcome", "Escalated", "outcome")
    escalated = shown_total(m)
    assert 0 < escalated < total
    assert set(column(m, "Outcome")) == {"Escalated"}
    press(m, m.locator("main table tbody tr a").first)
    visit(m, "a mediation")
    assert "Who took part" in m.inner_text("main")
    assert "outside party" in m.inner_text("main") or "participant" in m.inner_text("main")
    press(m, m.get_by_role("link", name="Change", exact=True))
    m.get_by_label("Resolved", exact=True).check()
    press(m, m.locator("main form button.primary[type=submit]").last)
    text = m.inner_text("main")
    assert "Resolved" in text and "History of changes" in text
    assert Mediation.objects.filter(outcome="escalated").count() == escalated - 1

    # Incentives: the list with its paid total, the budgets of every fiscal year, the approvals.
    press(m, m.locator("header.site").get_by_role("link", name="Incentives", exact=True))
    visit(m, "incentives")
    assert shown_total(m) == Incentive.objects.count()
    assert re.search(r"Paid net for the incentives shown by these filters: \$[\d,]+\.\d\d", m.inner_text("main"))
    filter_by(m, "Status", "Proposed", "status")
    assert set(column(m, "Status")) == {"Proposed"}
    press(m, m.get_by_role("link", name="Budgets", exact=True))
    visit(m, "incentive budgets")
    budgets = m.inner_text("main")
    assert IncentiveBudget.objects.count() >= 6
    for budget in IncentiveBudget.objects.all():
        assert f"FY{budget.fiscal_year + 1}" in budgets
    m.screenshot(path=str(DOCS / "field-budgets-1366.png"))
    press(m, m.get_by_role("link", name="Approvals", exact=True))
    visit(m, "incentive approvals")

    # Groups: the list, the network, one group's members, the call-ins and who came to one.
    press(m, m.locator("header.site").get_by_role("link", name="Groups", exact=True))
    visit(m, "groups")
    assert 0 < shown_total(m) <= Group.objects.count()
    press(m, m.get_by_role("link", name="Network", exact=True))
    visit(m, "group network")
    m.screenshot(path=str(DOCS / "field-network-1366.png"))
    press(m, m.get_by_role("link", name="Groups", exact=True).first)
    press(m, m.locator("main table tbody tr a").first)
    visit(m, "a group")
    assert "Members" in m.inner_text("main")
    press(m, m.locator("header.site").get_by_role("link", name="Groups", exact=True))
    press(m, m.locator("main").get_by_role("link", name="Call-ins", exact=True))
    visit(m, "call-ins")
    assert shown_total(m) == CallIn.objects.count()
    press(m, m.locator("main table tbody tr a").first)
    visit(m, "a call-in")
    assert "Attended" in m.inner_text("main") or "attended" in m.inner_text("main")

    # Hospital referrals: the queue with its median time to the bedside, one with its visits.
    press(m, m.locator("header.site").get_by_role("link", name="Hospital", exact=True))
    visit(m, "hospital referrals")
    assert shown_total(m) == HospitalReferral.objects.count()
    assert "Median time to the first bedside visit" in m.inner_text("main")
    press(m, m.locator("main table tbody tr a").first)
    visit(m, "a hospital referral")

    # Safety plans: every plan, with its last check-in.
    press(m, m.locator("header.site").get_by_role("link", name="Safety plans", exact=True))
    visit(m, "safety plans")
    assert shown_total(m) == SafetyPlan.objects.count()
    m.context.close()

    # On a phone: the same lists and records fit the screen.
    p = sign_in(browser, base, on_the_phone, viewport=PHONE)
    for path, name in (
        ("/mediations/", "field-mediations-390.png"),
        ("/groups/call-ins/", None),
        ("/hospital/", "field-hospital-390.png"),
        ("/incentives/", None),
        ("/safety-plans/", None),
    ):
        p.goto(base + path)
        visit(p, f"{path} on a phone")
        if name:
            p.screenshot(path=str(DOCS / name))
        press(p, p.locator("main table tbody tr a").first)
        fits(p, f"a record of {path} on a phone")

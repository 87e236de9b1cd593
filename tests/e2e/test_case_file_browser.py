"""The person's case file in a real browser (issue 14, item 2): the peer reads, edits and corrects
it, the manager reads its history and transfers the person, the police see it without the peer's
casework, and the summary PDF downloads as one page. axe-core on every page visited; screenshots at
390 px and 1366 px, none wider than the phone."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_journeys_browser import check_accessibility, press, sign_in
from vip.casework.models import Contact
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.core.config import program_today, program_zone
from vip.core.models import ServiceCategory
from vip.notifications.models import NotificationAttempt
from vip.notifications.services import attempt_record
from vip.people.models import Correction, Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.services import referral_accept, referral_assign, referral_create
from vip.service_referrals.services import service_referral_create, service_referral_move

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
IMAGES = Path(__file__).parents[2] / "docs" / "images"


def _fits(page, where: str, width: int = 390) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{where}: the page is {wide} px wide at {width} px"


def _shot(page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / name), full_page=True)


def _case(manager, peer) -> Person:
    """Ana, on the peer's caseload, with a bit of everything the peer records."""
    now = timezone.now().replace(second=0, microsecond=0)
    today = program_today()
    ana = person_create(
        actor=manager,
        first_name="Ana",
        last_name="Quintana",
        date_of_birth=dt.date(2001, 5, 6),
        phone="505 555 0100",
        address="1234 Central Ave SE",
    )
    referral = referral_create(
        actor=manager,
        person=ana,
        received_on=today - dt.timedelta(days=20),
        source="hospital",
        referred_by="UNM Hospital trauma unit",
        reason="Gunshot wound to the leg, treated and released; at risk of retaliation. " * 3,
    )
    referral_accept(actor=peer, referral=referral_assign(actor=manager, referral=referral, assignee=peer))
    ana.refresh_from_db()
    if ana.assigned_peer != peer:  # accepting the referral put her on the caseload
        person_assign_peer(actor=manager, person=ana, peer=peer)
        ana.refresh_from_db()
    attempt_record(
        actor=peer,
        person=ana,
        attempted_at=now - dt.timedelta(days=15),
        outcome="not_found",
        team={"peer_support", "police"},
    )
    attempt_record(
        actor=peer,
        person=ana,
        attempted_at=now - dt.timedelta(days=14),
        outcome="delivered",
        team={"peer_support", "police"},
        notes="Mother present; NOTES-CANARY",
    )
    needs_assessment_record(
        actor=peer,
        person=ana,
        assessed_on=today - dt.timedelta(days=12),
        needs={"housing": "urgent", "employment": "some"},
        summary="NEEDS-CANARY wants to move out of the area",
    )
    contact_record(
        actor=peer,
        person=ana,
        contacted_at=now - dt.timedelta(days=10),
        kind="in_person",
        minutes=45,
        summary="CONTACT-CANARY talked about a job at the bakery",
    )
    contact_record(actor=peer, person=ana, contacted_at=now - dt.timedelta(days=3), kind="phone", minutes=5)
    case_note_write(actor=peer, person=ana, text="NOTE-CANARY " + "she is thinking about school again. " * 12)
    housing = ServiceCategory.objects.get(code="housing")
    service = service_referral_create(
        actor=peer,
        person=ana,
        category=housing,
        referred_on=today - dt.timedelta(days=9),
        provider="Casa Esperanza",
    )
    service_referral_move(
        actor=peer,
        referral=service,
        status="connected",
        on=today - dt.timedelta(days=5),
        expected_version=service.version,
    )
    return ana


def test_the_case_file_in_the_browser(browser, live_server, program, make_user) -> None:
    base = live_server.url
    manager, peer, other_peer, police = make_user("manager"), make_user("peer"), make_user("peer"), make_user("police")
    ana = _case(manager, peer)
    url = f"{base}/people/{ana.pk}/"

    # The peer, on her phone: everything she recorded, and the timeline in true order.
    p = sign_in(browser, base, peer, viewport=PHONE)
    p.goto(url)
    check_accessibility(p, "case file (peer, phone)")
    main = p.inner_text("main")
    for seen in ("CONTACT-CANARY", "NOTE-CANARY", "Casa Esperanza", "UNM Hospital trauma unit", "Timeline", ana.key):
        assert seen in main, seen
    assert p.locator("a[href='tel:5055550100']").count() == 1
    timeline = p.get_by_role("region", name="Timeline").locator("tbody tr td.when").all_inner_texts()
    days = [text.split()[0] for text in timeline]
    assert days == sorted(days, reverse=True) or days == sorted(days), days  # one true order
    _fits(p, "case file (peer)")
    _shot(p, "case-file-peer-390.png")

    # She edits the phone number, then adds an alias.
    press(p, p.get_by_role("link", name="Edit details"))
    check_accessibility(p, "edit details")
    _fits(p, "edit details")
    _shot(p, "person-edit-390.png")
    p.get_by_label("Phone").fill("505 555 0199")
    p.get_by_role("button", name=re.compile("Save")).click()
    p.wait_for_url(url)
    assert "The person's details were saved." in p.inner_text("main")
    assert p.locator("a[href='tel:5055550199']").count() == 1
    press(p, p.get_by_role("link", name="Add an alias"))
    check_accessibility(p, "add an alias")
    p.get_by_label("Kind").select_option("nickname")
    p.get_by_label("Nickname or street name").fill("Flaca")
    p.get_by_role("button", name=re.compile("Save|Add")).click()
    p.wait_for_url(url)
    assert "Flaca" in p.inner_text("main")

    # She corrects the day of her first contact, with a reason, and voids the second.
    first, second = Contact.objects.order_by("contacted_at")
    contacts = p.get_by_role("region", name="Contacts")
    press(p, contacts.locator(f"a[href$='/correct/contact/{first.pk}/']"))
    check_accessibility(p, "correct a contact")
    _fits(p, "correct a contact")
    _shot(p, "case-file-correct-390.png")
    original = first.contacted_at.astimezone(program_zone()).strftime("%Y-%m-%d %H:%M")
    corrected = (first.contacted_at.astimezone(program_zone()) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    p.get_by_label("When").fill(corrected)
    p.get_by_label("Reason for the change").fill("typed the wrong day")
    p.get_by_role("button", name="Save the change").click()
    p.wait_for_url(url)
    assert "the original is kept in the history" in p.inner_text("main")
    first.refresh_from_db()
    assert first.contacted_at.astimezone(program_zone()).strftime("%Y-%m-%dT%H:%M") == corrected
    p.get_by_role("region", name="Contacts").locator(f"a[href$='/correct/contact/{second.pk}/']").click()
    p.get_by_label("Void it: recorded in error").check()
    p.get_by_label("Reason for the change").fill("recorded on the wrong person")
    p.get_by_role("button", name="Save the change").click()
    p.wait_for_url(url)
    second.refresh_from_db()
    assert second.voided_at is not None
    assert p.get_by_role("region", name="Contacts").locator(f"a[href$='/correct/contact/{second.pk}/']").count() == 0
    assert Correction.objects.filter(person=ana).count() == 2

    # The summary for a case conference: one page of PDF.
    link = p.get_by_role("link", name="Summary for a case conference (PDF)")
    answer = p.context.request.get(base + (link.get_attribute("href") or ""))  # the browser's session
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = SCREENSHOTS / "person-summary.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(answer.body())
    info = subprocess.run(["/usr/bin/pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    text = subprocess.run(["/usr/bin/pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Quintana" in text
    if shutil.which("pdftoppm"):
        stem = IMAGES / "person-summary"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(stem)], check=True)  # noqa: S603, S607

    # The wide screen of the peer (the same session: a second sign-in would reuse the code).
    p.set_viewport_size(WIDE)
    p.goto(url)
    check_accessibility(p, "case file (peer, wide)")
    _shot(p, "case-file-peer-1366.png")

    # The manager: that the casework happened, never what was said, and the history; a transfer.
    m = sign_in(browser, base, manager, viewport=WIDE)
    m.goto(url)
    check_accessibility(m, "case file (manager)")
    main = m.inner_text("main")
    assert "CANARY" not in main
    history = m.get_by_role("region", name="Corrections and voided entries").inner_text()
    assert "typed the wrong day" in history and "recorded on the wrong person" in history
    assert f"{original}" in history  # the previous moment as the page shows moments, not in UTC
    _shot(m, "case-file-manager-1366.png")
    press(m, m.get_by_role("link", name="Transfer"))
    check_accessibility(m, "transfer")
    m.get_by_label("Peer support worker").select_option(str(other_peer.pk))
    m.get_by_role("button", name=re.compile("Save|Transfer|Assign")).click()
    m.wait_for_url(url)
    ana.refresh_from_db()
    assert ana.assigned_peer == other_peer
    m.set_viewport_size(PHONE)
    m.goto(url)
    _fits(m, "case file (manager, phone)")

    # The police: the person, the notification record, no peer casework.
    o = sign_in(browser, base, police, viewport=PHONE)
    o.goto(url)
    check_accessibility(o, "case file (police)")
    main = o.inner_text("main")
    assert "Quintana" in main
    assert "CANARY" not in o.content()
    for hidden in ("Contacts", "Needs assessments", "Corrections and voided entries", "Casa Esperanza"):
        assert hidden not in main, hidden
    assert NotificationAttempt.objects.filter(person=ana).count() == 2
    _fits(o, "case file (police)")

    # The former peer no longer has her.
    assert p.goto(url).status == 404

"""The field app on a phone without a signal (issue 17): a peer signs in, goes offline, records an
attempt, a contact, a mediation and a change to a mediation's outcome, reloads the page (the
entries survive, encrypted), comes back online: the entries arrive once, audited with both times;
the manager's change made meanwhile is shown as a conflict and resolved; the cached caseload holds
no police field; after the account is deactivated the phone's queue and cache are gone at its next
contact. docs/field-app.md."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from tests.e2e.test_journeys_browser import check_accessibility, sign_in
from vip.accounts.services import user_deactivate
from vip.audit.models import AuditEvent
from vip.casework.models import Contact
from vip.core.config import program_today
from vip.field.models import FieldSubmission
from vip.mediations.models import Mediation
from vip.mediations.services import mediation_record, mediation_update
from vip.notifications.models import NotificationAttempt
from vip.notifications.services import legal_assessment_write, notification_plan
from vip.people.services import person_assign_peer, person_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
IMAGES = Path(__file__).parents[2] / "docs" / "images"
LEGAL = "CANARYFIELDLEGAL5531"


def _offline(request_route) -> None:
    """What a phone without a signal gets: nothing, from the page or from its service worker."""
    if request_route.request.service_worker:
        request_route.abort("internetdisconnected")
    else:
        request_route.continue_()


def _storage(page) -> dict:
    """What the phone keeps, read from the page: the raw queue (sealed) and, through the app's own
    module and the key WebCrypto holds, the caseload it decrypts."""
    return page.evaluate(
        """async () => {
          const store = await import('/static/vip/field/store.js');
          const db = await store.openDatabase();
          const raw = await new Promise((resolve) => {
            const out = [];
            const c = db.transaction('queue').objectStore('queue').openCursor();
            c.onsuccess = () => { if (c.result) { out.push(c.result.value); c.result.continue(); } else resolve(out); };
          });
          const sealed = raw.every((box) => box.iv instanceof Uint8Array && box.data instanceof Uint8Array);
          const rawText = raw.map((box) => new TextDecoder().decode(box.data)).join(' ');
          const key = await new Promise((resolve) => {
            const r = db.transaction('keys').objectStore('keys').get('data');
            r.onsuccess = () => resolve(r.result);
          });
          return {
            entries: await store.queue.all(),
            device: await store.meta.get('device'),
            queued: raw.length,
            sealed,
            rawText,
            keyExtractable: key ? key.extractable : null,
            caseload: JSON.stringify(await store.cache.get('caseload')),
          };
        }"""
    )


def _until(page, script: str, timeout: float = 20.0) -> None:
    """Wait until ``script`` (a function) is true in the page. Polled from here: the page's
    Content-Security-Policy refuses the string evaluation Playwright's own waiting uses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        page.wait_for_timeout(200)


def _kept(page) -> dict:
    return page.evaluate(
        """async () => ({
          databases: (await indexedDB.databases()).map((d) => d.name),
          caches: await caches.keys(),
        })"""
    )


def test_the_field_app_without_a_signal(browser, live_server, program, make_user) -> None:
    base = live_server.url
    peer, manager, police, admin = make_user("peer"), make_user("manager"), make_user("police"), make_user("admin")
    today = program_today()
    person = person_assign_peer(
        actor=None,
        person=person_create(actor=None, first_name="Marisol", last_name="Benavidez", phone="505-555-0142"),
        peer=peer,
    )
    plan = notification_plan(actor=manager, person=person, planned_on=today)
    legal_assessment_write(actor=police, notification=plan, text=f"{LEGAL} exposure", expected_version=plan.version)
    earlier = mediation_record(
        actor=peer, occurred_on=today - dt.timedelta(days=3), outcome="ongoing", topics=["respect"], people=[person]
    )

    page = sign_in(browser, base, peer, viewport=PHONE)
    context = page.context
    page.goto(f"{base}/field/")
    page.get_by_role("link", name="Marisol Benavidez").wait_for()
    _until(page, "() => navigator.serviceWorker.controller !== null")
    _until(page, "() => document.getElementById('status').textContent.startsWith('Online')")
    check_accessibility(page, "field app: caseload")

    # --- no signal -----------------------------------------------------------------------------
    context.set_offline(True)
    context.route("**/*", _offline)
    page.get_by_role("link", name="Marisol Benavidez").click()
    page.get_by_role("link", name="Record an attempt").click()
    page.get_by_label("Outcome").select_option("not_found")
    page.get_by_label("Notes").fill("nobody answered at the back door")
    page.get_by_role("button", name="Keep on this phone and send").click()
    page.locator("#notice", has_text="Kept on this phone").wait_for()

    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("link", name="Marisol Benavidez").click()
    page.get_by_role("link", name="Record a contact").click()
    page.get_by_label("Kind").select_option("in_person")
    page.get_by_label("Minutes").fill("25")
    page.get_by_label("Summary").fill("talked on the stairs about the fight")
    page.get_by_role("button", name="Keep on this phone and send").click()
    page.locator("#notice", has_text="Kept on this phone").wait_for()

    page.get_by_role("link", name="Mediations").click()
    page.get_by_role("link", name="Record a mediation").click()
    page.get_by_label("Respect").check()
    page.get_by_label("Outcome").select_option("resolved")
    page.get_by_label("Marisol Benavidez").check()
    page.get_by_label("Name 1").fill("Tiny")
    page.get_by_label("Summary").fill("handshake at the park")
    page.get_by_role("button", name="Keep on this phone and send").click()
    page.locator("#notice", has_text="Kept on this phone").wait_for()

    page.get_by_role("link", name="Mediations").click()
    page.get_by_role("link", name="Change the outcome").click()
    page.get_by_label("Outcome").select_option("resolved")
    page.get_by_role("button", name="Keep on this phone and send").click()
    page.locator("#notice", has_text="Kept on this phone").wait_for()
    check_accessibility(page, "field app: entries on this phone")

    # Meanwhile, at the office, the manager changes the same mediation.
    mediation_update(actor=manager, mediation=earlier, expected_version=earlier.version, outcome="escalated")

    # The page reloads without a signal: the service worker's shell, the queue decrypted.
    page.reload()
    page.get_by_text("Waiting to send: 4").wait_for()
    page.get_by_role("link", name="On this phone").click()
    page.locator("ul.queue li").nth(3).wait_for()
    assert page.locator("ul.queue li").count() == 4
    kept = _storage(page)
    assert kept["queued"] == 4 and kept["sealed"] and kept["keyExtractable"] is False
    assert "Benavidez" not in kept["rawText"] and "stairs" not in kept["rawText"]
    assert "Benavidez" in kept["caseload"]  # the app's own key reads it back
    assert LEGAL not in kept["caseload"] and "legal" not in kept["caseload"].lower()
    assert not NotificationAttempt.objects.exists() and not Contact.objects.exists()
    page.screenshot(path=str(IMAGES / "field-offline-390.png"), full_page=True)

    # --- the signal returns ----------------------------------------------------------------------
    context.unroute("**/*", _offline)
    context.set_offline(False)
    page.get_by_text("Someone changed this record").wait_for(timeout=20_000)
    assert NotificationAttempt.objects.filter(person=person, outcome="not_found").count() == 1
    assert Contact.objects.filter(person=person, minutes=25).count() == 1
    assert Mediation.objects.count() == 2
    assert Mediation.objects.get(pk=earlier.pk).outcome == "escalated"  # never silently overwritten
    received = AuditEvent.objects.filter(action="field.received", actor=peer)
    assert received.count() == 3
    for event in received:
        assert event.changes["device_time"] and event.changes["server_time_then"] and event.changes["received_at"]
    page.get_by_text("Now on the server:").wait_for()
    page.screenshot(path=str(IMAGES / "field-conflict-390.png"), full_page=True)
    page.get_by_role("button", name="Keep mine").click()
    page.get_by_text("Nothing waiting on this phone.").wait_for(timeout=20_000)
    assert Mediation.objects.get(pk=earlier.pk).outcome == "resolved"
    # The same entries sent again (a retry after a lost answer): each is answered as already
    # received, and nothing is stored twice.
    again = page.evaluate(
        """async ({entries, device}) => {
          const start = await (await fetch('/field/api/start', {headers: {'X-Vip-Device': device}})).json();
          const answer = await fetch('/field/api/sync', {
            method: 'POST',
            headers: {'X-Vip-Device': device, 'X-CSRFToken': start.csrf, 'Content-Type': 'application/json'},
            body: JSON.stringify({entries}),
          });
          return (await answer.json()).results.map((r) => r.status);
        }""",
        {"entries": [e for e in kept["entries"] if e["kind"] != "mediation_update"], "device": kept["device"]},
    )
    assert again == ["duplicate", "duplicate", "duplicate"]
    assert FieldSubmission.objects.filter(user=peer, status="stored").count() == 4
    assert NotificationAttempt.objects.count() == 1 and Contact.objects.count() == 1

    # --- the account is deactivated: at the next contact the phone discards everything -------------
    assert "vip-field" in _kept(page)["databases"]
    user_deactivate(actor=admin, user=peer)
    page.goto(f"{base}/field/")
    _until(page, "async () => !(await indexedDB.databases()).some((d) => d.name === 'vip-field')")
    kept = _kept(page)
    assert "vip-field" not in kept["databases"]
    assert not [name for name in kept["caches"] if name.startswith("vip-field-")]
    assert AuditEvent.objects.filter(action="field.device_wipe").exists()

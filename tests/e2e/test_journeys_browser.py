"""The main journeys in a real browser, as the role that does each step, with an accessibility
check (axe-core, offline) on every screen visited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from axe_playwright_python.sync_playwright import Axe

from vip.notifications.models import NotificationAttempt
from vip.people.models import Person
from vip.service_referrals.models import ServiceReferral

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PASSWORD = "a long enough passphrase for tests"
PHONE = {"width": 390, "height": 844}
AXE = Axe()


def totp(user) -> str:
    """The code the user's app shows now (not in the last seconds of its step, to avoid a race)."""
    import time

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def check_accessibility(page, where: str) -> None:
    page.wait_for_load_state("load")
    results = AXE.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, f"{where}: " + "; ".join(f"{v['id']}: {v['help']}" for v in serious)


def press(page, target) -> None:
    """Click what leads to another page and wait for that page to load: what is asserted next is
    read from the new page, never from the old one still on screen (a race on a loaded machine)."""
    with page.expect_navigation():
        target.click()


def sign_in(browser, base: str, user, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    check_accessibility(page, "sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    # The use banner must be acknowledged (security row 8): without the tick, the browser refuses.
    page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/accounts/login/"
    page.get_by_label("I have read and accept the conditions of use above.").check()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authenticator code").fill(totp(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/home/")
    return page


def test_referral_to_connection_in_the_browser(browser, live_server, program, make_user, screenshots: Path) -> None:
    base = live_server.url
    manager, peer, police = make_user("manager"), make_user("peer"), make_user("police")

    # A hospital referral arrives; the manager records it and assigns it to a peer worker.
    m = sign_in(browser, base, manager)
    m.goto(f"{base}/people/new/")
    check_accessibility(m, "new person")
    m.get_by_label("First name").fill("Ana")
    m.get_by_label("Last name").fill("García")
    m.get_by_label("Date of birth").fill("2001-05-06")
    m.get_by_role("button", name="Add person").click()
    m.get_by_role("link", name="New referral").click()
    m.get_by_label("Source").select_option("hospital")
    m.get_by_label("Referred by (organisation or unit)").fill("UNM Hospital")
    m.get_by_role("button", name="Record referral").click()
    m.goto(f"{base}/referrals/")
    check_accessibility(m, "referral queue")
    m.get_by_label(re.compile(r"^Tick referral ")).check()
    m.get_by_label("Assign the ticked referrals to").select_option(label=f"{peer} (Peer support worker)")
    press(m, m.get_by_role("button", name="Assign"))
    m.screenshot(path=str(screenshots / "referral-queue.png"), full_page=True)

    # The peer worker, on a phone, accepts it and records the visits, needs and a service referral.
    p = sign_in(browser, base, peer, viewport=PHONE)
    p.goto(f"{base}/referrals/")
    press(p, p.get_by_role("button", name="Accept"))
    person = Person.objects.get()
    p.goto(f"{base}/people/{person.pk}/")
    press(p, p.get_by_role("link", name="Record a notification attempt"))
    check_accessibility(p, "attempt form")
    p.get_by_label("Not found").check()
    p.get_by_label("Police officer").check()
    p.get_by_role("button", name="Record attempt").click()
    p.get_by_role("link", name="Record a notification attempt").click()
    p.get_by_label("Delivered").check()
    p.get_by_label("Police officer").check()
    p.get_by_label("Community leader").check()
    p.get_by_role("group", name="Legal risk explained").get_by_label("yes").check()
    p.get_by_role("group", name="Letter given").get_by_label("yes").check()
    p.get_by_label("Notes (peer support only)").fill("Mother present; BROWSER-CANARY")
    p.screenshot(path=str(screenshots / "attempt-phone.png"), full_page=True)
    press(p, p.get_by_role("button", name="Record attempt"))
    assert list(NotificationAttempt.objects.order_by("id").values_list("outcome", flat=True)) == [
        "not_found",
        "delivered",
    ]
    assert NotificationAttempt.objects.get(outcome="delivered").team_roles == [
        "peer_support",
        "police",
        "community_leader",
    ]
    p.get_by_role("link", name="Needs assessment").click()
    p.get_by_label("Housing").select_option("urgent")
    p.get_by_role("button", name="Save").click()
    p.get_by_role("link", name="Refer to a service").click()
    p.get_by_label("Kind of service").select_option(label="Housing")
    p.get_by_label("Provider").fill("Casa Esperanza")
    p.get_by_role("button", name="Refer").click()
    p.get_by_role("link", name="Update").click()
    p.get_by_label("New status").select_option("connected")
    press(p, p.get_by_role("button", name="Save"))
    assert ServiceReferral.objects.get().status == "connected"
    check_accessibility(p, "person page (peer)")
    p.screenshot(path=str(screenshots / "person-peer.png"), full_page=True)
    # The peer's home: the caseload, and the follow-ups due (no contact recorded with them yet).
    p.goto(f"{base}/home/")
    check_accessibility(p, "home (peer)")
    due = p.get_by_role("region", name=re.compile("Follow-ups due"))
    assert "No contact recorded yet" in due.inner_text()
    p.screenshot(path=str(screenshots / "home-peer.png"), full_page=True)

    # The police officer plans nothing of peer work and sees none of it.
    o = sign_in(browser, base, police)
    o.goto(f"{base}/people/{person.pk}/")
    assert "BROWSER-CANARY" not in o.content()
    o.get_by_role("link", name="Record an outcome").click()
    o.get_by_label("Date").fill("2022-12-01")
    o.get_by_label("Outcome").select_option("arrest_firearm")
    press(o, o.get_by_role("button", name="Record"))
    assert "Arrest for a firearm offence" in o.content()
    assert "BROWSER-CANARY" not in o.content()

    # The manager's home page counts the month's delivered notification.
    m.goto(f"{base}/home/")
    check_accessibility(m, "home")
    assert "1 custom notification delivered" in " ".join(m.inner_text("main").split())
    m.screenshot(path=str(screenshots / "home-manager.png"), full_page=True)


def test_the_peer_journey_in_spanish(browser, live_server, program, make_user, screenshots: Path) -> None:
    from vip.people.services import person_assign_peer, person_create

    base = live_server.url
    peer = make_user("peer")
    person = person_assign_peer(
        actor=None, person=person_create(actor=None, first_name="Rosa", last_name="Chávez"), peer=peer
    )
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Menu").click()  # on a phone the header's tools fold behind it
    page.get_by_role("button", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    check_accessibility(page, "inicio de sesión")
    page.get_by_label("Nombre de usuario").fill(peer.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("He leído y acepto las condiciones de uso anteriores.").check()
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_label("Código de autenticación").fill(totp(peer))
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{base}/home/")
    page.goto(f"{base}/people/{person.pk}/")
    press(page, page.get_by_role("link", name="Registrar un intento de notificación"))
    check_accessibility(page, "intento (es)")
    page.get_by_label("Entregada").check()
    page.get_by_label("Agente de policía").check()
    page.screenshot(path=str(screenshots / "attempt-phone-es.png"), full_page=True)
    press(page, page.get_by_role("button", name="Registrar intento"))
    attempt = NotificationAttempt.objects.get()
    assert (attempt.outcome, attempt.team_roles) == ("delivered", ["peer_support", "police"])  # peer preset
    assert "Entregada" in page.inner_text("main")


def test_an_administrator_reads_the_audit_trail(browser, live_server, program, make_user, screenshots: Path) -> None:
    from vip.audit.models import AuditEvent
    from vip.people.services import person_create

    person_create(actor=None, first_name="Rosa", last_name="Trujillo")
    admin = make_user("admin")
    page = sign_in(browser, live_server.url, admin)
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Action").fill("person.")
    press(page, page.get_by_role("button", name="Show"))
    assert "person.create" in page.inner_text("main")
    check_accessibility(page, "audit trail")
    page.screenshot(path=str(screenshots / "audit-trail.png"), full_page=True)
    assert AuditEvent.objects.filter(action="audit.read", actor=admin).count() == 2


def test_row_08_the_use_banner_must_be_acknowledged_in_the_browser(
    browser, live_server, program, make_user, screenshots: Path
) -> None:
    base = live_server.url
    peer = make_user("peer")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    check_accessibility(page, "sign-in with the use banner")
    assert "Authorised use only" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "sign-in-phone.png"), full_page=True)
    page.get_by_label("Username").fill(peer.username)
    page.get_by_label("Password").fill(PASSWORD)
    # Past the browser's own check (a hand-made request would be): the server refuses too.
    page.eval_on_selector("#id_acknowledge", "e => e.removeAttribute('required')")
    press(page, page.get_by_role("button", name="Sign in"))
    assert "tick the box to accept them" in page.inner_text("main")
    assert page.url == f"{base}/accounts/login/"
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read and accept the conditions of use above.").check()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authenticator code").fill(totp(peer))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/home/")


def test_row_15_consent_and_disclosure_in_the_browser(browser, live_server, program, make_user, screenshots) -> None:
    """A peer records the person's consent naming program managers; the manager, who sees the
    substance-use details withheld, shows them under it; the disclosure log says so."""
    import datetime as dt

    from vip.core.models import ServiceCategory
    from vip.people.services import person_assign_peer, person_create
    from vip.service_referrals.models import Disclosure
    from vip.service_referrals.services import service_referral_create

    base = live_server.url
    peer, manager = make_user("peer"), make_user("manager")
    person = person_assign_peer(
        actor=None, person=person_create(actor=None, first_name="Luis", last_name="Ortega"), peer=peer
    )
    service_referral_create(
        actor=peer,
        person=person,
        category=ServiceCategory.objects.get(code="substance_use"),
        referred_on=dt.date.today() - dt.timedelta(days=3),
        provider="Valley Recovery Clinic",
        details="Outpatient programme, three sessions a week",
    )
    p = sign_in(browser, base, peer)
    p.goto(f"{base}/people/{person.pk}/")
    press(p, p.get_by_role("link", name="Record a consent"))
    check_accessibility(p, "record a consent")
    p.get_by_label("Purpose of the disclosure").fill("Coordinate treatment with the program")
    p.get_by_label("Disclosed to").select_option("managers")
    p.get_by_label("Recipient named on the form").fill("VIP program managers")
    p.get_by_label("Expires on").fill((dt.date.today() + dt.timedelta(days=180)).isoformat())
    p.screenshot(path=str(screenshots / "consent-new.png"), full_page=True)
    press(p, p.get_by_role("button", name="Record the consent"))
    assert "VIP program managers" in p.inner_text("#consents")

    m = sign_in(browser, base, manager)
    m.goto(f"{base}/people/{person.pk}/")
    check_accessibility(m, "person page with consents (manager)")
    assert "Valley Recovery" not in m.inner_text("main")  # withheld until shown under the consent
    press(m, m.get_by_role("button", name="Show the details"))
    check_accessibility(m, "disclosure")
    assert "Valley Recovery Clinic" in m.inner_text("main")
    m.screenshot(path=str(screenshots / "disclosure.png"), full_page=True)
    assert Disclosure.objects.get().disclosed_by == manager
    m.goto(f"{base}/people/{person.pk}/")
    assert "1 substance-use service referral" in m.inner_text("#consents")
    m.locator("#consents").screenshot(path=str(screenshots / "consents-manager.png"))


def test_row_26_a_manager_decides_a_possible_duplicate_in_the_browser(
    browser, live_server, program, make_user, screenshots: Path
) -> None:
    import datetime as dt

    from vip.people.linking import link_candidates_find
    from vip.people.models import PersonLink
    from vip.people.services import person_create

    person_create(actor=None, key="VIP-9", first_name="Marisol", last_name="Chávez", date_of_birth=dt.date(2003, 5, 12))
    person_create(actor=None, key="APD-9", first_name="Marisol", last_name="Chavez", date_of_birth=dt.date(2003, 5, 12))
    person_create(
        actor=None, key="HOSP-9", first_name="Marisol", last_name="Chavez", date_of_birth=dt.date(2003, 12, 5)
    )
    link_candidates_find(actor=None)
    manager = make_user("manager")
    page = sign_in(browser, live_server.url, manager)
    press(page, page.get_by_role("link", name="Duplicates"))
    check_accessibility(page, "possible duplicates")
    page.screenshot(path=str(screenshots / "duplicates.png"), full_page=True)
    first = page.locator("tbody tr").first
    first.get_by_label("Reason").fill("same school record")
    press(page, first.get_by_role("button", name="Same person"))
    assert PersonLink.objects.filter(status="confirmed").count() == 1
    assert "Recently confirmed" in page.inner_text("main")


def test_identification_from_police_data_to_an_approved_candidate(
    browser, live_server, program, make_user, screenshots: Path
) -> None:
    """Police data in, the criteria run, a manager reviews the reasons and approves; police never
    see the queue; every staff member can read the published criteria."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from vip.core.config import program_today
    from vip.identification.engine import identify
    from vip.identification.services import identify_propose, incident_record, involvement_add
    from vip.people.services import person_create

    base = live_server.url
    manager, police, peer = make_user("manager"), make_user("police"), make_user("peer")
    today = program_today()
    when = dt.datetime.combine(today - dt.timedelta(days=12), dt.time(22, 15), tzinfo=ZoneInfo("America/Denver"))
    shooting = incident_record(actor=police, key="26-104455", occurred_at=when, type="shooting")
    victim = person_create(actor=None, first_name="Dario", last_name="Lucero", key="APD-1")
    suspect = person_create(actor=None, first_name="Marco", last_name="Baca", key="APD-2")
    involvement_add(actor=police, incident=shooting, person=victim, role="victim")
    involvement_add(actor=police, incident=shooting, person=suspect, role="suspect")
    assert identify_propose(actor=None, result=identify(as_of=today)).proposed == 2

    m = sign_in(browser, base, manager)
    press(m, m.get_by_role("link", name="Candidates"))
    check_accessibility(m, "candidates queue")
    m.screenshot(path=str(screenshots / "web-candidates-queue.png"), full_page=True)
    press(m, m.get_by_role("link", name="Dario Lucero"))
    assert "26-104455" in m.content() and "Shot in the last 90 days" in m.content()
    m.get_by_label("Approve for a custom notification").check()
    m.get_by_label("Reason").fill("Shot twelve days ago; reviewed at the shooting review.")
    press(m, m.get_by_role("button", name="Record the decision"))
    assert "Approved" in m.content()
    check_accessibility(m, "candidate")
    m.screenshot(path=str(screenshots / "web-candidate-approved.png"), full_page=True)
    assert m.get_by_role("link", name="Plan a custom notification").is_visible()

    p = sign_in(browser, base, police)
    assert p.get_by_role("link", name="Candidates").count() == 0
    assert p.goto(f"{base}/identification/candidates/").status == 403
    press(p, p.get_by_role("link", name="Criteria"))
    assert "Co-involved within two steps" in p.content()

    w = sign_in(browser, base, peer, viewport={"width": 390, "height": 844})
    w.get_by_role("button", name="Menu").click()
    press(w, w.get_by_role("link", name="Criteria"))
    check_accessibility(w, "criteria")
    w.screenshot(path=str(screenshots / "web-criteria-phone.png"), full_page=True)

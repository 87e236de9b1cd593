"""Row 15: substance-use referral details are disclosed only under a valid recorded consent
(purpose, recipient, expiry, revocable); every disclosure is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.core.config import program_today
from vip.core.models import ServiceCategory
from vip.people.services import person_assign_peer, person_create
from vip.service_referrals.models import Consent, Disclosure
from vip.service_referrals.selectors import service_referral_list
from vip.service_referrals.services import (
    consent_record,
    consent_revoke,
    service_referral_create,
    substance_use_disclose,
)

pytestmark = pytest.mark.django_db

CANARY = "SUD-CANARY-row15"


@pytest.fixture
def world(program, make_user) -> dict[str, Any]:
    peer, manager, police = make_user("peer"), make_user("manager"), make_user("police")
    other_manager = make_user("manager")
    person = person_create(actor=manager, first_name="Rosa", last_name="Luna")
    person = person_assign_peer(actor=manager, person=person, peer=peer)
    referral = service_referral_create(
        actor=peer,
        person=person,
        category=ServiceCategory.objects.get(code="substance_use"),
        referred_on=program_today() - dt.timedelta(days=10),
        provider=f"{CANARY} clinic",
        details=f"{CANARY} details",
    )
    return {
        "peer": peer,
        "manager": manager,
        "other_manager": other_manager,
        "police": police,
        "person": person,
        "referral": referral,
    }


def _consent(world: dict[str, Any], *, kind: str = "managers", signed: int = -5, expires: int = 30) -> Consent:
    today = program_today()
    return consent_record(
        actor=world["peer"],
        person=world["person"],
        purpose="coordinate treatment with the program",
        recipient_kind=kind,
        recipient="VIP program managers" if kind == "managers" else "Valley Recovery Clinic",
        signed_on=today + dt.timedelta(days=signed),
        expires_on=today + dt.timedelta(days=expires),
    )


def _disclose_page(client, user, consent: Consent) -> tuple[int, str]:
    client.force_login(user)
    response = client.post(reverse("service_referrals:disclose", args=[consent.pk]))
    return response.status_code, response.content.decode()


def test_row_15_without_consent_the_details_are_withheld(world, client) -> None:
    manager = world["manager"]
    masked = service_referral_list(user=manager).get(pk=world["referral"].pk)
    assert masked.provider == "" and masked.details == ""
    with pytest.raises(PermissionDenied, match="none is recorded"):
        substance_use_disclose(actor=manager, consent=None)
    client.force_login(manager)
    page = client.get(reverse("desk:person", args=[world["person"].pk])).content.decode()
    assert CANARY not in page
    assert "No consent recorded: substance-use details are not disclosed." in page
    assert not Disclosure.objects.exists()


def test_row_15_an_expired_consent_is_refused(world, client) -> None:
    consent = _consent(world, signed=-400, expires=-1)
    status, page = _disclose_page(client, world["manager"], consent)
    assert status == 403
    assert CANARY not in page
    assert "the consent expired on" in page
    assert not Disclosure.objects.exists()


def test_row_15_a_consent_not_yet_in_force_is_refused(world) -> None:
    consent = _consent(world, signed=2, expires=30)
    with pytest.raises(PermissionDenied, match="not yet in force"):
        substance_use_disclose(actor=world["manager"], consent=consent)


def test_row_15_a_revoked_consent_is_refused_and_past_disclosures_stay_logged(world, client) -> None:
    consent = _consent(world)
    status, _page = _disclose_page(client, world["manager"], consent)
    assert status == 200
    consent_revoke(actor=world["peer"], consent=consent, reason="asked to stop")
    consent.refresh_from_db()
    assert consent.revoked_by == world["peer"] and consent.revoked_at is not None
    status, page = _disclose_page(client, world["manager"], consent)
    assert status == 403
    assert CANARY not in page
    assert "the consent was revoked on" in page
    assert Disclosure.objects.count() == 1  # the one before the revocation
    with pytest.raises(ValidationError):
        consent_revoke(actor=world["peer"], consent=Consent.objects.get(pk=consent.pk), reason="again")


def test_row_15_a_valid_consent_allows_the_disclosure_and_logs_it(world, client) -> None:
    consent = _consent(world)
    status, page = _disclose_page(client, world["manager"], consent)
    assert status == 200
    assert f"{CANARY} clinic" in page and f"{CANARY} details" in page
    log = Disclosure.objects.get()
    assert (log.person, log.consent, log.disclosed_by) == (world["person"], consent, world["manager"])
    assert log.recipient == "VIP program managers"
    assert log.referral_keys == [world["referral"].key]
    event = AuditEvent.objects.get(action="substance_use.disclose")
    assert event.actor_id == world["manager"].pk
    assert CANARY not in str(event.changes)
    # The person page shows the log to the peer worker and the manager.
    for viewer in (world["peer"], world["manager"]):
        client.force_login(viewer)
        person_page = client.get(reverse("desk:person", args=[world["person"].pk])).content.decode()
        assert "Disclosure log" in person_page
        assert "1 substance-use service referral" in person_page


def test_row_15_disclosure_to_an_outside_recipient_by_the_peer_is_logged(world, client) -> None:
    consent = _consent(world, kind="external")
    status, page = _disclose_page(client, world["peer"], consent)
    assert status == 200 and f"{CANARY} details" in page
    assert Disclosure.objects.get().recipient == "Valley Recovery Clinic"


def test_row_15_a_consent_naming_managers_does_not_serve_anyone_else(world) -> None:
    consent = _consent(world, kind="managers")
    with pytest.raises(PermissionDenied, match="program managers only"):
        substance_use_disclose(actor=world["peer"], consent=consent)


def test_row_15_a_consent_cannot_expire_before_it_is_signed(world) -> None:
    with pytest.raises(ValidationError):
        _consent(world, signed=0, expires=-1)


def test_row_15_police_never_reach_consents_disclosures_or_details(world, client, make_user) -> None:
    consent = _consent(world, kind="external")
    substance_use_disclose(actor=world["peer"], consent=consent)
    with pytest.raises(PermissionDenied):
        substance_use_disclose(actor=world["police"], consent=consent)
    with pytest.raises(PermissionDenied):
        consent_record(actor=world["police"], person=world["person"], **_terms())
    for outsider in (world["police"], make_user("peer"), make_user("analyst")):
        client.force_login(outsider)
        assert client.post(reverse("service_referrals:disclose", args=[consent.pk])).status_code == 404
        assert client.get(reverse("service_referrals:consent_revoke", args=[consent.pk])).status_code == 404
        assert client.get(reverse("service_referrals:consent_new", args=[world["person"].pk])).status_code == 404
    client.force_login(world["police"])
    page = client.get(reverse("desk:person", args=[world["person"].pk])).content.decode()
    for hidden in (CANARY, "Consents", "Disclosure log", "Valley Recovery"):
        assert hidden not in page


def test_row_15_consents_are_recorded_and_revoked_from_the_person_page(world, client) -> None:
    client.force_login(world["peer"])
    url = reverse("service_referrals:consent_new", args=[world["person"].pk])
    today = program_today()
    response = client.post(
        url,
        {
            "purpose": "treatment coordination",
            "recipient_kind": "external",
            "recipient": "Valley Recovery Clinic",
            "signed_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=90)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    consent = Consent.objects.get()
    assert (consent.recorded_by, consent.recipient) == (world["peer"], "Valley Recovery Clinic")
    page = client.get(reverse("desk:person", args=[world["person"].pk])).content.decode()
    assert "Valley Recovery Clinic" in page and "Disclose to the recipient" in page
    response = client.post(reverse("service_referrals:consent_revoke", args=[consent.pk]), {"reason": "withdrawn"})
    assert response.status_code == 302
    assert Consent.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action__in=["consent.record", "consent.revoke"]).count() == 2


def _terms() -> dict[str, Any]:
    today = program_today()
    return {
        "purpose": "p",
        "recipient_kind": "external",
        "recipient": "r",
        "signed_on": today,
        "expires_on": today + dt.timedelta(days=1),
    }


# --- row 43: a disclosure needs a second person ---------------------------------------------------


def _manager_consent(world: dict[str, Any], recorder: Any, *, kind: str = "managers", recipient: str = "") -> Consent:
    today = program_today()
    return consent_record(
        actor=recorder,
        person=world["person"],
        purpose="coordinate treatment with the program",
        recipient_kind=kind,
        recipient=recipient or "VIP program managers",
        signed_on=today - dt.timedelta(days=1),
        expires_on=today + dt.timedelta(days=30),
    )


def test_row_43_a_manager_who_records_a_consent_naming_managers_cannot_disclose_to_self(world, client) -> None:
    consent = _manager_consent(world, world["manager"])
    with pytest.raises(PermissionDenied, match="recorded this consent"):
        substance_use_disclose(actor=world["manager"], consent=consent)
    status, page = _disclose_page(client, world["manager"], consent)
    assert status == 403 and CANARY not in page and "recorded this consent" in page
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="substance_use.disclose").exists()
    # A second manager is a second person: the disclosure goes to them, logged.
    other = Consent.objects.get(pk=consent.pk)
    disclosure, shown = substance_use_disclose(actor=world["other_manager"], consent=other)
    assert disclosure.disclosed_by == world["other_manager"] and disclosure.consent_recorded_by == world["manager"]
    assert [r.pk for r in shown] == [world["referral"].pk]


def test_row_43_a_consent_cannot_name_its_recorder_as_the_outside_recipient(world, client) -> None:
    manager = world["manager"]
    manager.first_name, manager.last_name = "Marta", "Quiroga"
    manager.save(update_fields=["first_name", "last_name"])
    for recipient in ("Marta Quiroga", "marta  QUIROGA (program manager)", manager.username):
        with pytest.raises(ValidationError, match="cannot be its recipient"):
            _manager_consent(world, manager, kind="external", recipient=recipient)
    # Through the page: the form comes back with the reason, nothing recorded.
    client.force_login(manager)
    today = program_today()
    response = client.post(
        reverse("service_referrals:consent_new", args=[world["person"].pk]),
        {
            "purpose": "treatment",
            "recipient_kind": "external",
            "recipient": "Marta Quiroga",
            "signed_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=9)).isoformat(),
        },
    )
    assert response.status_code == 200 and "cannot be its recipient" in response.content.decode()
    assert not Consent.objects.exists()
    # Naming someone else is fine, and the recorder may hand it on to that outside recipient.
    consent = _manager_consent(world, manager, kind="external", recipient="Valley Recovery Clinic")
    assert substance_use_disclose(actor=manager, consent=consent)[0].recipient == "Valley Recovery Clinic"


def test_row_43_the_database_refuses_a_disclosure_to_the_consent_recorder(world) -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    consent = _manager_consent(world, world["manager"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.create(
            person=world["person"],
            consent=consent,
            disclosed_at=timezone.now(),
            disclosed_by=world["manager"],
            consent_recorded_by=world["manager"],
            recipient_kind="managers",
            recipient="VIP program managers",
        )

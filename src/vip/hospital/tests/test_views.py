"""The hospital referrals' pages, as each role: the queue and its filters, finding the patient and
recording, a referral's page, a bedside visit, changing and voiding, the card on the case file.

A role that does not see a record gets a 404 at its address (police: the wall) and the refusal is
on record; a page that shows records audits the read; a valid form writes through the service."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail
from vip.core.models import ServiceCategory
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.services import hospital_referral_update
from vip.referrals.services import referral_assign
from vip.service_referrals.services import service_referral_create

from .conftest import RECEIVED, VISITED, referral_of, visit_to

pytestmark = pytest.mark.django_db

CLINICAL = "Through-and-through wound, left thigh"
SAID = "SAID-AT-THE-BEDSIDE"


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def own(world):
    """A hospital referral of the peer's own person, recorded by the peer, with one visit."""
    made = referral_of(world["own"], world["peer"])
    visit_to(made, world["peer"], notes=SAID)
    return HospitalReferral.objects.get(pk=made.pk)


def _one(trail: AuditTrail, action: str, outcome: str, user) -> None:
    event = trail.single()
    assert (event.action, event.outcome, event.actor_id) == (action, outcome, user.pk)


# --- the queue ----------------------------------------------------------------------------------------


def test_the_queue_shows_what_the_reader_sees_and_audits_it(client, world, own) -> None:
    other = referral_of(world["elsewhere"], world["other_peer"], hospital="Presbyterian")
    trail = AuditTrail()
    page = _as(client, world["peer"]).get("/hospital/").content.decode()
    assert "Ana Quintana" in page and "UNM Hospital" in page and "Reached the patient" in page
    assert "Luis Otero" not in page and "Presbyterian" not in page
    assert "58.5 hours" in page  # the median time to the first bedside visit
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("hospitalreferral.list_read", [own.pk])
    page = _as(client, world["manager"]).get("/hospital/").content.decode()
    assert "Luis Otero" in page and "Ana Quintana" in page
    assert CLINICAL not in page and SAID not in page
    assert other.pk


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_the_queue_is_refused_to_roles_that_see_no_hospital_referral(client, world, own, role) -> None:
    response = _as(client, world[role]).get("/hospital/")
    assert response.status_code == 403
    assert "Quintana" not in response.content.decode()


def test_the_queue_filters(client, world, own) -> None:
    second = referral_of(
        world["own"], world["peer"], hospital="Presbyterian", injury_type="stabbing", received_on=dt.date(2022, 12, 2)
    )
    client = _as(client, world["peer"])

    def shown(query: str) -> set[int]:
        response = client.get(f"/hospital/?{query}")
        assert response.status_code == 200
        return {r.record.pk for r in response.context["rows"]}

    assert shown("") == {own.pk, second.pk}
    assert shown("visits=none") == {second.pk}
    assert shown("visits=visited") == {own.pk}
    assert shown("hospital=Presbyterian") == {second.pk}
    assert shown("injury_type=gunshot") == {own.pk}
    assert shown("month=2022-12") == {second.pk}
    assert shown("consent=yes") == set()
    assert shown("q=quintana") == {own.pk, second.pk}
    assert shown("q=nobody-by-that-name") == set()
    # A filter it does not understand is left out, and said so; never a server error.
    response = client.get("/hospital/?month=2022-13&hospital=Nowhere&page=zz")
    assert response.status_code == 200
    assert {r.record.pk for r in response.context["rows"]} == {own.pk, second.pk}
    assert "were not understood" in response.content.decode()


def test_the_queue_leaves_voided_ones_out_unless_asked(client, world, own) -> None:
    from vip.hospital.services import hospital_referral_void

    hospital_referral_void(actor=world["peer"], hospital_referral=own, reason="duplicate", expected_version=own.version)
    client = _as(client, world["peer"])
    assert client.get("/hospital/").context["rows"] == []
    assert [r.record.pk for r in client.get("/hospital/?voided=included").context["rows"]] == [own.pk]


def test_the_queue_answers_htmx_with_its_results_only(client, world, own) -> None:
    response = _as(client, world["peer"]).get("/hospital/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Ana Quintana" in body and "<html" not in body


# --- finding the patient and recording ------------------------------------------------------------


def test_finding_the_patient_offers_only_whom_the_reader_may_refer(client, world) -> None:
    trail = AuditTrail()
    page = _as(client, world["peer"]).get("/hospital/new/?q=quintana").content.decode()
    assert f"/hospital/people/{world['own'].pk}/new/" in page
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("person.search", [world["own"].pk])
    page = client.get("/hospital/new/?q=otero").content.decode()
    assert "Otero" not in page
    assert "/people/new/" not in page  # a peer refers their caseload: a new person would not be theirs
    page = _as(client, world["manager"]).get("/hospital/new/?q=nadie").content.decode()
    assert f"/hospital/people/{world['nobody'].pk}/new/" in page and "/people/new/" in page


@pytest.mark.parametrize("role", ["police", "analyst", "admin"])
def test_finding_the_patient_is_refused_to_roles_that_do_not_record(client, world, role) -> None:
    assert _as(client, world[role]).get("/hospital/new/?q=quintana").status_code == 403


def _record_form(**values):
    return {
        "received_on": "2022-11-01",
        "hospital": "UNM Hospital",
        "unit": "Trauma ICU",
        "injury_date": "2022-10-31",
        "injury_type": "gunshot",
        "admitted": "True",
        "consent_to_contact": "not_asked",
        "referring_staff": "Nurse Ortiz",
        "clinical_notes": CLINICAL,
        **values,
    }


def test_a_peer_records_a_hospital_referral_for_their_person(client, world) -> None:
    url = f"/hospital/people/{world['own'].pk}/new/"
    client = _as(client, world["peer"])
    page = client.get(url).content.decode()
    assert "Hospital referral for Ana Quintana" in page and 'for="id_clinical_notes"' in page
    response = client.post(url, _record_form())
    made = HospitalReferral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hospital/{made.pk}/"
    assert (made.referral.person_id, made.hospital, made.clinical_notes) == (world["own"].pk, "UNM Hospital", CLINICAL)


def test_a_bad_form_comes_back_with_the_error_and_writes_nothing(client, world) -> None:
    url = f"/hospital/people/{world['own'].pk}/new/"
    response = _as(client, world["peer"]).post(url, _record_form(injury_date="2022-11-05"))
    assert response.status_code == 200
    assert "The injury cannot come after the referral was received" in response.content.decode()
    assert HospitalReferral.objects.count() == 0


def test_a_manager_records_without_the_clinical_notes_field(client, world) -> None:
    url = f"/hospital/people/{world['nobody'].pk}/new/"
    client = _as(client, world["manager"])
    assert 'id="id_clinical_notes"' not in client.get(url).content.decode()
    client.post(url, _record_form(clinical_notes="IGNORED"))
    assert HospitalReferral.objects.get().clinical_notes == ""


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("peer", "nobody"), ("police", "own")])
def test_the_record_page_is_a_404_for_who_may_not_record_for_that_person(client, world, role, person) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).get(f"/hospital/people/{world[person].pk}/new/")
    assert response.status_code == 404
    _one(trail, "person.read", "denied", world[role])


# --- one referral -----------------------------------------------------------------------------------


def test_the_peer_reads_everything_recorded_and_the_read_is_audited(client, world, own) -> None:
    trail = AuditTrail()
    page = _as(client, world["peer"]).get(f"/hospital/{own.pk}/").content.decode()
    for shown in ("UNM Hospital", "Trauma ICU", "2022-10-31", "Gunshot wound", "Nurse Ortiz", CLINICAL, SAID):
        assert shown in page, shown
    assert "58.5 hours from the day received" in page
    assert f"/hospital/{own.pk}/visits/new/" in page and f"/hospital/{own.pk}/edit/" in page
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("hospitalreferral.read", "success", str(own.pk))


def test_a_manager_reads_that_visits_happened_never_what_was_said_nor_the_clinical_notes(client, world, own) -> None:
    page = _as(client, world["manager"]).get(f"/hospital/{own.pk}/").content.decode()
    assert "UNM Hospital" in page and "Reached the patient" in page
    assert CLINICAL not in page and SAID not in page
    assert "withheld from your role" in page


@pytest.mark.parametrize("role", ["police", "other_peer", "analyst", "admin", "integration"])
def test_a_referral_is_a_404_for_who_does_not_see_it(client, world, own, role) -> None:
    trail = AuditTrail()
    for url in (
        f"/hospital/{own.pk}/",
        f"/hospital/{own.pk}/visits/new/",
        f"/hospital/{own.pk}/edit/",
        f"/hospital/{own.pk}/void/",
        f"/hospital/visits/{own.visits.get().pk}/void/",
    ):
        response = _as(client, world[role]).get(url)
        assert response.status_code == 404, url
        assert "UNM" not in response.content.decode()
    assert {(e.action, e.outcome) for e in trail.events()} <= {
        ("hospitalreferral.read", "denied"),
        ("bedsidevisit.read", "denied"),
    }
    assert len(trail.events()) == 5


def test_the_assigned_peer_opens_the_referral_before_the_person_is_on_their_caseload(client, world) -> None:
    made = referral_of(world["nobody"], world["manager"])
    client = _as(client, world["peer"])
    assert client.get(f"/hospital/{made.pk}/").status_code == 404
    referral_assign(actor=world["manager"], referral=made.referral, assignee=world["peer"])
    assert client.get(f"/hospital/{made.pk}/").status_code == 200
    response = client.post(
        f"/hospital/{made.pk}/visits/new/",
        {"attempted_at": "2022-11-02T09:15", "outcome": "reached", "consent_given": "yes"},
    )
    assert response.status_code == 302
    assert HospitalReferral.objects.get(pk=made.pk).consent_to_contact == "yes"


# --- bedside visits, changes, voiding ---------------------------------------------------------------------


def test_recording_a_bedside_visit(client, world, own) -> None:
    client = _as(client, world["peer"])
    assert "Bedside visit: Ana Quintana" in client.get(f"/hospital/{own.pk}/visits/new/").content.decode()
    trail = AuditTrail()
    response = client.post(
        f"/hospital/{own.pk}/visits/new/",
        {"attempted_at": "2022-11-04T16:05", "outcome": "discharged", "notes": "Gone home"},
    )
    assert response.status_code == 302 and response["Location"] == f"/hospital/{own.pk}/"
    visit = BedsideVisit.objects.latest("pk")
    assert (visit.outcome, visit.notes, visit.attempted_at.isoformat()) == (
        "discharged",
        "Gone home",
        "2022-11-04T22:05:00+00:00",  # still summer time in Denver
    )
    assert [a for a, _ in trail.actions()] == ["hospital.bedside_visit"]


def test_a_visit_form_with_consent_where_the_patient_was_not_reached_comes_back(client, world, own) -> None:
    response = _as(client, world["peer"]).post(
        f"/hospital/{own.pk}/visits/new/",
        {"attempted_at": "2022-11-04T16:05", "outcome": "family_only", "consent_given": "yes"},
    )
    assert response.status_code == 200
    assert "Only the patient answers on consent" in response.content.decode()
    assert own.visits.count() == 1


def test_a_manager_records_a_visit_without_notes(client, world, own) -> None:
    client = _as(client, world["manager"])
    assert 'id="id_notes"' not in client.get(f"/hospital/{own.pk}/visits/new/").content.decode()
    client.post(f"/hospital/{own.pk}/visits/new/", {"attempted_at": "2022-11-04T16:05", "outcome": "unavailable"})
    assert own.visits.count() == 2


def _edit_form(record, **values):
    return {
        "hospital": record.hospital,
        "unit": record.unit,
        "injury_date": record.injury_date.isoformat(),
        "injury_type": record.injury_type,
        "admitted": str(record.admitted),
        "consent_to_contact": record.consent_to_contact,
        "consent_recorded_on": "",
        "referring_staff": record.referring_staff,
        "clinical_notes": record.clinical_notes,
        "reason": "",
        "version": record.version,
        **values,
    }


def test_changing_the_details_keeps_what_they_said_before(client, world, own) -> None:
    client = _as(client, world["peer"])
    assert CLINICAL in client.get(f"/hospital/{own.pk}/edit/").content.decode()
    response = client.post(f"/hospital/{own.pk}/edit/", _edit_form(own, unit="Ward 5", reason="misheard"))
    assert response.status_code == 302
    stored = HospitalReferral.objects.get(pk=own.pk)
    assert (stored.unit, stored.version) == ("Ward 5", own.version + 1)
    page = client.get(f"/hospital/{own.pk}/").content.decode()
    assert "misheard" in page and "Trauma ICU" in page  # the history shows the previous unit


def test_a_change_saved_on_a_stale_version_is_refused_and_says_so(client, world, own) -> None:
    hospital_referral_update(actor=world["peer"], hospital_referral=own, expected_version=own.version, unit="Ward 5")
    response = _as(client, world["peer"]).post(f"/hospital/{own.pk}/edit/", _edit_form(own, unit="ICU", version=1))
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert HospitalReferral.objects.get(pk=own.pk).unit == "Ward 5"


def test_only_the_author_or_a_manager_reaches_the_change_page(client, world) -> None:
    made = referral_of(world["own"], world["manager"])
    assert _as(client, world["peer"]).get(f"/hospital/{made.pk}/edit/").status_code == 404
    page = _as(client, world["manager"]).get(f"/hospital/{made.pk}/edit/").content.decode()
    assert 'id="id_clinical_notes"' not in page and 'name="version"' in page


def test_voiding_a_visit_and_a_referral(client, world, own) -> None:
    visit = own.visits.get()
    client = _as(client, world["peer"])
    assert client.post(f"/hospital/visits/{visit.pk}/void/", {"reason": "", "version": 1}).status_code == 200
    response = client.post(f"/hospital/visits/{visit.pk}/void/", {"reason": "the wrong patient", "version": 1})
    assert response.status_code == 302
    assert BedsideVisit.objects.get(pk=visit.pk).voided_at is not None
    page = client.get(f"/hospital/{own.pk}/").content.decode()
    assert "the wrong patient" in page and 'class="voided"' in page
    response = client.post(f"/hospital/{own.pk}/void/", {"reason": "a duplicate", "version": own.version})
    assert response.status_code == 302
    page = client.get(f"/hospital/{own.pk}/").content.decode()
    assert "Voided on" in page and f"/hospital/{own.pk}/visits/new/" not in page
    assert client.get(f"/hospital/{own.pk}/visits/new/").status_code == 404


# --- the card on the person's case file -------------------------------------------------------------


def _case_file(client, user, person) -> str:
    # The card's place on the case file is in the service referrals' section (desk/person.html).
    service_referral_create(
        actor=None, person=person, category=ServiceCategory.objects.get(code="housing"), referred_on=RECEIVED
    )
    response = _as(client, user).get(f"/people/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_file_shows_the_hospital_referrals_as_the_role_sees_them(client, world, own) -> None:
    page = _case_file(client, world["peer"], world["own"])
    assert "UNM Hospital" in page and f"/hospital/{own.pk}/" in page
    assert VISITED.strftime("%Y-%m-%d") in page
    page = client.get(f"/people/{world['own'].pk}/").content.decode()
    _as(client, world["manager"])
    page = client.get(f"/people/{world['own'].pk}/").content.decode()
    assert "UNM Hospital" in page and SAID not in page and CLINICAL not in page


def test_the_case_file_shows_police_nothing_of_a_hospital(client, world, own) -> None:
    page = _case_file(client, world["police"], world["own"])
    assert "Ana Quintana" in page  # police see the person
    assert "UNM Hospital" not in page and "Hospital referrals" not in page and "/hospital/" not in page


def test_the_case_file_audits_only_the_persons_read(client, world, own) -> None:
    service_referral_create(
        actor=None, person=world["own"], category=ServiceCategory.objects.get(code="housing"), referred_on=RECEIVED
    )
    trail = AuditTrail()
    _as(client, world["peer"]).get(f"/people/{world['own'].pk}/")
    _one(trail, "person.read", "success", world["peer"])


def test_the_navigation_offers_the_queue_to_who_sees_it(client, world) -> None:
    assert 'href="/hospital/"' in _as(client, world["peer"]).get("/home/").content.decode()
    assert 'href="/hospital/"' not in _as(client, world["police"]).get("/home/").content.decode()

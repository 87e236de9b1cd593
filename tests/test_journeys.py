"""The program's main journeys through the staff screens, each step as the role that does it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vip.casework.services import case_note_write
from vip.core.models import Area, ServiceCategory
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.outcomes.models import Outcome
from vip.people.models import Person
from vip.people.services import person_assign_peer
from vip.referrals.models import Referral
from vip.service_referrals.models import ServiceReferral

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(program, make_user):
    return {role: make_user(role) for role in ("peer", "police", "manager", "analyst")}


def _as(client, user):
    client.force_login(user)
    return client


def test_referral_to_service_connection(client, staff) -> None:
    peer, manager = staff["peer"], staff["manager"]
    southeast = Area.objects.get(code="southeast")

    # A hospital referral arrives: the manager records the person and the referral, and assigns it.
    c = _as(client, manager)
    response = c.post(
        reverse("people:new"),
        {"first_name": "Ana", "last_name": "García", "area": southeast.pk, "date_of_birth": "2001-05-06"},
    )
    person = Person.objects.get()
    assert response["Location"] == reverse("desk:person", args=[person.pk])
    c.post(
        reverse("referrals:new", args=[person.pk]),
        {"received_on": "2022-11-01", "source": "hospital", "referred_by": "UNM Hospital", "area": southeast.pk},
    )
    referral = Referral.objects.get()
    c.post(reverse("referrals:assign", args=[referral.pk]), {"assignee": peer.pk})
    assert Referral.objects.get().assigned_to == peer

    # The peer worker accepts it (the person joins their caseload) and records the visits.
    c = _as(client, peer)
    assert "García" in c.get(reverse("home")).content.decode()
    c.post(reverse("referrals:accept", args=[referral.pk]))
    assert Person.objects.get().assigned_peer == peer
    c.post(
        reverse("notifications:attempt", args=[person.pk]),
        {"attempted_at": "2022-11-03T18:00", "outcome": "not_found", "team": ["peer_support", "police"]},
    )
    c.post(
        reverse("notifications:attempt", args=[person.pk]),
        {
            "attempted_at": "2022-11-05T17:30",
            "outcome": "delivered",
            "team": ["peer_support", "police", "community_leader"],
            "legal_risk_explained": "yes",
            "offer_of_help": "yes",
            "letter_given": "yes",
            "notes": "Mother present",
        },
    )
    attempts = list(NotificationAttempt.objects.order_by("attempted_at").values_list("outcome", "attempted_on"))
    assert attempts == [("not_found", dt.date(2022, 11, 3)), ("delivered", dt.date(2022, 11, 5))]
    delivered = NotificationAttempt.objects.get(outcome="delivered")
    assert delivered.team_roles == ["peer_support", "police", "community_leader"]
    assert (delivered.legal_risk_explained, delivered.letter_given) == (True, True)

    housing = ServiceCategory.objects.get(code="housing")
    c.post(
        reverse("service_referrals:new", args=[person.pk]),
        {"category": housing.pk, "provider": "Casa", "referred_on": "2022-11-06"},
    )
    service = ServiceReferral.objects.get()
    c.post(
        reverse("service_referrals:move", args=[service.pk]),
        {"status": "connected", "on": "2022-11-10", "version": service.version},
    )
    service.refresh_from_db()
    assert (service.status, service.connected_on) == ("connected", dt.date(2022, 11, 10))


def test_police_legal_assessment_and_outcome_and_no_case_notes(client, staff) -> None:
    peer, police, manager = staff["peer"], staff["police"], staff["manager"]
    c = _as(client, manager)
    c.post(reverse("people:new"), {"first_name": "Luis", "last_name": "Baca"})
    person = Person.objects.get()
    person = person_assign_peer(actor=manager, person=person, peer=peer)
    case_note_write(actor=peer, person=person, text="NOTE-CANARY")
    c.post(reverse("notifications:plan", args=[person.pk]), {"planned_on": "2022-11-03", "team": [peer.pk, police.pk]})
    plan = CustomNotification.objects.get()

    assessment_url = reverse("notifications:legal_assessment", args=[plan.pk])
    # The assigned peer's page shows the case note (so the officer's page could show it too)...
    assert "NOTE-CANARY" in _as(client, peer).get(reverse("desk:person", args=[person.pk])).content.decode()
    c = _as(client, police)
    page = c.get(reverse("desk:person", args=[person.pk])).content.decode()
    assert "Write the legal assessment" in page
    assert "NOTE-CANARY" not in page  # ...the officer's does not
    response = c.post(assessment_url, {"text": "Two prior firearm cases.", "version": plan.version})
    assert response["Location"] == reverse("desk:person", args=[person.pk])
    assert CustomNotification.objects.get().legal_assessment == "Two prior firearm cases."
    assert "Two prior firearm cases." in c.get(assessment_url).content.decode()
    assert f'href="{assessment_url}"' in c.get(reverse("desk:person", args=[person.pk])).content.decode()
    c.post(
        reverse("outcomes:new", args=[person.pk]),
        {"occurred_on": "2022-12-01", "type": "arrest_firearm", "source_ref": "22-120001"},
    )
    assert Outcome.objects.get().type == "arrest_firearm"

    # The peer never reaches the legal assessment, not even its page: a page about a record the
    # peer may not act on answers 404, so the peer does not learn that one was written.
    c = _as(client, peer)
    assert c.get(assessment_url).status_code == 404
    assert f'href="{assessment_url}"' not in c.get(reverse("desk:person", args=[person.pk])).content.decode()
    # Outcomes are police records: a peer worker is refused the page as one who may not see it.
    assert c.get(reverse("outcomes:new", args=[person.pk])).status_code == 404
    assert (
        c.post(reverse("outcomes:new", args=[person.pk]), {"occurred_on": "2022-12-01", "type": "shot"}).status_code
        == 404
    )
    assert Outcome.objects.count() == 1


def test_second_editor_gets_a_conflict(client, staff) -> None:
    police = staff["police"]
    c = _as(client, staff["manager"])
    c.post(reverse("people:new"), {"first_name": "Rosa", "last_name": "Chávez"})
    person = Person.objects.get()
    c.post(reverse("notifications:plan", args=[person.pk]), {"planned_on": "2022-11-03"})
    plan = CustomNotification.objects.get()
    opened = plan.version
    c = _as(client, police)
    c.post(
        reverse("notifications:legal_assessment", args=[plan.pk]), {"text": "First officer's text", "version": opened}
    )
    response = c.post(
        reverse("notifications:legal_assessment", args=[plan.pk]), {"text": "Second officer's text", "version": opened}
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert CustomNotification.objects.get().legal_assessment == "First officer's text"


def test_roles_without_person_records_are_refused(client, staff) -> None:
    c = _as(client, staff["analyst"])
    for url in (reverse("people:search"), reverse("referrals:queue"), reverse("people:new")):
        assert c.get(url).status_code == 403, url


def test_peer_casework_screens(client, staff) -> None:
    from vip.casework.models import CaseNote, Contact, NeedsAssessment

    peer, manager, police = staff["peer"], staff["manager"], staff["police"]
    c = _as(client, manager)
    c.post(reverse("people:new"), {"first_name": "Eva", "last_name": "Yazzie"})
    person = person_assign_peer(actor=manager, person=Person.objects.get(), peer=peer)

    c = _as(client, peer)
    c.post(
        reverse("casework:needs", args=[person.pk]),
        {"assessed_on": "2022-11-06", "need_housing": "urgent", "need_employment": "some", "summary": "NEEDS-CANARY"},
    )
    assessment = NeedsAssessment.objects.get()
    assert dict(assessment.items.values_list("domain", "level")) == {"housing": "urgent", "employment": "some"}
    c.post(
        reverse("casework:contact", args=[person.pk]),
        {"contacted_at": "2022-11-07T10:00", "kind": "phone", "minutes": "15", "summary": "check-in"},
    )
    assert Contact.objects.get().minutes == 15
    c.post(reverse("casework:note", args=[person.pk]), {"text": "NOTE-CANARY"})
    assert CaseNote.objects.get().text == "NOTE-CANARY"
    page = c.get(reverse("desk:person", args=[person.pk])).content.decode()
    assert "NOTE-CANARY" in page
    assert "NEEDS-CANARY" in page

    for user in (police, manager):
        c = _as(client, user)
        # Pages about a person they see but may not take the page's action on: 404, as for a
        # record they may not see (record_or_404).
        assert c.get(reverse("casework:note", args=[person.pk])).status_code == 404
        assert c.get(reverse("casework:needs", args=[person.pk])).status_code == 404
        page = c.get(reverse("desk:person", args=[person.pk])).content.decode()
        assert "NOTE-CANARY" not in page
        assert "NEEDS-CANARY" not in page


def test_shooting_review_screen(client, staff) -> None:
    from vip.identification.models import ReviewedIncident, ReviewIdentification
    from vip.identification.services import incident_record

    police = staff["police"]
    incident = incident_record(
        actor=police, key="22-104455", occurred_at=dt.datetime(2022, 10, 3, 1, tzinfo=dt.UTC), type="shooting"
    )
    c = _as(client, staff["manager"])
    c.post(reverse("people:new"), {"first_name": "Luis", "last_name": "Baca"})
    person = Person.objects.get()
    c = _as(client, police)
    response = c.post(reverse("identification:review_new"), {"held_on": "2022-10-04", "agencies_present": "APD, DA"})
    review_url = response["Location"]
    c.post(
        review_url,
        {"form": "incident", "incident-incident_key": "22-104455", "incident-discussion": "retaliation likely"},
    )
    c.post(
        review_url,
        {
            "form": "identify",
            "identify-person_key": person.key,
            "identify-incident_key": incident.key,
            "identify-role": "associate_at_risk",
            "identify-decision": "propose_candidate",
        },
    )
    identified = ReviewIdentification.objects.get()
    assert (identified.person, identified.role, identified.incident) == (person, "associate_at_risk", incident)
    assert list(ReviewedIncident.objects.values_list("incident__key", "discussion")) == [
        ("22-104455", "retaliation likely")
    ]
    page = c.get(review_url).content.decode()
    assert "22-104455" in page
    assert "retaliation likely" in page
    # The review is a police record: a page about a record the peer may not see answers 404.
    assert _as(client, staff["peer"]).get(review_url).status_code == 404


def test_data_screen_import_report_and_export(client, staff, make_user) -> None:
    import io
    import zipfile

    c = _as(client, staff["manager"])
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name,date_of_birth\nP1,Ana,García,2001-02-30\n")
    bad.seek(0)
    bad.name = "bundle.zip"
    page = c.post(reverse("data:index"), {"bundle": bad}).content.decode()
    assert "Not imported: 1 problem" in page
    assert "is not a real calendar date" in page
    assert not Person.objects.exists()
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name\nP1,Ana,García\n")
    good.seek(0)
    good.name = "bundle.zip"
    assert "Imported" in c.post(reverse("data:index"), {"bundle": good}).content.decode()
    assert Person.objects.get().key == "P1"
    download = c.post(reverse("data:export"))
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert "P1,Ana,García" in archive.read("people.csv").decode()
    # Police may export (their view) but not import; administrators neither. The data screen is
    # not about a record: a role that may not use it (or may not import) is answered 403.
    police = _as(client, staff["police"])
    assert police.get(reverse("data:index")).status_code == 200
    download = police.post(reverse("data:export"))
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert "P1" in archive.read("people.csv").decode()
    good.seek(0)
    assert police.post(reverse("data:index"), {"bundle": good}).status_code == 403
    assert Person.objects.count() == 1
    administrator = _as(client, make_user("admin"))
    assert administrator.get(reverse("data:index")).status_code == 403
    good.seek(0)
    assert administrator.post(reverse("data:index"), {"bundle": good}).status_code == 403
    assert administrator.post(reverse("data:export")).status_code == 403

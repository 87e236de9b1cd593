"""The person's case file (issue 14, item 2): what each role sees, edits and transfers,
corrections and voidings (audited, the original kept, voided entries out of the report's facts),
future dates refused with a tolerance, the one-page summary PDF, the shooting review's lookup."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from vip.audit.models import AuditEvent
from vip.casework.services import case_note_write, contact_record, contact_void
from vip.core.config import program_config, program_today
from vip.core.dates import Month
from vip.identification.services import incident_receive, review_incident_add, shooting_review_create
from vip.notifications.selectors import attempt_list
from vip.notifications.services import attempt_correct, attempt_record, attempt_void, notification_plan
from vip.outcomes.services import outcome_record
from vip.people.models import Correction
from vip.people.selectors import person_list
from vip.people.services import person_assign_peer, person_create
from vip.referrals.services import person_transfer, referral_accept, referral_assign, referral_create
from vip.reports.facts import load_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(program, make_user):
    peer, other_peer, police, manager = make_user("peer"), make_user("peer"), make_user("police"), make_user("manager")
    ana = person_create(actor=None, first_name="Ana", last_name="Quintana", phone="505 555 0100", address="1 Main St")
    person_assign_peer(actor=None, person=ana, peer=peer)
    ana.refresh_from_db()
    return {"peer": peer, "other_peer": other_peer, "police": police, "manager": manager, "ana": ana}


def _now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


# --- dates in the future -------------------------------------------------------------------------


@override_settings(VIP_FUTURE_TOLERANCE_MINUTES=10)
def test_a_contact_minutes_ahead_is_taken_and_one_an_hour_ahead_is_refused_naming_the_field(world):
    contact_record(
        actor=world["peer"], person=world["ana"], contacted_at=_now() + dt.timedelta(minutes=5), kind="phone"
    )
    with pytest.raises(ValidationError) as refused:
        contact_record(
            actor=world["peer"], person=world["ana"], contacted_at=_now() + dt.timedelta(hours=1), kind="phone"
        )
    assert "contacted_at" in refused.value.message_dict
    assert "When cannot be in the future" in refused.value.messages[0]


def test_an_outcome_tomorrow_is_refused_but_a_notification_planned_for_tomorrow_is_a_plan(world):
    tomorrow = program_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        outcome_record(actor=world["police"], person=world["ana"], occurred_on=tomorrow, type="shot")
    assert "occurred_on" in refused.value.message_dict
    notification_plan(actor=world["manager"], person=world["ana"], planned_on=tomorrow)


@override_settings(VIP_FUTURE_TOLERANCE_MINUTES=120)
def test_the_tolerance_is_the_setting(world):
    contact_record(
        actor=world["peer"], person=world["ana"], contacted_at=_now() + dt.timedelta(minutes=90), kind="phone"
    )


def test_a_referral_received_tomorrow_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        referral_create(
            actor=world["manager"],
            person=world["ana"],
            received_on=program_today() + dt.timedelta(days=2),
            source="hospital",
        )
    assert "received_on" in refused.value.message_dict


# --- corrections and voidings ---------------------------------------------------------------------


def _delivered(world, **more):
    return attempt_record(
        actor=world["peer"],
        person=world["ana"],
        attempted_at=_now() - dt.timedelta(days=1),
        outcome="delivered",
        team={"peer_support"},
        notes="NOTES-CANARY she was at her aunt's",
        **more,
    )


def test_correcting_an_attempt_keeps_the_original_encrypted_and_audits_the_fields(world):
    attempt = _delivered(world)
    corrected = attempt_correct(
        actor=world["peer"],
        attempt=attempt,
        reason="typed the wrong outcome",
        expected_version=attempt.version,
        outcome="refused",
        notes="at home",
    )
    assert corrected.outcome == "refused"
    kept = Correction.objects.get(target_type="notifications.notificationattempt", target_id=str(attempt.pk))
    assert kept.kind == "corrected" and kept.corrected_by == world["peer"]
    assert kept.previous == {"outcome": "delivered"}
    assert "NOTES-CANARY" in kept.previous_protected  # decrypted on read...
    with connection.cursor() as cursor:  # ...and never stored in the clear
        cursor.execute("SELECT previous_protected, reason FROM people_correction WHERE id = %s", [kept.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "NOTES-CANARY" not in raw and "wrong outcome" not in raw
    event = AuditEvent.objects.filter(action="notificationattempt.correct").get()
    assert event.actor_id == world["peer"].pk
    assert set(event.changes) == {"outcome", "notes"}
    assert event.changes["notes"] == ["[redacted]", "[redacted]"]


def test_only_the_author_or_a_manager_corrects_an_entry(world):
    attempt = _delivered(world)
    person_assign_peer(actor=None, person=world["ana"], peer=world["other_peer"])
    with pytest.raises(PermissionDenied):
        attempt_void(actor=world["other_peer"], attempt=attempt, reason="not mine", expected_version=attempt.version)
    with pytest.raises(PermissionDenied):
        attempt_void(actor=world["police"], attempt=attempt, reason="not mine", expected_version=attempt.version)
    attempt_void(actor=world["manager"], attempt=attempt, reason="recorded twice", expected_version=attempt.version)


def test_a_correction_needs_a_reason(world):
    attempt = _delivered(world)
    with pytest.raises(ValidationError):
        attempt_void(actor=world["peer"], attempt=attempt, reason="  ", expected_version=attempt.version)


def test_a_voided_delivery_leaves_the_report_facts_and_the_selectors(world):
    attempt = _delivered(world)
    month = Month.of(attempt.attempted_on)
    assert list(load_facts(program_config(), month).delivery_person) == [world["ana"].pk]
    attempt_void(actor=world["peer"], attempt=attempt, reason="recorded twice", expected_version=attempt.version)
    assert list(load_facts(program_config(), month).delivery_person) == []
    assert not attempt_list(user=world["manager"]).exists()
    assert attempt_list(user=world["manager"], include_voided=True).count() == 1
    assert AuditEvent.objects.filter(action="notificationattempt.void").count() == 1


def test_a_corrected_day_counts_in_its_new_month(world):
    attempt = _delivered(world)
    earlier = attempt.attempted_at - dt.timedelta(days=45)
    attempt_correct(
        actor=world["manager"],
        attempt=attempt,
        reason="wrong month",
        expected_version=attempt.version,
        attempted_at=earlier,
    )
    month = Month.of(program_today() - dt.timedelta(days=46))
    facts = load_facts(program_config(), Month.of(earlier.date()))
    assert world["ana"].pk in list(facts.delivery_person)
    assert month  # the month the delivery now falls in


# --- the pages ------------------------------------------------------------------------------------


def test_the_peer_sees_contacts_and_notes_the_manager_sees_that_they_happened_and_the_history(client, world):
    contact = contact_record(
        actor=world["peer"],
        person=world["ana"],
        contacted_at=_now() - dt.timedelta(hours=2),
        kind="in_person",
        summary="SUMMARY-CANARY talked about work",
    )
    case_note_write(actor=world["peer"], person=world["ana"], text="NOTE-CANARY " + "long words " * 40)
    contact_void(actor=world["peer"], contact=contact, reason="wrong person", expected_version=contact.version)
    contact_record(
        actor=world["peer"],
        person=world["ana"],
        contacted_at=_now() - dt.timedelta(hours=1),
        kind="phone",
        summary="SUMMARY2-CANARY",
    )
    url = f"/people/{world['ana'].pk}/"
    client.force_login(world["peer"])
    page = client.get(url).content.decode()
    assert "SUMMARY2-CANARY" in page and "NOTE-CANARY" in page and "<details>" in page
    assert "tel:5055550100" in page and "openstreetmap.org/search?query=1+Main+St" in page
    assert world["ana"].key in page
    client.force_login(world["manager"])
    page = client.get(url).content.decode()
    assert "CANARY" not in page.replace("wrong person", "")
    assert "kept with the peer support worker" in page
    assert "Corrections and voided entries" in page and "wrong person" in page
    client.force_login(world["police"])
    page = client.get(url).content.decode()
    assert "CANARY" not in page and "Contacts" not in page and "wrong person" not in page


def test_the_entries_are_read_again_for_the_history_only_when_something_was_corrected(client, world):
    """The web benchmark's person page: a person with no correction (most people) is shown without
    reading their entries a second time (voided ones included) for the history's labels."""
    from django.test.utils import CaptureQueriesContext

    contact = contact_record(
        actor=world["peer"], person=world["ana"], contacted_at=_now() - dt.timedelta(hours=2), kind="phone"
    )
    url = f"/people/{world['ana'].pk}/"
    client.force_login(world["manager"])

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    contact_void(actor=world["peer"], contact=contact, reason="wrong person", expected_version=contact.version)
    after = queries()
    assert after > before  # the history's entries (voided ones too) are read now, and only now
    assert "wrong person" in client.get(url).content.decode()


def test_the_timeline_and_the_sections_share_one_read_of_each_kind(client, world):
    """Referrals, contacts and needs assessments are shown twice on the case file (the timeline and
    their sections) and read once."""
    import re as _re

    from django.test.utils import CaptureQueriesContext

    contact_record(actor=world["peer"], person=world["ana"], contacted_at=_now() - dt.timedelta(hours=2), kind="phone")
    url = f"/people/{world['ana'].pk}/"
    client.force_login(world["manager"])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    tables = [
        found.group(1) for q in captured.captured_queries if (found := _re.match(r'SELECT .*? FROM "(\w+)"', q["sql"]))
    ]
    for table in ("referrals_referral", "casework_contact", "casework_needsassessment"):
        assert tables.count(table) == 1, (table, tables)


def test_the_correct_page_voids_an_entry_for_its_author_and_is_a_404_for_another_peer(client, world):
    contact = contact_record(actor=world["peer"], person=world["ana"], contacted_at=_now(), kind="phone")
    url = f"/people/{world['ana'].pk}/correct/contact/{contact.pk}/"
    client.force_login(world["police"])
    assert client.get(url).status_code == 404
    client.force_login(world["peer"])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"what": "void", "why": "a test entry", "version": contact.version})
    assert answer.status_code == 302
    contact.refresh_from_db()
    assert contact.voided_at is not None


def test_editing_details_is_audited_with_before_and_after_and_a_stale_form_is_refused(client, world):
    ana = world["ana"]
    client.force_login(world["peer"])
    data = {"first_name": "Ana", "last_name": "Quintana-Ruiz", "phone": "505 555 0199", "version": ana.version}
    assert client.post(f"/people/{ana.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.filter(action="person.update").latest("id")
    assert event.changes["last_name"] == ["Quintana", "Quintana-Ruiz"]
    stale = client.post(f"/people/{ana.pk}/edit/", {**data, "phone": "1"})
    assert stale.status_code == 200  # the form again, with the conflict
    ana.refresh_from_db()
    assert ana.phone == "505 555 0199"


def test_a_transfer_moves_the_person_and_their_referrals_to_the_new_peer(world):
    referral = referral_create(
        actor=world["manager"], person=world["ana"], received_on=program_today(), source="hospital"
    )
    referral_accept(
        actor=world["peer"], referral=referral_assign(actor=world["manager"], referral=referral, assignee=world["peer"])
    )
    assert person_list(user=world["peer"]).filter(pk=world["ana"].pk).exists()
    with pytest.raises(PermissionDenied):
        person_transfer(actor=world["peer"], person=world["ana"], peer=world["other_peer"])
    person_transfer(actor=world["manager"], person=world["ana"], peer=world["other_peer"])
    assert person_list(user=world["other_peer"]).filter(pk=world["ana"].pk).exists()
    assert not person_list(user=world["peer"]).filter(pk=world["ana"].pk).exists()


# --- the summary PDF --------------------------------------------------------------------------------


def test_the_summary_is_one_page_names_the_person_and_is_audited(client, world, tmp_path):
    for n in range(25):
        contact_record(
            actor=world["peer"],
            person=world["ana"],
            contacted_at=_now() - dt.timedelta(days=n + 1),
            kind="phone",
            summary="a long summary of the contact " * 8,
        )
    client.force_login(world["peer"])
    answer = client.get(f"/people/{world['ana'].pk}/summary.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(answer.content)
    info = subprocess.run(["/usr/bin/pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    text = subprocess.run(["/usr/bin/pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Ana" in text and "Quintana" in text and "Confidential" in text
    assert AuditEvent.objects.filter(action="person.summary_pdf", object_id=str(world["ana"].pk)).count() == 1
    client.force_login(world["other_peer"])
    assert client.get(f"/people/{world['ana'].pk}/summary.pdf").status_code == 404


# --- the shooting review: the incident's people and a name lookup -----------------------------------


def test_the_review_offers_the_incidents_people_and_finds_others_by_name(client, world):
    from vip.identification.services import Involved

    incident = incident_receive(
        actor=world["police"],
        key="22-104455",
        occurred_at=_now() - dt.timedelta(days=2),
        type="shooting",
        involved=[Involved(person={"key": "RMS-9", "first_name": "Beto", "last_name": "Sandoval"}, role="victim")],
    )
    review = shooting_review_create(actor=world["police"], held_on=program_today())
    review_incident_add(actor=world["police"], review=review, incident=incident)
    client.force_login(world["police"])
    page = client.get(f"/identification/reviews/{review.pk}/").content.decode()
    assert "Beto" in page and "RMS-9" in page
    found = client.get(f"/identification/reviews/{review.pk}/lookup/?q=Quint", HTTP_HX_REQUEST="true")
    assert world["ana"].key in found.content.decode()
    involvement = incident.involvements.get()
    answer = client.post(
        f"/identification/reviews/{review.pk}/",
        {
            "form": "identify",
            "identify-involved": str(involvement.pk),
            "identify-role": "victim",
            "identify-decision": "monitor",
        },
    )
    assert answer.status_code == 302
    assert review.identifications.get().person.key == "RMS-9"

"""The mediation pages as each role: the log, recording one, its page, and the changes made from it.

A role that does not see a mediation gets a 404 on its address (403 on the log, a page about no
record); a form is for who may take its action on that mediation. Every page shows a reader only
what the policy lets them see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import AuditTrail
from vip.core.models import ServiceCategory
from vip.mediations.models import Mediation, MediationChange, MediationFollowUp, MediationParty
from vip.mediations.services import mediation_follow_up
from vip.service_referrals.services import service_referral_create

from .conftest import DAY, switch_police

pytestmark = pytest.mark.django_db

SUMMARY = "Agreed to stay off the block"
NOTE = "They shook hands at the corner store"


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def mediation(world, record) -> Mediation:
    found = record()
    mediation_follow_up(
        actor=world["peer"], mediation=found, followed_up_on=DAY + dt.timedelta(days=3), outcome="resolved", note=NOTE
    )
    return Mediation.objects.get(pk=found.pk)


def _url(name: str, mediation: Mediation, *more: int) -> str:
    return reverse(f"mediations:{name}", args=[mediation.pk, *more])


# --- the log ------------------------------------------------------------------------------------------


def test_the_log_shows_a_peer_every_mediation_with_its_content_and_audits_the_read(client, world, mediation) -> None:
    trail = AuditTrail()
    page = _as(client, world["other_peer"]).get(reverse("mediations:log")).content.decode()
    assert "Showing 1\u20131 of 1" in page and "2022-11-07" in page and "Respect" in page and "Flaco" in page
    # Not on the other peer's caseload: the participant is not named to them.
    assert "Quintana" not in page and "a program participant" in page
    assert "Record a mediation" in page
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("mediation.list_read", [mediation.pk])


def test_the_log_shows_a_manager_who_took_part_but_not_what_about(client, world, mediation) -> None:
    page = _as(client, world["manager"]).get(reverse("mediations:log")).content.decode()
    assert "Ana Quintana" in page and "Flaco" in page
    assert "Respect" not in page and 'name="topic"' not in page


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_the_log_is_refused_to_roles_that_see_no_mediation(client, world, mediation, role) -> None:
    assert _as(client, world[role]).get(reverse("mediations:log")).status_code == 403


def test_with_the_switch_police_read_the_day_area_and_outcome_only(client, world, mediation) -> None:
    switch_police(True)
    page = _as(client, world["police"]).get(reverse("mediations:log")).content.decode()
    assert "2022-11-07" in page and "Southeast" in page and "Resolved" in page
    for hidden in ("Flaco", "Quintana", "Respect", SUMMARY, world["peer"].username, "Record a mediation"):
        assert hidden not in page
    assert 'name="q"' not in page and 'name="mine"' not in page


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("outcome=resolved", 1),
        ("outcome=escalated", 0),
        ("month=2022-11", 1),
        ("month=2022-10", 0),
        ("topic=respect", 1),
        ("topic=money", 1),
        ("topic=drugs", 0),
        ("mine=on", 2),
        ("q=flaco", 1),
        ("q=quintana", 1),
        ("q=nobody", 0),
        ("area=999999", 2),  # not understood: left out, and said so
        ("month=2022-13", 2),
    ],
)
def test_the_log_filters(client, world, mediation, record, query, count) -> None:
    record(people=[], outside=[], occurred_on=DAY - dt.timedelta(days=40), topics=["money"], outcome="ongoing")
    response = _as(client, world["peer"]).get(reverse("mediations:log") + "?" + query)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-label="Day"><a href="/mediations/') == count
    assert ("were not understood" in page) == query.startswith(("area=999999", "month=2022-13"))


def test_recorded_by_me_and_a_search_among_people_the_reader_sees(client, world, mediation, record) -> None:
    record(actor=world["other_peer"], people=[world["elsewhere"]], outside=[])
    page = _as(client, world["peer"]).get(reverse("mediations:log") + "?mine=on").content.decode()
    assert page.count("2022-11-07") == 1
    # The peer does not see Luis Otero: searching his name finds nothing, his key neither.
    page = _as(client, world["peer"]).get(reverse("mediations:log") + "?q=otero").content.decode()
    assert "No mediations match" in page
    page = _as(client, world["peer"]).get(reverse("mediations:log") + f"?q={world['elsewhere'].key}").content.decode()
    assert "No mediations match" in page
    page = _as(client, world["other_peer"]).get(reverse("mediations:log") + "?q=otero").content.decode()
    assert "Luis Otero" in page


# --- recording one ------------------------------------------------------------------------------------


def test_a_peer_records_a_mediation_on_the_form(client, world) -> None:
    c = _as(client, world["peer"])
    form = c.get(reverse("mediations:new") + f"?person={world['own'].pk}").content.decode()
    assert "Ana Quintana" in form and "checked" in form
    assert 'for="id_outside_1_name"' in form and 'for="id_occurred_on"' in form
    response = c.post(
        reverse("mediations:new"),
        {
            "occurred_on": "2022-11-07",
            "area": "",
            "outcome": "ongoing",
            "topics": ["family", "money"],
            "summary": SUMMARY,
            "caseload": [world["own"].pk],
            "person_keys": "",
            "outside_1_name": "Flaco",
            "outside_1_phone": "505",
            "outside_1_role": "supporter",
        },
    )
    mediation = Mediation.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("detail", mediation)
    assert (mediation.topics, mediation.summary, mediation.recorded_by) == (["money", "family"], SUMMARY, world["peer"])
    assert {(p.person_id, p.role) for p in MediationParty.objects.all()} == {
        (world["own"].pk, "party"),
        (None, "supporter"),
    }


def test_a_manager_names_participants_by_their_keys(client, world) -> None:
    response = _as(client, world["manager"]).post(
        reverse("mediations:new"),
        {
            "occurred_on": "2022-11-07",
            "outcome": "resolved",
            "topics": ["respect"],
            "person_keys": f"{world['elsewhere'].key}, {world['nobody'].key.lower()}",
        },
    )
    assert response.status_code == 302
    assert {p.person_id for p in MediationParty.objects.all()} == {world["elsewhere"].pk, world["nobody"].pk}


def test_a_bad_form_comes_back_with_its_errors_and_writes_nothing(client, world) -> None:
    response = _as(client, world["peer"]).post(
        reverse("mediations:new"),
        {
            "occurred_on": "2999-01-01",
            "outcome": "ongoing",
            "topics": [],
            "person_keys": world["elsewhere"].key,
            "outside_1_phone": "505",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "No one you see has the person key" in page
    assert "Give the name of the person with this phone." in page
    assert "This field is required." in page  # the topics
    assert not Mediation.objects.exists()


def test_a_day_in_the_future_is_refused_by_the_service_on_the_form(client, world) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = _as(client, world["peer"]).post(
        reverse("mediations:new"), {"occurred_on": tomorrow, "outcome": "ongoing", "topics": ["other"]}
    )
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    assert not Mediation.objects.exists()


@pytest.mark.parametrize("role", ["police", "analyst", "admin"])
def test_the_form_is_refused_to_who_does_not_record(client, world, role) -> None:
    switch_police(True)
    assert _as(client, world[role]).get(reverse("mediations:new")).status_code == 403


# --- one mediation -------------------------------------------------------------------------------------


def test_its_page_shows_the_recorder_everything_and_audits_one_read(client, world, mediation) -> None:
    trail = AuditTrail()
    page = _as(client, world["peer"]).get(_url("detail", mediation)).content.decode()
    for shown in (SUMMARY, NOTE, "Respect", "Social media", "Ana Quintana", "Flaco", "505-555-0101", "Southeast"):
        assert shown in page
    for action in ("follow_up", "edit", "void", "party_add"):
        assert _url(action, mediation) in page
    assert "History of changes" in page and "followed up on 2022-11-10" in page
    event = trail.single()
    assert (event.action, event.object_id, event.outcome) == ("mediation.read", str(mediation.pk), "success")


def test_another_peer_reads_it_without_the_participant_and_without_changing_it(client, world, mediation) -> None:
    page = _as(client, world["other_peer"]).get(_url("detail", mediation)).content.decode()
    assert SUMMARY in page and NOTE in page and "Flaco" in page
    assert "Quintana" not in page and "not on your caseload" in page
    assert _url("edit", mediation) not in page and _url("void", mediation) not in page
    assert _url("follow_up", mediation) in page  # any peer worker follows up


def test_a_manager_reads_it_without_what_was_said(client, world, mediation) -> None:
    page = _as(client, world["manager"]).get(_url("detail", mediation)).content.decode()
    assert "Ana Quintana" in page and "Flaco" in page and "Resolved" in page
    for hidden in (SUMMARY, NOTE, "Respect"):
        assert hidden not in page


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_its_page_is_a_404_to_roles_that_do_not_see_it_and_the_refusal_is_on_record(
    client, world, mediation, role
) -> None:
    trail = AuditTrail()
    for name in ("detail", "edit", "follow_up", "void", "party_add"):
        response = _as(client, world[role]).get(_url(name, mediation))
        assert response.status_code == 404, name
        assert "Flaco" not in response.content.decode()
    assert {(e.action, e.outcome) for e in trail.events()} == {("mediation.read", "denied")}


def test_with_the_switch_police_read_its_page_without_who_or_what(client, world, mediation) -> None:
    switch_police(True)
    response = _as(client, world["police"]).get(_url("detail", mediation))
    page = response.content.decode()
    assert response.status_code == 200
    assert "2022-11-07" in page and "Southeast" in page and "Resolved" in page and "2022-11-10" in page
    for hidden in (SUMMARY, NOTE, "Respect", "Quintana", "Flaco", "505-555", world["peer"].username, "History"):
        assert hidden not in page
    for name in ("edit", "follow_up", "void", "party_add"):
        assert _as(client, world["police"]).get(_url(name, mediation)).status_code == 404


# --- changes from its page ------------------------------------------------------------------------------


def test_the_recorder_changes_it_on_the_version_they_opened(client, world, mediation) -> None:
    c = _as(client, world["peer"])
    form = c.get(_url("edit", mediation)).content.decode()
    assert SUMMARY in form and 'name="version"' in form
    data = {"version": mediation.version, "outcome": "escalated", "area": "", "topics": ["money"], "summary": "New"}
    assert c.post(_url("edit", mediation), data).status_code == 302
    stored = Mediation.objects.get(pk=mediation.pk)
    assert (stored.outcome, stored.topics, stored.summary, stored.area) == ("escalated", ["money"], "New", None)
    # The same version again: someone changed it meanwhile.
    response = c.post(_url("edit", mediation), {**data, "outcome": "resolved"})
    assert response.status_code == 200 and "changed by someone else" in response.content.decode()
    assert Mediation.objects.get(pk=mediation.pk).outcome == "escalated"


def test_a_manager_changes_the_outcome_on_a_form_without_the_content(client, world, mediation) -> None:
    c = _as(client, world["manager"])
    form = c.get(_url("edit", mediation)).content.decode()
    assert SUMMARY not in form and 'name="summary"' not in form and 'name="topics"' not in form
    response = c.post(_url("edit", mediation), {"version": mediation.version, "outcome": "escalated", "area": ""})
    assert response.status_code == 302
    stored = Mediation.objects.get(pk=mediation.pk)
    assert (stored.outcome, stored.summary) == ("escalated", SUMMARY)


def test_another_peer_may_not_change_or_void_it(client, world, mediation) -> None:
    for name in ("edit", "void", "party_add"):
        assert _as(client, world["other_peer"]).post(_url(name, mediation), {"version": 2}).status_code == 404
    assert Mediation.objects.get(pk=mediation.pk).version == mediation.version


def test_a_follow_up_from_its_page(client, world, mediation) -> None:
    c = _as(client, world["other_peer"])
    response = c.post(
        _url("follow_up", mediation), {"followed_up_on": "2022-11-20", "outcome": "escalated", "note": "Flared up"}
    )
    assert response.status_code == 302
    assert Mediation.objects.get(pk=mediation.pk).outcome == "escalated"
    assert MediationFollowUp.objects.get(by=world["other_peer"]).note == "Flared up"
    form = _as(client, world["manager"]).get(_url("follow_up", mediation)).content.decode()
    assert 'name="note"' not in form


def test_voiding_it_and_its_follow_up_with_a_reason(client, world, mediation) -> None:
    c = _as(client, world["peer"])
    follow_up = MediationFollowUp.objects.get()
    url = _url("follow_up_void", mediation, follow_up.pk)
    assert c.post(url, {"version": follow_up.version, "reason": ""}).status_code == 200
    assert c.post(url, {"version": follow_up.version, "reason": "wrong day"}).status_code == 302
    assert Mediation.objects.get(pk=mediation.pk).outcome == "ongoing"
    assert c.post(_url("void", mediation), {"version": mediation.version + 1, "reason": "twice"}).status_code == 302
    page = c.get(_url("detail", mediation)).content.decode()
    assert "Voided on" in page and "twice" in page and "wrong day" in page
    assert _url("edit", mediation) not in page
    assert "No mediations match" in c.get(reverse("mediations:log")).content.decode()
    # Voided: no form changes it any more.
    assert c.get(_url("edit", mediation)).status_code == 404


def test_another_peers_follow_up_is_not_theirs_to_void(client, world, mediation) -> None:
    follow_up = MediationFollowUp.objects.get()
    url = _url("follow_up_void", mediation, follow_up.pk)
    assert _as(client, world["other_peer"]).get(url).status_code == 404
    assert _as(client, world["manager"]).get(url).status_code == 200


def test_parties_are_added_and_taken_off_from_its_page(client, world, mediation) -> None:
    c = _as(client, world["peer"])
    assert (
        c.post(
            _url("party_add", mediation),
            {"version": mediation.version, "caseload": "", "name": "Chato", "phone": "", "role": "other"},
        ).status_code
        == 302
    )
    flaco = MediationParty.objects.get(outside__name="Flaco")
    url = _url("party_remove", mediation, flaco.pk)
    form = c.get(url).content.decode()
    assert "Take Flaco off" in form
    version = Mediation.objects.get(pk=mediation.pk).version
    assert c.post(url, {"version": version, "reason": "was not there"}).status_code == 302
    page = c.get(_url("detail", mediation)).content.decode()
    assert "Chato" in page and "taken off" in page and "was not there" in page
    assert MediationChange.objects.filter(kind="party_removed", party=flaco).exists()
    # A party of another mediation, or an unknown one: not found.
    assert c.get(_url("party_remove", mediation, 999999)).status_code == 404


def test_a_participant_from_the_caseload_is_added_and_someone_not_seen_is_refused(client, world, mediation) -> None:
    c = _as(client, world["peer"])
    MediationParty.objects.filter(person=world["own"]).update(removed_at=dt.datetime(2022, 11, 8, tzinfo=dt.UTC))
    response = c.post(
        _url("party_add", mediation),
        {"version": mediation.version, "person_key": world["elsewhere"].key, "role": "party"},
    )
    assert response.status_code == 200 and "No one you see has the person key" in response.content.decode()
    response = c.post(
        _url("party_add", mediation), {"version": mediation.version, "caseload": world["own"].pk, "role": "supporter"}
    )
    assert response.status_code == 302
    assert MediationParty.objects.filter(person=world["own"], removed_at__isnull=True, role="supporter").exists()


# --- the person's case file ----------------------------------------------------------------------------


def test_the_case_file_lists_the_persons_mediations_as_the_reader_sees_them(client, world, mediation) -> None:
    # The field records' cards sit in the case file's service referrals section: the person has one.
    service_referral_create(
        actor=None, person=world["own"], category=ServiceCategory.objects.get(code="housing"), referred_on=DAY
    )
    person = reverse("desk:person", args=[world["own"].pk])
    page = _as(client, world["peer"]).get(person).content.decode()
    assert 'id="mediations-title"' in page and _url("detail", mediation) in page and "Respect" in page
    page = _as(client, world["manager"]).get(person).content.decode()
    assert 'id="mediations-title"' in page and "Respect" not in page
    switch_police(True)
    page = _as(client, world["police"]).get(person).content.decode()
    assert 'id="mediations-title"' not in page and _url("detail", mediation) not in page

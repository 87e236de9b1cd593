"""The pages of groups and call-ins, as each role: what each shows, the forms that write through
the services, and a 404 for whoever does not see the record a page is about."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import AuditTrail
from vip.core.models import ServiceCategory
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.groups.services import attendance_record, group_record, membership_void
from vip.service_referrals.services import service_referral_create

from .conftest import INTEL_FROM, TOLD_FROM

pytestmark = pytest.mark.django_db
STAFF = ("peer", "police", "manager")


def _as(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- the list of groups -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_list_of_groups_counts_the_members_the_reader_sees(client, world, crews, role) -> None:
    response = _as(client, world[role]).get(reverse("groups:index"))
    assert response.status_code == 200
    text = _text(response)
    assert "Los Tecolotes" in text and "Westgate Boys" in text and "WGB" in text
    counts = response.context["rows"]
    expected = {"peer": [1, 0], "police": [1, 1], "manager": [2, 1]}[role]
    assert [count for _group, count in counts] == expected
    assert "INTELNOTE" not in text  # the list never shows intelligence, whoever reads it


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_roles_that_see_no_groups_are_refused(client, world, crews, role) -> None:
    client = _as(client, world[role])
    assert client.get(reverse("groups:index")).status_code == 403
    assert client.get(reverse("groups:group", args=[crews["first"].pk])).status_code == 404
    assert client.get(reverse("groups:call_in", args=[crews["call_in"].pk])).status_code == 404
    assert client.get(reverse("groups:network")).status_code == 403


def test_the_list_filters_and_pages(client, world, crews) -> None:
    group_record(actor=None, name="Old Timers")
    Group.objects.filter(name="Old Timers").update(active=False)
    client = _as(client, world["manager"])
    names = lambda url: [g.name for g, _n in client.get(url).context["rows"]]  # noqa: E731
    assert names(reverse("groups:index")) == ["Los Tecolotes", "Westgate Boys"]
    assert names(reverse("groups:index") + "?active=no") == ["Old Timers"]
    assert names(reverse("groups:index") + "?active=all&q=wgb") == ["Westgate Boys"]
    assert names(reverse("groups:index") + "?active=all&sort=newest") == [
        "Old Timers",
        "Westgate Boys",
        "Los Tecolotes",
    ]
    partial = client.get(reverse("groups:index") + "?q=teco", headers={"HX-Request": "true"})
    assert "<h1>" not in _text(partial) and "Los Tecolotes" in _text(partial)
    assert client.get(reverse("groups:index") + "?page=junk&area=999999999").status_code == 200


# --- a group's page ---------------------------------------------------------------------------------


def test_a_group_page_shows_each_side_its_own_memberships(client, world, crews) -> None:
    url = reverse("groups:group", args=[crews["first"].pk])
    police = _text(_as(client, world["police"]).get(url))
    assert INTEL_FROM.isoformat() in police and "INTELNOTE" in police
    assert TOLD_FROM.isoformat() not in police and "Luis" not in police  # a peer's knowledge of another
    peer = _text(_as(client, world["peer"]).get(url))
    assert TOLD_FROM.isoformat() in peer and "Self-reported" in peer
    assert INTEL_FROM.isoformat() not in peer and "INTELNOTE" not in peer and "Police intelligence" not in peer
    manager = _text(_as(client, world["manager"]).get(url))
    for seen in (INTEL_FROM.isoformat(), TOLD_FROM.isoformat(), "INTELNOTE", "Luis Otero"):
        assert seen in manager
    # Linked through a police-intelligence membership: police see the link, peer workers do not.
    assert "Westgate Boys" in police and "Westgate Boys" not in peer


def test_a_group_page_read_is_audited_with_who_it_showed(client, world, crews) -> None:
    trail = AuditTrail()
    _as(client, world["peer"]).get(reverse("groups:group", args=[crews["first"].pk]))
    event = trail.single()
    assert (event.action, event.object_id) == ("group.read", str(crews["first"].pk))
    assert event.changes["shown"] == [world["own"].pk]


def test_voided_memberships_are_shown_on_request_with_the_reason(client, world, crews) -> None:
    membership_void(actor=world["peer"], membership=crews["told"], reason="he meant his cousin", expected_version=1)
    url = reverse("groups:group", args=[crews["first"].pk])
    client = _as(client, world["peer"])
    assert TOLD_FROM.isoformat() not in _text(client.get(url))
    shown = _text(client.get(url + "?voided=1"))
    assert TOLD_FROM.isoformat() in shown and "he meant his cousin" in shown and "Voided on" in shown
    # Police neither see the voided self-reported membership nor its reason.
    police = _text(_as(client, world["police"]).get(url + "?voided=1"))
    assert "he meant his cousin" not in police and TOLD_FROM.isoformat() not in police


def test_recording_and_changing_a_group(client, world, crews) -> None:
    client = _as(client, world["peer"])
    form = client.get(reverse("groups:new"))
    assert form.status_code == 200 and 'name="notes"' not in _text(form)
    response = client.post(reverse("groups:new"), {"name": "Barelas Kings", "aliases": "BK", "area": ""})
    group = Group.objects.get(name="Barelas Kings")
    assert response.status_code == 302 and response["Location"] == reverse("groups:group", args=[group.pk])
    edit = reverse("groups:edit", args=[crews["first"].pk])
    police = _as(client, world["police"]).get(edit)
    assert 'name="notes"' in _text(police) and "INTELNOTE" in _text(police)
    stale = {"name": "Los Tecolotes", "aliases": "", "area": "", "active": "on", "notes": "", "version": "0"}
    refused = client.post(edit, stale)
    assert refused.status_code == 200 and "changed by someone else" in _text(refused)
    saved = client.post(edit, {**stale, "notes": "INTELNOTE moved to Fifth", "version": str(crews["first"].version)})
    assert saved.status_code == 302 and Group.objects.get(pk=crews["first"].pk).notes == "INTELNOTE moved to Fifth"
    assert _as(client, world["analyst"]).get(reverse("groups:new")).status_code == 403


def test_a_peer_worker_adds_a_member_from_their_caseload(client, world, crews) -> None:
    url = reverse("groups:member_new", args=[crews["second"].pk])
    client = _as(client, world["peer"])
    page = _text(client.get(url))
    assert "Ana Quintana" in page and "Luis Otero" not in page and "Rosa" not in page
    assert "police_intelligence" not in page
    refused = client.post(
        url, {"person": world["elsewhere"].pk, "member_from": "2022-02-03", "source": "self_reported"}
    )
    assert (
        refused.status_code == 200
        and not GroupMembership.objects.filter(group=crews["second"], person=world["elsewhere"]).exists()
    )
    response = client.post(url, {"person": world["own"].pk, "member_from": "2022-02-03", "source": "peer_knowledge"})
    assert response.status_code == 302
    made = GroupMembership.objects.get(group=crews["second"], source="peer_knowledge")
    assert (made.person, made.recorded_by, made.member_from) == (world["own"], world["peer"], dt.date(2022, 2, 3))


def test_police_find_the_person_and_record_intelligence_only(client, world, crews) -> None:
    url = reverse("groups:member_new", args=[crews["second"].pk])
    client = _as(client, world["police"])
    assert "Rosa Nadie" not in _text(client.get(url))  # nobody is listed before a search
    assert "Rosa Nadie" in _text(client.get(url + "?q=nadie"))
    body = {"person": world["nobody"].pk, "member_from": "2022-02-03", "source": "self_reported"}
    assert client.post(url + "?q=nadie", body).status_code == 200  # not a choice police have
    assert client.post(url + "?q=nadie", {**body, "source": "police_intelligence"}).status_code == 302
    assert GroupMembership.objects.get(person=world["nobody"]).source == "police_intelligence"


def test_adding_a_person_to_a_group_from_their_case_file(client, world, crews) -> None:
    url = reverse("groups:person_member_new", args=[world["own"].pk])
    assert _as(client, world["other_peer"]).get(url).status_code == 404
    assert _as(client, world["analyst"]).get(url).status_code == 404
    client = _as(client, world["peer"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"group": crews["second"].pk, "member_from": "2022-03-01", "source": "self_reported"})
    assert response.status_code == 302 and response["Location"] == reverse("desk:person", args=[world["own"].pk])
    assert GroupMembership.objects.filter(group=crews["second"], source="self_reported").exists()


def test_ending_and_voiding_pages_are_for_whoever_sees_the_membership(client, world, crews) -> None:
    told = crews["told"]
    for name in ("groups:member_end", "groups:member_void"):
        url = reverse(name, args=[told.pk])
        for role in ("police", "other_peer", "analyst"):
            assert _as(client, world[role]).get(url).status_code == 404, (name, role)
        assert _as(client, world["peer"]).get(url).status_code == 200
    client = _as(client, world["peer"])
    ended = client.post(reverse("groups:member_end", args=[told.pk]), {"member_to": "2022-10-01", "version": "1"})
    assert ended.status_code == 302 and GroupMembership.objects.get(pk=told.pk).member_to == dt.date(2022, 10, 1)
    stale = client.post(reverse("groups:member_void", args=[told.pk]), {"reason": "wrong", "version": "1"})
    assert stale.status_code == 200 and "changed by someone else" in _text(stale)
    voided = client.post(reverse("groups:member_void", args=[told.pk]), {"reason": "wrong", "version": "2"})
    assert voided.status_code == 302 and GroupMembership.objects.get(pk=told.pk).voided_at is not None
    # A police officer voids their own entry, not a peer's.
    assert _as(client, world["police"]).get(reverse("groups:member_void", args=[crews["intel"].pk])).status_code == 200


# --- the network ---------------------------------------------------------------------------------------


def test_the_network_page(client, world, crews) -> None:
    manager = _text(_as(client, world["manager"]).get(reverse("groups:network")))
    assert "No delivered custom notification yet" in manager and "Luis Otero" in manager
    police = _as(client, world["police"]).get(reverse("groups:network"))
    assert "No delivered custom notification yet" not in _text(police) and "Luis Otero" not in _text(police)
    assert police.context["net"].links
    peer = _text(_as(client, world["peer"]).get(reverse("groups:network")))
    assert "Ana Quintana" in peer and "Luis Otero" not in peer and "People in both" not in peer


# --- call-ins ----------------------------------------------------------------------------------------------


def test_the_call_ins_list_counts_what_the_reader_sees(client, world, crews) -> None:
    call_in = crews["call_in"]
    attendance_record(actor=world["police"], call_in=call_in, person=world["own"], invited=True, attended=True)
    attendance_record(actor=world["police"], call_in=call_in, person=world["elsewhere"], invited=True, attended=False)
    for role, expected in (("peer", (1, 1)), ("other_peer", (1, 0)), ("police", (2, 1))):
        rows = _as(client, world[role]).get(reverse("groups:call_ins")).context["rows"]
        assert [(n.invited, n.attended) for _c, n in rows] == [expected], role
    rows = _as(client, world["manager"]).get(reverse("groups:call_ins") + "?q=westgate&held_from=2022-11-10").context
    assert len(rows["rows"]) == 1
    assert _as(client, world["manager"]).get(reverse("groups:call_ins") + "?held_to=2022-11-09").context["rows"] == []


def test_recording_and_changing_a_call_in(client, world, crews) -> None:
    assert _as(client, world["peer"]).get(reverse("groups:call_in_new")).status_code == 403
    client = _as(client, world["police"])
    form = {"held_at": "2022-11-12T18:30", "place": "Barelas Senior Center", "groups": [crews["second"].pk]}
    response = client.post(reverse("groups:call_in_new"), form)
    call_in = CallIn.objects.get(place="Barelas Senior Center")
    assert response.status_code == 302 and list(call_in.groups.all()) == [crews["second"]]
    assert call_in.held_at == dt.datetime(2022, 11, 13, 1, 30, tzinfo=dt.UTC)  # 18:30 in Albuquerque
    edit = reverse("groups:call_in_edit", args=[call_in.pk])
    changed = {**form, "place": "Barelas Library", "version": str(call_in.version)}
    assert client.post(edit, changed).status_code == 302
    assert client.post(edit, changed).status_code == 200  # the version opened is no longer current
    assert CallIn.objects.get(pk=call_in.pk).place == "Barelas Library"
    assert _as(client, world["peer"]).get(edit).status_code == 404


def test_a_peer_worker_records_attendance_of_their_caseload(client, world, crews) -> None:
    url = reverse("groups:call_in", args=[crews["call_in"].pk])
    client = _as(client, world["peer"])
    page = _text(client.get(url))
    assert "Ana Quintana" in page and "Luis Otero" not in page and "(not recorded yet)" in page
    body = {
        "person": [world["own"].pk, world["elsewhere"].pk],
        f"invited-{world['own'].pk}": "on",
        f"attended-{world['own'].pk}": "on",
        f"invited-{world['elsewhere'].pk}": "on",
    }
    response = client.post(url, body)
    assert response.status_code == 302
    recorded = CallInAttendance.objects.get()
    assert (recorded.person, recorded.invited, recorded.attended) == (world["own"], True, True)
    # Unticking "attended" changes the row; a stale version is refused with a message.
    changed = {**body, f"version-{world['own'].pk}": str(recorded.version)}
    del changed[f"attended-{world['own'].pk}"]
    assert client.post(url, changed).status_code == 302
    assert CallInAttendance.objects.get().attended is False
    assert client.post(url, {**body, f"version-{world['own'].pk}": "1"}, follow=True).context["messages"]
    assert CallInAttendance.objects.get().attended is False
    assert _as(client, world["analyst"]).post(url, body).status_code == 404


def test_police_see_everyone_at_a_call_in(client, world, crews) -> None:
    attendance_record(
        actor=world["manager"], call_in=crews["call_in"], person=world["elsewhere"], invited=True, attended=True
    )
    trail = AuditTrail()
    response = _as(client, world["police"]).get(reverse("groups:call_in", args=[crews["call_in"].pk]))
    text = _text(response)
    # Luis attended (a record police see); Ana is a member of the group by police intelligence.
    assert "Luis Otero" in text and "Ana Quintana" in text
    assert sorted(trail.single().changes["shown"]) == sorted([world["own"].pk, world["elsewhere"].pk])


# --- the card on the person's page -------------------------------------------------------------------------


def _card(user, person) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load groups_tags %}{% groups_card person %}").render(
        Context({"request": request, "person": person})
    )


def test_the_case_file_card_shows_what_the_reader_sees(world, crews) -> None:
    attendance_record(actor=world["police"], call_in=crews["call_in"], person=world["own"], invited=True, attended=True)
    own = world["own"]
    peer = _card(world["peer"], own)
    assert TOLD_FROM.isoformat() in peer and INTEL_FROM.isoformat() not in peer and "Westgate Boys" not in peer
    assert "Westgate Community Center" in peer and "Add to a group" in peer
    police = _card(world["police"], own)
    assert INTEL_FROM.isoformat() in police and TOLD_FROM.isoformat() not in police and "Westgate Boys" in police
    assert _card(world["other_peer"], own).strip() == ""
    assert _card(world["analyst"], own).strip() == ""


def test_the_case_file_shows_the_card(client, world, crews) -> None:
    # The page's places for the field records' cards sit with its service referrals.
    service_referral_create(
        actor=world["peer"],
        person=world["own"],
        category=ServiceCategory.objects.get(code="housing"),
        referred_on=dt.date(2022, 11, 4),
    )
    page = _text(_as(client, world["peer"]).get(reverse("desk:person", args=[world["own"].pk])))
    assert "Groups and call-ins" in page and TOLD_FROM.isoformat() in page


def test_junk_in_addresses_and_forms_is_never_a_server_error(client, world, crews) -> None:
    client = _as(client, world["police"])
    for junk in ("²", "-1", "99999999999999999999999", "abc", "٣"):
        assert client.get(reverse("groups:call_in_new") + f"?group={junk}").status_code == 200
        body = {
            "person": [junk, world["own"].pk],
            f"version-{world['own'].pk}": junk,
            f"attended-{world['own'].pk}": "on",
        }
        assert client.post(reverse("groups:call_in", args=[crews["call_in"].pk]), body).status_code == 302
        assert client.get(reverse("groups:group", args=[crews["first"].pk]) + f"?voided={junk}").status_code == 200
    assert CallInAttendance.objects.get().attended is True  # the one real row, recorded once

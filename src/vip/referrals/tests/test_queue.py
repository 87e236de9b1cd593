"""The referral queue as a work queue: newest first (or as chosen), filtered, searched, paged
with its true count, and bulk-assigned by those the policy lets assign (each write audited)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail, PersonFactory, ReferralFactory
from vip.core.models import Area
from vip.referrals.models import Referral

pytestmark = pytest.mark.django_db

NOV = dt.date(2022, 11, 1)


def _as(client, user):
    client.force_login(user)
    return client


def _shown(trail: AuditTrail) -> list[int]:
    return trail.single().changes["shown"]


@pytest.fixture
def city(world):
    """Referrals of several sources, areas, days and assignees, one by a hospital today."""
    areas = list(Area.objects.order_by("pk")[:2])
    made = {
        "school_old": ReferralFactory(person=world["own"], source="school", received_on=NOV, area=areas[0]),
        "community": ReferralFactory(
            person=PersonFactory(first_name="José", last_name="García"),
            source="community",
            received_on=NOV + dt.timedelta(days=5),
            area=areas[1],
            assigned_to=world["peer"],
        ),
        "closed": ReferralFactory(
            person=PersonFactory(first_name="Diego", last_name="Cerrado"),
            received_on=NOV + dt.timedelta(days=6),
            closed_on=NOV + dt.timedelta(days=7),
        ),
    }
    made["hospital_today"] = ReferralFactory(
        person=PersonFactory(first_name="Nueva", last_name="Herida"),
        source="hospital",
        received_on=NOV + dt.timedelta(days=9),
    )
    return made


def test_a_hospital_referral_recorded_today_is_at_the_top_by_default(client, world, city) -> None:
    trail = AuditTrail()
    page = _as(client, world["manager"]).get("/referrals/").content.decode()
    shown = _shown(trail)
    assert shown[0] == city["hospital_today"].pk
    assert shown == [city["hospital_today"].pk, city["community"].pk, city["school_old"].pk]
    assert page.index("Herida") < page.index("García") < page.index("Quintana")
    assert "Showing 1\u20133 of 3" in page


def test_the_queue_sorts_oldest_first_or_by_name_when_asked(client, world, city) -> None:
    trail = AuditTrail()
    _as(client, world["manager"]).get("/referrals/", {"sort": "oldest"})
    assert _shown(trail) == [city["school_old"].pk, city["community"].pk, city["hospital_today"].pk]
    trail = AuditTrail()
    client.get("/referrals/", {"sort": "person"})
    assert _shown(trail) == [city["community"].pk, city["hospital_today"].pk, city["school_old"].pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": "school"}, ["school_old"]),
        ({"status": "closed"}, ["closed"]),
        ({"status": "assigned"}, ["community"]),
        ({"status": "all"}, ["hospital_today", "closed", "community", "school_old"]),
        ({"assigned": "none"}, ["hospital_today", "school_old"]),
        ({"received_from": "2022-11-05", "received_to": "2022-11-10"}, ["hospital_today", "community"]),
        ({"q": "garcia"}, ["community"]),  # accents folded: "García"
        ({"q": "GARCÍA jose"}, ["community"]),
        ({"q": "nobody-like-this"}, []),
    ],
)
def test_the_filters_keep_what_they_say(client, world, city, params, expected) -> None:
    trail = AuditTrail()
    response = _as(client, world["manager"]).get("/referrals/", params)
    assert response.status_code == 200
    assert _shown(trail) == [city[name].pk for name in expected]


def test_the_area_and_assignee_filters(client, world, city) -> None:
    area = city["community"].area
    trail = AuditTrail()
    _as(client, world["manager"]).get("/referrals/", {"area": area.pk})
    assert _shown(trail) == [city["community"].pk]
    trail = AuditTrail()
    client.get("/referrals/", {"assigned": world["peer"].pk})
    assert _shown(trail) == [city["community"].pk]
    # A peer worker's "me".
    trail = AuditTrail()
    _as(client, world["peer"]).get("/referrals/", {"assigned": "me"})
    assert _shown(trail) == [city["community"].pk]


def test_a_key_finds_its_referral(client, world, city) -> None:
    trail = AuditTrail()
    _as(client, world["manager"]).get("/referrals/", {"q": city["school_old"].key, "status": "all"})
    assert _shown(trail) == [city["school_old"].pk]


def test_filters_never_widen_what_the_peer_sees(client, world, city) -> None:
    elsewhere = ReferralFactory(person=world["elsewhere"], received_on=NOV)
    trail = AuditTrail()
    _as(client, world["peer"]).get("/referrals/", {"status": "all", "assigned": "none"})
    assert elsewhere.pk not in _shown(trail)
    assert set(_shown(trail)) == {city["school_old"].pk}  # own caseload, unassigned


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999999999999999999999"},
        {"status": "nonsense"},
        {"source": "<script>"},
        {"area": "99999999999999999999999"},
        {"area": "x"},
        {"assigned": "12345678"},
        {"received_from": "2022-13-45"},
        {"received_to": "0001-01-01"},
        {"sort": "-pk; drop table"},
        {"q": "x" * 5000},
        {"q": "\x00"},
    ],
)
def test_junk_parameters_never_give_a_server_error(client, world, city, params) -> None:
    response = _as(client, world["manager"]).get("/referrals/", params)
    if params == {"q": "\x00"}:  # refused before the view, as everywhere (a 400 page)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert "Herida" in page or "not understood" in page or "No referrals match" in page


def test_a_junk_filter_is_named_and_left_out(client, world, city) -> None:
    page = _as(client, world["manager"]).get("/referrals/", {"status": "nonsense"}).content.decode()
    assert "These filters were not understood and were left out: Status." in page
    assert "Herida" in page  # the rest of the queue is shown as by default


def test_the_queue_pages_with_its_true_count(client, world) -> None:
    made = [ReferralFactory(person=world["own"], received_on=NOV + dt.timedelta(days=i % 28)) for i in range(55)]
    trail = AuditTrail()
    first = _as(client, world["manager"]).get("/referrals/").content.decode()
    assert "Showing 1\u201350 of 55" in first and "Page 1 of 2" in first
    first_shown = _shown(trail)
    assert len(first_shown) == 50
    trail = AuditTrail()
    second = client.get("/referrals/", {"page": 2}).content.decode()
    assert "Showing 51\u201355 of 55" in second
    second_shown = _shown(trail)
    assert sorted(first_shown + second_shown) == sorted(r.pk for r in made)  # no overlap, nothing lost
    trail = AuditTrail()
    past_the_end = client.get("/referrals/", {"page": 7}).content.decode()
    assert "Showing 51\u201355 of 55" in past_the_end  # the last page
    assert 'href="?page=2"' in first or "page=2" in first


def test_an_htmx_request_gets_the_results_only(client, world, city) -> None:
    response = _as(client, world["manager"]).get("/referrals/", {"q": "herida"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "Herida" in page and "García" not in page
    assert 'name="next" value="/referrals/?q=herida"' in page


def test_the_filter_form_searches_as_you_type_and_works_without_javascript(client, world, city) -> None:
    page = _as(client, world["manager"]).get("/referrals/").content.decode()
    assert 'hx-trigger="input changed delay:300ms, change"' in page
    assert 'hx-target="#results"' in page and 'hx-push-url="true"' in page
    assert 'method="get"' in page and 'type="submit"' in page


# --- bulk assign ----------------------------------------------------------------------------------


def test_a_manager_assigns_the_ticked_referrals_each_audited(client, world, city) -> None:
    trail = AuditTrail()
    picked = [city["hospital_today"], city["school_old"]]
    response = _as(client, world["manager"]).post(
        "/referrals/assign/",
        {"referral": [r.pk for r in picked], "assignee": world["other_peer"].pk, "next": "/referrals/?sort=oldest"},
    )
    assert response.status_code == 302 and response["Location"] == "/referrals/?sort=oldest"
    for r in picked:
        r.refresh_from_db()
        assert (r.assigned_to_id, r.status) == (world["other_peer"].pk, "assigned")
    writes = [e for e in trail.events() if e.action == "referral.assign"]
    assert sorted(int(e.object_id) for e in writes) == sorted(r.pk for r in picked)
    assert all(e.actor_id == world["manager"].pk and e.outcome == "success" for e in writes)


def test_bulk_assign_changes_none_when_one_is_closed(client, world, city) -> None:
    _as(client, world["manager"]).post(
        "/referrals/assign/",
        {"referral": [city["hospital_today"].pk, city["closed"].pk], "assignee": world["other_peer"].pk},
    )
    city["hospital_today"].refresh_from_db()
    assert city["hospital_today"].assigned_to_id is None


def test_bulk_assign_leaves_out_referrals_the_manager_does_not_see_and_goes_back_only_to_the_queue(
    client, world, city
) -> None:
    response = _as(client, world["manager"]).post(
        "/referrals/assign/",
        {
            "referral": ["junk", "99999999999999999999999", city["school_old"].pk],
            "assignee": world["peer"].pk,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/referrals/"
    assert Referral.objects.get(pk=city["school_old"].pk).assigned_to_id == world["peer"].pk


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin"])
def test_bulk_assign_is_refused_to_roles_that_may_not_assign(client, world, city, role) -> None:
    trail = AuditTrail()
    response = _as(client, world[role]).post(
        "/referrals/assign/", {"referral": [city["hospital_today"].pk], "assignee": world[role].pk}
    )
    assert response.status_code == 403
    assert Referral.objects.get(pk=city["hospital_today"].pk).assigned_to_id is None
    assert [e for e in trail.events() if e.action == "referral.assign"] == []


def test_bulk_assign_needs_a_choice(client, world, city) -> None:
    response = _as(client, world["manager"]).post("/referrals/assign/", {"assignee": world["peer"].pk}, follow=True)
    assert "Tick at least one referral" in response.content.decode()

"""The service referrals queue: open ones waiting longest first, filtered, paged with the true
count; each role sees what the access policy gives it (police: no health ones; nobody outside
staff), with no provider for those the policy withholds it from."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuditTrail
from vip.core.models import ServiceCategory
from vip.service_referrals.services import service_referral_create, service_referral_move

pytestmark = pytest.mark.django_db
NOV = dt.date(2022, 11, 1)


@pytest.fixture
def services(world):
    cat = {c.code: c for c in ServiceCategory.objects.all()}
    housing = service_referral_create(
        actor=None, person=world["own"], category=cat["housing"], referred_on=NOV, provider="Casa Segura"
    )
    health = service_referral_create(
        actor=None,
        person=world["own"],
        category=cat["behavioral_health"],
        referred_on=NOV + dt.timedelta(days=3),
        provider="Clínica Norte",
    )
    elsewhere = service_referral_create(
        actor=None, person=world["elsewhere"], category=cat["employment"], referred_on=NOV + dt.timedelta(days=1)
    )
    done = service_referral_create(
        actor=None, person=world["nobody"], category=cat["education"], referred_on=NOV + dt.timedelta(days=2)
    )
    done = service_referral_move(
        actor=None, referral=done, status="declined", on=NOV + dt.timedelta(days=4), expected_version=done.version
    )
    return {"housing": housing, "health": health, "elsewhere": elsewhere, "done": done}


def _shown(client, user, params=None) -> list[int]:
    client.force_login(user)
    trail = AuditTrail()
    response = client.get("/services/", params or {})
    assert response.status_code == 200
    return trail.single().changes["shown"]


def test_the_manager_sees_open_referrals_waiting_longest_first(client, world, services) -> None:
    assert _shown(client, world["manager"]) == [services["housing"].pk, services["elsewhere"].pk, services["health"].pk]


def test_filters_status_category_search_and_sort(client, world, services) -> None:
    manager = world["manager"]
    assert _shown(client, manager, {"status": "declined"}) == [services["done"].pk]
    assert _shown(client, manager, {"category": services["housing"].category_id}) == [services["housing"].pk]
    assert _shown(client, manager, {"q": "otero"}) == [services["elsewhere"].pk]
    assert _shown(client, manager, {"sort": "newest"}) == [
        services["health"].pk,
        services["elsewhere"].pk,
        services["housing"].pk,
    ]
    assert _shown(client, manager, {"referred_from": "2022-11-02", "referred_to": "2022-11-02", "status": "all"}) == [
        services["elsewhere"].pk
    ]


def test_the_peer_sees_only_their_caseload_and_police_no_health_referrals(client, world, services) -> None:
    assert set(_shown(client, world["peer"])) == {services["housing"].pk, services["health"].pk}
    assert set(_shown(client, world["police"], {"status": "all"})) == {
        services["housing"].pk,
        services["elsewhere"].pk,
        services["done"].pk,
    }


def test_the_provider_is_shown_only_where_the_policy_shows_it(client, world, services) -> None:
    client.force_login(world["peer"])
    assert "Casa Segura" in client.get("/services/").content.decode()
    for role in ("manager", "police"):
        client.force_login(world[role])
        page = client.get("/services/", {"status": "all"}).content.decode()
        assert "Casa Segura" not in page and "Clínica Norte" not in page


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_that_see_no_service_referrals_are_refused(client, world, services, role) -> None:
    client.force_login(world[role])
    assert client.get("/services/").status_code == 403


@pytest.mark.parametrize(
    "params",
    [{"page": "zz"}, {"status": "x"}, {"category": "999999999999999999999"}, {"referred_from": "1-1-1"}, {"sort": "x"}],
)
def test_junk_parameters_never_give_a_server_error(client, world, services, params) -> None:
    client.force_login(world["manager"])
    assert client.get("/services/", params).status_code == 200

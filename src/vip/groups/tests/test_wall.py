"""The wall through memberships, on every page and API operation of groups and on the case file:
a membership from police intelligence never reaches a peer support worker, one a participant told
peer support (or that peer support knows) never reaches police, whatever the page, count or link.

Group names are known to all staff; the values only one side may see are the days memberships
began (each side's membership has a day of its own, see conftest) and the group's intelligence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tests.security.sweep import _patterns
from vip.accounts.tokens import token_create
from vip.core.models import ServiceCategory
from vip.groups.services import attendance_record, membership_void
from vip.service_referrals.services import service_referral_create

from .conftest import INTEL_FROM, TOLD_FROM

pytestmark = pytest.mark.django_db
KNOWN_FROM = "2022-01-02"  # the peer-knowledge membership of the other peer worker's person


def _addresses(world, crews) -> list[str]:
    """Every page of groups with the ids of the world's records (each membership's pages for every
    membership), the case file of the person, and the list and search pages of groups."""
    ids = {"group_id": [crews["first"].pk, crews["second"].pk], "call_in_id": [crews["call_in"].pk]}
    ids["membership_id"] = [crews[m].pk for m in ("intel", "told", "intel2", "known")]
    ids["person_id"] = [world["own"].pk, world["elsewhere"].pk]
    found = []
    for name, pattern, _route in _patterns(get_resolver()):
        if not name.startswith("groups:"):
            continue
        options: list[dict[str, int]] = [{}]
        for param in pattern.pattern.converters:
            options = [{**kw, param: value} for kw in options for value in ids[param]]
        found += [reverse(name, kwargs=kw) for kw in options]
    found += [reverse("desk:person", args=[world["own"].pk]), reverse("desk:person", args=[world["elsewhere"].pk])]
    found += [reverse("groups:group", args=[pk]) + "?voided=1" for pk in ids["group_id"]]
    found += [reverse("groups:index") + "?q=los"]
    found += [reverse("groups:member_new", args=[crews["first"].pk]) + "?q=quintana"]
    return found


API = ("/api/v1/groups/", "/api/v1/groups/{group}/", "/api/v1/groups/{second}/", "/api/v1/call-ins/")


def _everything(world, crews, role: str) -> dict[str, str]:
    client = Client(raise_request_exception=True)
    client.force_login(world[role])
    answers = {url: client.get(url).content.decode() for url in _addresses(world, crews)}
    token = token_create(actor=None, user=world[role], name="wall")[1]
    api = Client()
    for template in API:
        url = template.format(group=crews["first"].pk, second=crews["second"].pk)
        answers[f"API {url}"] = api.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    return answers


@pytest.fixture
def seeded(world, crews):
    """Both sides' records, on every page: attendance recorded, one membership of each side voided
    (so the voided pages carry them too), and a service referral (the case file's cards sit with it)."""
    for person in ("own", "elsewhere"):
        attendance_record(actor=None, call_in=crews["call_in"], person=world[person], invited=True, attended=True)
        service_referral_create(
            actor=None,
            person=world[person],
            category=ServiceCategory.objects.get(code="housing"),
            referred_on=dt.date(2022, 11, 4),
        )
    membership_void(
        actor=world["police"], membership=crews["intel2"], reason="INTELVOID wrong crew", expected_version=1
    )
    return crews


def _found(answers: dict[str, str], needles: tuple[str, ...]) -> list[str]:
    return [f"{where}: {n}" for where, text in answers.items() for n in needles if n in text]


def test_what_a_participant_told_peer_support_never_reaches_police(world, seeded) -> None:
    answers = _everything(world, seeded, "police")
    assert len(answers) > 30
    assert _found(answers, (TOLD_FROM.isoformat(), KNOWN_FROM, "Self-reported", "Peer support&#x27;s knowledge")) == []
    # The sweep can find what police do see.
    assert _found(answers, (INTEL_FROM.isoformat(), "INTELNOTE", "INTELVOID"))


def test_police_intelligence_never_reaches_a_peer_worker(world, seeded) -> None:
    answers = _everything(world, seeded, "peer")
    assert _found(answers, (INTEL_FROM.isoformat(), "INTELNOTE", "INTELVOID", "Police intelligence")) == []
    assert _found(answers, (TOLD_FROM.isoformat(),))


def test_a_peer_worker_sees_nothing_of_another_caseload(world, seeded) -> None:
    answers = _everything(world, seeded, "other_peer")
    assert _found(answers, (INTEL_FROM.isoformat(), TOLD_FROM.isoformat(), "INTELNOTE", "Quintana")) == []
    assert _found(answers, (KNOWN_FROM,))


def test_managers_plan_over_the_whole_network(world, seeded) -> None:
    answers = _everything(world, seeded, "manager")
    for needle in (INTEL_FROM.isoformat(), TOLD_FROM.isoformat(), KNOWN_FROM, "INTELNOTE", "INTELVOID"):
        assert _found(answers, (needle,)), needle

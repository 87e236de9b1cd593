"""Security row 36 for the mediations: every request to an address naming a mediation (its page,
its forms, the API's mediation) leaves exactly one audit event, whatever its method and whoever
asks: a read when answered (or the write a valid POST made), ``denied`` on the mediation when
refused (403, 404, 405), for a mediation that exists or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from tests.security.sweep import built_once
from vip.audit.models import AuditEvent
from vip.audit.reads import names_person
from vip.mediations.tests.worlds import ROLES, World, build

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

METHODS = ("GET", "HEAD", "OPTIONS", "POST")
REFUSED = {403, 404, 405}
MISSING = 987654
ADDRESS = "203.0.113.36"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, user_maker) -> Iterator[World]:
    with built_once(django_db_blocker, lambda: build(user_maker())) as built:
        yield built


def _patterns() -> list[URLPattern]:
    found = [p for p in get_resolver("vip.mediations.urls").url_patterns if isinstance(p, URLPattern)]
    return [p for p in found if "mediation_id" in p.pattern.converters]


def _urls(world: World, *, missing: bool = False) -> list[str]:
    urls = []
    for pattern in _patterns():
        kwargs = {name: MISSING if missing else world.ids[name] for name in pattern.pattern.converters}
        urls.append(reverse(f"mediations:{pattern.name}", kwargs=kwargs))
    mediation = MISSING if missing else world.ids["mediation_id"]
    return [*urls, reverse("api:mediations_detail", args=[mediation])]


def _check(world: World, role: str, method: str, url: str, object_id: str) -> str | None:
    client = Client(REMOTE_ADDR=ADDRESS, raise_request_exception=False)
    user = world.users[role]
    headers = {}
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    else:
        client.force_login(user)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.generic(method, url, data="", headers=headers)
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    what = f"{role} {method} {url} [{response.status_code}]"
    if response.status_code >= 500 or response.status_code in {400, 401}:
        return f"{what}: unexpected answer"
    if len(events) != 1:
        return f"{what}: {len(events)} events {[(e.action, e.outcome) for e in events]}"
    event = events[0]
    if event.actor_id != user.pk or event.source_address != ADDRESS:
        return f"{what}: the event is not this request's"
    refused = response.status_code in REFUSED
    if event.outcome != ("denied" if refused else "success"):
        return f"{what}: outcome {event.outcome} ({event.action})"
    if (refused or event.action.endswith(".read")) and event.object_id != object_id:
        return f"{what}: names {event.object_type}:{event.object_id}, not {object_id}"
    return None


def test_every_address_naming_a_mediation_is_marked() -> None:
    patterns = _patterns()
    assert {p.name for p in patterns} >= {"detail", "edit", "follow_up", "void", "party_add", "party_remove"}
    assert [p.name for p in patterns if not names_person(p.callback)] == []


@pytest.mark.parametrize("role", ROLES)
def test_every_request_about_a_mediation_is_audited_once_whatever_its_method(world, role) -> None:
    problems = []
    for url in _urls(world):
        for method in METHODS:
            problem = _check(world, role, method, url, str(world.ids["mediation_id"]))
            if problem:
                problems.append(problem)
    assert problems == [], "\n".join(problems)
    events: Any = AuditEvent.objects.filter(actor=world.users[role])
    assert events.filter(outcome="denied").exists()  # refused somewhere (a method, or everything)
    if role in {"peer", "manager"}:
        assert events.filter(outcome="success").exists()


def test_a_mediation_that_does_not_exist_is_a_refusal_on_record(world) -> None:
    problems = []
    for url in _urls(world, missing=True):
        for method in METHODS:
            problem = _check(world, "manager", method, url, str(MISSING))
            if problem:
                problems.append(problem)
    assert problems == [], "\n".join(problems)

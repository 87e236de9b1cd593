"""Row 36 of the security specification: every request to a page or API operation about one person
(or a record tied to one) leaves exactly one audit event, whatever its method: a read when the
answer may name the person, a write when it wrote, ``denied`` when it was refused (403, 404, 405).

The URL patterns are discovered, not listed: every pattern whose path takes the id of a person or
of a record tied to one. A new such page that is not audited on every method fails here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tests.security.sweep import World, _patterns, build_world, built_once
from vip.audit.models import AuditEvent
from vip.audit.reads import names_person

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Path parameters that name a person or a record tied to one person.
PERSON_KEYS = frozenset(
    {
        "person_id",
        "referral_id",
        "notification_id",
        "consent_id",
        "review_id",
        "candidate_id",
        "alias_id",
        "entry_id",
        # The records of the field work.
        "mediation_id",
        "mediation_party_id",
        "mediation_follow_up_id",
        "safety_plan_version",
        "safety_check_in_id",
        "incentive_id",
        "incentive_payment_id",
        "membership_id",
        "hospital_referral_id",
        "bedside_visit_id",
    }
)
# Path parameters of records that are about no one person: a report run (published aggregates) or
# a disparity report's run (aggregates), an audit event (the viewer withholds what it says of a
# person, row 38); the kind of entry a correction names (its entry_id is the record); a report
# chart's name; an upload of the Data page; a job (counts and addresses).
# A group and a call-in are about many people: their pages audit the people shown as a list does.
NOT_PERSON_KEYS = frozenset(
    {"run_id", "fmt", "month", "event_id", "kind", "name", "upload_id", "job_id", "group_id", "call_in_id"}
)
METHODS = ("GET", "HEAD", "OPTIONS", "POST")
ROLES = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")
REFUSED = {403, 404, 405}
MISSING = 987654


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, user_maker: Any) -> Iterator[World]:
    def build() -> World:
        from vip.service_referrals.services import consent_record

        built = build_world(user_maker())
        consent = consent_record(
            actor=built.users["peer"],
            person=built.person,
            purpose="coordinate treatment",
            recipient_kind="managers",
            recipient="VIP program managers",
            signed_on=dt.date(2022, 11, 1),
            expires_on=dt.date(2099, 1, 1),
        )
        built.ids["consent_id"] = consent.pk
        return built

    with built_once(django_db_blocker, build) as built:
        yield built


def person_patterns() -> list[tuple[str, Any, str, list[str]]]:
    """(name, pattern, route, path parameters) of every URL pattern about a person or their record."""
    found = []
    for name, pattern, route in _patterns(get_resolver()):
        params = list(getattr(pattern.pattern, "converters", {}))
        unknown = set(params) - PERSON_KEYS - NOT_PERSON_KEYS
        assert not unknown, f"{route}: is {unknown} a person's record? add it to PERSON_KEYS or NOT_PERSON_KEYS"
        if set(params) & PERSON_KEYS:
            found.append((name, pattern, route, params))
    return found


def person_urls(world: World, *, missing: bool = False) -> list[tuple[str, str]]:
    """(url, the id it names) for every person pattern, with the seeded records' ids (or an id
    that names nothing)."""
    urls = []
    for name, _pattern, route, params in person_patterns():
        kwargs: dict[str, Any] = {}
        for param in params:
            if missing:
                kwargs[param] = MISSING
            elif param == "referral_id" and route.startswith("services/"):
                kwargs[param] = world.ids["service_referral_id"]
            else:
                kwargs[param] = world.ids[param]
        urls.append((reverse(name, kwargs=kwargs), str(kwargs[params[0]])))
    return urls


def test_row_36_every_person_pattern_is_marked_and_swept() -> None:
    patterns = person_patterns()
    names = {name for name, *_ in patterns}
    # The pages and operations the sweep must reach (a discovery that finds nothing proves nothing).
    assert {
        "desk:person",
        "api:person",
        "casework:contact",
        "casework:note",
        "casework:needs",
        "notifications:attempt",
        "notifications:legal_assessment",
        "service_referrals:disclose",
        "identification:candidate",
        "identification:review",
        "referrals:close",
    } <= names
    unmarked = [name for name, pattern, *_ in patterns if not names_person(pattern.callback)]
    assert unmarked == []


def _client(world: World, role: str, url: str) -> tuple[Client, dict[str, str], Any]:
    client = Client(REMOTE_ADDR="203.0.113.36", raise_request_exception=False)
    user = world.users[role]
    if url.startswith("/api/"):
        return client, {"Authorization": f"Bearer {world.tokens[role]}"}, user
    client.force_login(user)
    return client, {}, user


def _check(world: World, role: str, method: str, url: str, object_id: str) -> str | None:
    """The one request; what is wrong with its audit, or None."""
    client, headers, user = _client(world, role, url)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.generic(method, url, data="", headers=headers)
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    what = f"{role} {method} {url} [{response.status_code}]"
    if response.status_code >= 500 or response.status_code in {400, 401}:
        return f"{what}: unexpected answer"
    if len(events) != 1:
        return f"{what}: {len(events)} events {[(e.action, e.outcome) for e in events]}"
    event = events[0]
    if event.actor_id != user.pk or event.request_id != response["X-Request-ID"]:
        return f"{what}: the event is not this request's ({event.actor_name}, {event.request_id})"
    if event.source_address != "203.0.113.36":
        return f"{what}: source {event.source_address}"
    refused = response.status_code in REFUSED
    if event.outcome != ("denied" if refused else "success"):
        return f"{what}: outcome {event.outcome} ({event.action})"
    if (refused or event.action.endswith(".read")) and event.object_id != object_id:
        return f"{what}: names {event.object_type}:{event.object_id}, not {object_id}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_row_36_every_request_about_a_person_is_audited_once_whatever_its_method(world: World, role: str) -> None:
    """Methods x every person pattern (pages and API), as ``role``: exactly one event each, a read
    (or the write a valid POST made) when answered, ``denied`` when refused. A POST carries an empty
    form: a form with errors, shown again with the person's name on it."""
    problems = []
    for url, object_id in person_urls(world):
        for method in METHODS:
            problem = _check(world, role, method, url, object_id)
            if problem:
                problems.append(problem)
    events = AuditEvent.objects.filter(actor=world.users[role])
    answered = events.filter(outcome="success").count()
    refused = events.filter(outcome="denied").count()
    assert problems == [], "\n".join(problems)
    # The matrix sees both sides: every role is refused somewhere (a peer the police pages, the
    # police the casework forms); the roles that work with people are answered somewhere.
    assert refused > 0
    if role in {"peer", "police", "manager"}:
        assert answered > 0


def test_row_36_a_record_that_does_not_exist_is_a_refusal_on_record(world: World) -> None:
    problems = []
    for url, object_id in person_urls(world, missing=True):
        for method in METHODS:
            problem = _check(world, "manager", method, url, object_id)
            if problem:
                problems.append(problem)
    assert problems == [], "\n".join(problems)

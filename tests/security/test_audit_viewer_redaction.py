"""Row 38 of the security specification: the audit viewer shows no identifying data and no case
content to anyone, administrators included. The stored, chained events keep every value.

The world of the access-policy test (tests/security/test_access_policy.py) puts a canary in every
sensitive field of every record a person has, each written through its service (so each create
or update leaves its audit event). Here searches, decisions with free-text reasons and the
people's duplicate records add their own canaries to the trail; then every page of the viewer
(the list, older and older, and every event's own page with its details in full) is read as every
role the access policy lets open it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import models
from django.test import Client

from tests.security import sweep
from tests.security.test_access_policy import World, build_world, canary
from vip.audit.models import AuditEvent
from vip.core.access import entry, sees
from vip.core.sensitivity import sensitivity_of
from vip.identification.services import candidate_revalidate
from vip.people.linking import link_propose, link_reject
from vip.people.services import person_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SEARCH = "CNYSEARCHWORDS38"
LINK_REASON = "CNYLINKREASON38"
REVALIDATE_REASON = "CNYREVALIDATE38"
API_SEARCH = "CNYAPISEARCH38"
# What the audit events of this world must hold (so the test can fail): the trail keeps them.
STORED = ("first_name", "last_name", "date_of_birth", "died_on", "address", "phone", "key")


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, user_maker: Any) -> Iterator[World]:
    def build() -> World:
        built = build_world(user_maker())
        manager, police = built.users["manager"], built.users["police"]
        # Free-text reasons: a rejected duplicate, a re-validated candidacy.
        other = person_create(actor=None, first_name="Other", last_name=canary("people.Person", "last_name"))
        link = link_propose(actor=police, kept=built.person, duplicate=other, evidence=[{"rule": "x", "detail": "y"}])
        link_reject(actor=manager, link=link, reason=LINK_REASON)
        candidate = next(s.record for s in built.seeds if s.label == "identification.Candidate")
        candidate_revalidate(actor=manager, candidate=candidate, reason=REVALIDATE_REASON)
        return built

    with sweep.built_once(django_db_blocker, build) as built:
        yield built


def _searched(world: World) -> None:
    """Searches by words and by a birth date, on the page, its partial and the API."""
    client = Client()
    client.force_login(world.users["manager"])
    last = canary("people.Person", "last_name")
    for query in (f"{SEARCH} {last}", "1999-03-17"):
        assert client.get("/people/", {"q": query}).status_code == 200
        client.get("/people/", {"q": query}, headers={"HX-Request": "true"})
    api = Client()
    token = world.tokens["manager"]
    assert (
        api.get("/api/v1/people/", {"q": API_SEARCH}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )


def _canaries(world: World) -> dict[str, str]:
    """Every value the viewer must withhold: each identifying or case-content field of the seeded
    records (declared sensitive, or words about a person the model does not declare), the search
    words, the free-text reasons."""
    found: dict[str, str] = {}
    for seed in world.seeds:
        model = seed.model
        about_a_person = entry(model).person is not None
        for name, token in seed.fields.items():
            column = model._meta.get_field(name)
            text = isinstance(column, models.Field) and column.get_internal_type() in {"CharField", "TextField"}
            if sensitivity_of(model, name) is not None or (about_a_person and text and not column.choices):
                found[f"{seed.label}.{name}"] = token
    found |= {
        "search words": SEARCH,
        "API search words": API_SEARCH,
        "birth date searched": "1999-03-17",
        "birth date (US)": "03/17/1999",
        "duplicate rejected because": LINK_REASON,
        "re-validated because": REVALIDATE_REASON,
    }
    return found


def _viewer_pages(client: Client) -> tuple[list[str], list[int]]:
    """Every page of the list (older and older), and the ids of the events it lists."""
    pages, ids, url = [], [], "/audit/"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        pages.append(page)
        ids += [int(part.split("/")[0]) for part in page.split('href="/audit/')[1:] if part[:1].isdigit()]
        older = page.split('">' + "Older events")[0].rsplit('href="', 1)[-1] if "Older events" in page else ""
        url = "/audit/" + older.replace("&amp;", "&") if older.startswith("?") else ""
    return pages, sorted(set(ids))


def test_row_38_the_audit_viewer_shows_no_identifying_data_or_case_content_to_anyone(world: World) -> None:
    _searched(world)
    canaries = _canaries(world)
    stored = " ".join(str(changes) for changes in AuditEvent.objects.values_list("changes", flat=True))
    # The trail itself keeps them (the test can fail): names, birth date, day of death, address,
    # phone, key, search words, reasons.
    for name in STORED:
        assert canaries[f"people.Person.{name}"] in stored, name
    for kept in (SEARCH, API_SEARCH, LINK_REASON, canaries["referrals.Referral.reason"]):
        assert kept in stored, kept
    events = AuditEvent.objects.count()

    readers = [role for role, user in world.users.items() if sees(user, AuditEvent)]
    assert readers == ["admin"]  # who the policy lets open the viewer (every one of them is swept)
    for role in readers:
        client = Client()
        client.force_login(world.users[role])
        pages, ids = _viewer_pages(client)
        assert len(ids) >= events  # every event is listed, and has its own page
        pages += [client.get(f"/audit/{pk}/").content.decode() for pk in ids]
        html = "\n".join(pages)
        shown = [f"{what} ({token})" for what, token in canaries.items() if token.lower() in html.lower()]
        assert shown == [], f"the viewer shows {role}: {shown}"
        # What each event is stays shown.
        assert ">person.create<" in html and ">person.search<" in html and "[withheld]" in html


def test_row_38_an_event_page_shows_the_details_whole(world: World) -> None:
    """The list shortens an event's details; its own page shows them all (redacted the same)."""
    admin = world.users["admin"]
    client = Client()
    client.force_login(admin)
    event = max(
        AuditEvent.objects.exclude(changes={}), key=lambda e: len(str(e.changes))
    )  # the event with the longest details
    page = client.get(f"/audit/{event.pk}/").content.decode()
    looked = AuditEvent.objects.order_by("-id").first()  # the look is on record, naming the event
    assert looked is not None and (looked.action, looked.object_id, looked.actor_id) == (
        "audit.read",
        str(event.pk),
        admin.pk,
    )
    assert event.hash in page and event.prev_hash in page
    last_key = sorted(event.changes)[-1]
    assert f"&quot;{last_key}&quot;" in page  # every detail, the last one too
    listed = client.get("/audit/", {"before": event.pk + 1}).content.decode()
    assert len(str(event.changes)) > 200 and f'href="/audit/{event.pk}/">all details' in listed
    for role in ("peer", "police", "manager", "analyst", "integration"):
        other = Client()
        other.force_login(world.users[role])
        assert other.get(f"/audit/{event.pk}/").status_code == 403, role
    assert client.get("/audit/99999999/").status_code == 404

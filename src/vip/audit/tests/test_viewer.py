"""The audit viewer: administrators only, filters and paging, and every look is itself audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from vip.audit.models import AuditEvent
from vip.audit.services import audit_read
from vip.people.selectors import person_search
from vip.people.services import person_create
from vip.referrals.services import referral_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_administrators_read_the_audit_trail(program, make_user) -> None:
    for role in ("peer", "police", "manager", "analyst", "integration"):
        response = _client(make_user(role)).get("/audit/")
        assert response.status_code == 403, role
    assert Client().get("/audit/").status_code == 302  # to the sign-in page
    assert _client(make_user("admin")).get("/audit/").status_code == 200


def test_the_viewer_filters_pages_and_audits_itself(program, make_user) -> None:
    admin = make_user("admin")
    for n in range(105):
        person_create(actor=None, first_name="P", last_name=f"N{n}")
    client = _client(admin)
    page = client.get("/audit/", {"action": "person.create"}).content.decode()
    assert page.count(">person.create<") == 100
    head, before = AuditEvent.objects.order_by("-id")[:2]
    assert head.action == "audit.read"
    assert before.hash in page  # the head as it was when the page was read; the look follows it
    assert head.changes["filters"] == {"action": "person.create"}
    assert len(head.changes["shown"]) == 100
    older = page.split('href="?')[-1].split('"')[0].replace("&amp;", "&")
    rest = client.get("/audit/?" + older).content.decode()
    assert rest.count(">person.create<") == 5
    assert client.get("/audit/", {"actor": "nobody"}).content.decode().count(">person.create<") == 0
    assert AuditEvent.objects.filter(action="audit.read", actor=admin).count() == 3


def test_row_38_the_viewer_withholds_names_keys_search_words_and_reasons(program, make_user) -> None:
    """What an event says of a person (the record's identifying fields, its key, the words a person
    was searched by, a referral's reason) is withheld from the viewer, for every reader (the sweep
    over every field is tests/security/test_audit_viewer_redaction.py); what the event is (who,
    what, when, outcome) stays shown, and the stored, chained event keeps everything."""
    admin, manager = make_user("admin"), make_user("manager")
    person = person_create(
        actor=manager,
        key="KEY-CANARY-38",
        first_name="Xochitl",
        last_name="NAMECANARY",
        date_of_birth=dt.date(1999, 3, 17),
        address="ADDRESS-CANARY 12",
    )
    referral_create(
        actor=manager, person=person, received_on=dt.date(2022, 11, 1), source="hospital", reason="REASON-CANARY"
    )
    hits = person_search(user=manager, query="namecanary")
    audit_read(
        actor=manager,
        action="person.search",
        object_type="people.person",
        shown=[h.person.pk for h in hits],
        details={"query": "SEARCH-CANARY namecanary"},
    )
    page = _client(admin).get("/audit/").content.decode()
    for canary in (
        "KEY-CANARY-38",
        "NAMECANARY",
        "Xochitl",
        "1999-03-17",
        "ADDRESS-CANARY",
        "REASON-CANARY",
        "SEARCH-CANARY",
    ):
        assert canary not in page, canary
    assert ">person.create<" in page and ">referral.create<" in page and ">person.search<" in page
    assert "[withheld]" in page
    stored = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert stored.changes["last_name"] == "NAMECANARY"  # the chained record keeps it

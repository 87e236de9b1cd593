"""The audit viewer: administrators only, filters and paging, and every look is itself audited."""

from __future__ import annotations

import pytest
from django.test import Client

from vip.audit.models import AuditEvent
from vip.people.services import person_create

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

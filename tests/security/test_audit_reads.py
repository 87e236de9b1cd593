"""Rows 16 and 18 of the security specification: every write and every read of person-level data
leaves exactly one audit event with all its fields, and an action whose audit cannot be written
fails without showing or changing anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from vip.accounts.models import User
from vip.accounts.tokens import token_create
from vip.audit.models import AuditEvent
from vip.casework.models import CaseNote
from vip.casework.services import case_note_write
from vip.identification.services import shooting_review_create
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.services import referral_create

pytestmark = pytest.mark.django_db


class World:
    def __init__(self, make_user: Callable[..., User]) -> None:
        self.users = {role: make_user(role) for role in ("peer", "police", "manager", "integration")}
        self.other_peer = make_user("peer")
        self.person = person_assign_peer(
            actor=None,
            person=person_create(actor=None, first_name="Ana", last_name="Quintana", date_of_birth=dt.date(2000, 1, 2)),
            peer=self.users["peer"],
        )
        self.referral = referral_create(
            actor=None, person=self.person, received_on=dt.date(2022, 11, 1), source="hospital"
        )
        self.review = shooting_review_create(actor=self.users["police"], held_on=dt.date(2022, 11, 4))
        case_note_write(actor=self.users["peer"], person=self.person, text="RESTRICTED-NOTE-16")
        from vip.core.models import ServiceCategory
        from vip.notifications.services import notification_plan
        from vip.service_referrals.services import service_referral_create

        self.plan = notification_plan(actor=None, person=self.person, planned_on=dt.date(2022, 11, 3))
        self.service = service_referral_create(
            actor=self.users["peer"],
            person=self.person,
            category=ServiceCategory.objects.get(code="substance_use"),
            referred_on=dt.date(2022, 11, 4),
        )
        self.tokens = {
            role: token_create(actor=None, user=self.users[role], name="t")[1] for role in ("manager", "integration")
        }


@pytest.fixture
def world(program: Any, make_user: Callable[..., User]) -> World:
    return World(make_user)


def _request(world: World, role: str, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    client = Client(REMOTE_ADDR="203.0.113.16", raise_request_exception=False)
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        if method == "post":
            return client.post(url, data, content_type="application/json", headers=headers)
        return client.get(url, headers=headers)
    client.force_login(world.other_peer if role == "other_peer" else world.users[role])
    return client.post(url, data) if method == "post" else client.get(url, data or {})


# (who, method, url, form data, the audit action expected, the object it names, the outcome)
CASES: list[tuple[str, str, Callable[[World], str], Any, str, Callable[[World], tuple[str, str]], str]] = [
    ("peer", "get", lambda w: f"/people/{w.person.pk}/", None, "person.read",
     lambda w: ("people.person", str(w.person.pk)), "success"),
    ("manager", "get", lambda w: "/people/", {"q": "quintana"}, "person.search",
     lambda w: ("people.person", ""), "success"),
    ("peer", "get", lambda w: f"/casework/people/{w.person.pk}/note/", None, "person.read",
     lambda w: ("people.person", str(w.person.pk)), "success"),
    ("other_peer", "get", lambda w: f"/people/{w.person.pk}/", None, "person.read",
     lambda w: ("people.person", str(w.person.pk)), "denied"),
    ("other_peer", "get", lambda w: f"/casework/people/{w.person.pk}/note/", None, "person.read",
     lambda w: ("people.person", str(w.person.pk)), "denied"),
    ("peer", "get", lambda w: "/home/", None, "home.read", lambda w: ("people.person", ""), "success"),
    ("manager", "get", lambda w: "/referrals/", None, "referral.list_read",
     lambda w: ("referrals.referral", ""), "success"),
    ("police", "get", lambda w: "/identification/reviews/", None, "shooting_review.list_read",
     lambda w: ("identification.shootingreview", ""), "success"),
    ("police", "get", lambda w: f"/identification/reviews/{w.review.pk}/", None, "shooting_review.read",
     lambda w: ("identification.shootingreview", str(w.review.pk)), "success"),
    ("manager", "get", lambda w: "/api/v1/people/", None, "person.list_read",
     lambda w: ("people.person", ""), "success"),
    ("manager", "get", lambda w: "/api/v1/people/?q=quintana", None, "person.search",
     lambda w: ("people.person", ""), "success"),
    ("manager", "get", lambda w: f"/api/v1/people/{w.person.pk}/", None, "person.read",
     lambda w: ("people.person", str(w.person.pk)), "success"),
    ("manager", "get", lambda w: "/api/v1/referrals/", None, "referral.list_read",
     lambda w: ("referrals.referral", ""), "success"),
    ("manager", "post", lambda w: "/data/export/", {}, "interchange.export", lambda w: ("", ""), "success"),
    ("police", "get", lambda w: f"/notifications/{w.plan.pk}/legal-assessment/", None, "customnotification.read",
     lambda w: ("notifications.customnotification", str(w.plan.pk)), "success"),
    ("peer", "get", lambda w: f"/notifications/{w.plan.pk}/legal-assessment/", None, "customnotification.read",
     lambda w: ("notifications.customnotification", str(w.plan.pk)), "denied"),
    ("peer", "get", lambda w: f"/services/{w.service.pk}/move/", None, "servicereferral.read",
     lambda w: ("service_referrals.servicereferral", str(w.service.pk)), "success"),
    ("police", "get", lambda w: f"/services/{w.service.pk}/move/", None, "servicereferral.read",
     lambda w: ("service_referrals.servicereferral", str(w.service.pk)), "denied"),
    ("manager", "get", lambda w: f"/referrals/{w.referral.pk}/close/", None, "referral.read",
     lambda w: ("referrals.referral", str(w.referral.pk)), "success"),
    # Writes, through the web and the API: the write's own event, and no read event besides.
    ("peer", "post", lambda w: f"/casework/people/{w.person.pk}/note/", {"text": "a visit went well"},
     "casework.case_note", lambda w: ("casework.casenote", str(CaseNote.objects.order_by("-pk")[0].pk)), "success"),
    ("manager", "post", lambda w: f"/referrals/{w.referral.pk}/assign/", {"assignee": "PEER"}, "referral.assign",
     lambda w: ("referrals.referral", str(w.referral.pk)), "success"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "method", "url", "data", "action", "target", "outcome"), CASES)
def test_row_16_every_read_and_write_of_person_data_is_audited_once_with_all_fields(
    world: World, who: str, method: str, url: Any, data: Any, action: str, target: Any, outcome: str
) -> None:
    if data == {"assignee": "PEER"}:
        data = {"assignee": world.users["peer"].pk}
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _request(world, who, method, url(world), data)
    assert response.status_code in {200, 302, 404}, response.content[:300]
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert [e.action for e in events] == [action], [(e.action, e.object_id) for e in events]
    event = events[0]
    user = world.other_peer if who == "other_peer" else world.users[who]
    assert (event.actor_id, event.actor_name, event.actor_role) == (user.pk, user.username, user.role)
    assert event.outcome == outcome
    assert event.source_address == "203.0.113.16"
    assert event.request_id and response["X-Request-ID"] == event.request_id
    assert event.occurred_at is not None and event.occurred_at.utcoffset() == dt.timedelta(0)
    object_type, object_id = target(world)
    if object_type:
        assert (event.object_type, event.object_id) == (object_type, object_id)
    if action.endswith(("list_read", "search")) or action == "home.read":
        assert "shown" in event.changes  # which records the reader was shown
    if outcome == "denied":
        assert response.status_code == 404
    assert "RESTRICTED-NOTE-16" not in str(event.changes)


def test_row_16_a_search_records_who_was_shown(world: World) -> None:
    _request(world, "manager", "get", "/people/", {"q": "quintana"})
    event = AuditEvent.objects.filter(action="person.search").get()
    # Who was shown, on which page of how many matches.
    assert event.changes == {"query": "quintana", "shown": [world.person.pk], "page": 1, "total": 1}


@pytest.fixture
def audit_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit store refuses every write from here on (as a full disk or a lost database would)."""
    from vip.audit import chain

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(chain, "digest", refuse)


def test_row_18_if_the_audit_cannot_be_written_a_read_shows_nothing(world: World, audit_down: None) -> None:
    for who, url in [
        ("peer", f"/people/{world.person.pk}/"),
        ("manager", "/people/?q=quintana"),
        ("peer", "/home/"),
        ("manager", "/referrals/"),
        ("manager", f"/api/v1/people/{world.person.pk}/"),
        ("manager", "/api/v1/people/?q=quintana"),
    ]:
        response = _request(world, who, "get", url)
        assert response.status_code == 500, url
        assert b"Quintana" not in response.content, url
        assert b"RESTRICTED-NOTE-16" not in response.content, url


def test_row_18_if_the_audit_cannot_be_written_a_write_changes_nothing(world: World, audit_down: None) -> None:
    notes = CaseNote.objects.count()
    people = Person.objects.count()
    response = _request(
        world, "peer", "post", f"/casework/people/{world.person.pk}/note/", {"text": "must not be kept"}
    )
    assert response.status_code == 500
    response = _request(
        world,
        "integration",
        "post",
        "/api/v1/referrals/",
        {
            "key": "H-18",
            "received_on": "2022-11-02",
            "source": "hospital",
            "person": {"key": "P-18", "first_name": "Luz", "last_name": "Audit"},
        },
    )
    assert response.status_code == 500
    assert b"Luz" not in response.content
    assert (CaseNote.objects.count(), Person.objects.count()) == (notes, people)
    assert "must not be kept" not in [note.text for note in CaseNote.objects.all()]

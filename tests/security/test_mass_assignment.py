"""Row 14 of the security specification: a write that also sets role, owner or assignment fields
it may not set changes nothing of those fields (the API and the web forms take named fields only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from vip.accounts.models import User
from vip.accounts.tokens import token_create
from vip.casework.models import CaseNote
from vip.identification.models import Incident
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_row_14_api_writes_ignore_fields_they_may_not_set(program, make_user) -> None:
    integration, manager, peer = make_user("integration"), make_user("manager"), make_user("peer")
    token = token_create(actor=None, user=integration, name="hospital")[1]
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        "/api/v1/referrals/",
        {
            "key": "H-14",
            "received_on": "2022-11-02",
            "source": "hospital",
            "status": "accepted",
            "assigned_to": manager.pk,
            "id": 999,
            "created_by": manager.pk,
            "version": 50,
            "person": {
                "key": "P-14",
                "first_name": "Rafa",
                "last_name": "Assign",
                "assigned_peer": peer.pk,
                "role": "admin",
                "id": 777,
            },
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(key="H-14")
    assert (referral.status, referral.assigned_to_id, referral.version) == ("received", None, 1)
    assert referral.pk != 999
    person = Person.objects.get(key="P-14")
    assert person.assigned_peer_id is None and person.pk != 777
    response = client.post(
        "/api/v1/incidents/",
        {
            "key": "I-14",
            "occurred_at": "2022-11-02T23:00:00-07:00",
            "type": "shooting",
            "involvements": [],
            "id": 5555,
            "reviewed": True,
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    assert Incident.objects.get(key="I-14").pk != 5555
    integration.refresh_from_db()
    assert (integration.role, integration.is_staff, integration.is_superuser) == ("integration", False, False)


def test_row_14_web_forms_ignore_fields_they_may_not_set(program, make_user) -> None:
    peer, other = make_user("peer"), make_user("peer")
    manager = make_user("manager")
    mine = person_assign_peer(actor=None, person=person_create(actor=None, first_name="A", last_name="B"), peer=peer)
    theirs = person_assign_peer(actor=None, person=person_create(actor=None, first_name="C", last_name="D"), peer=other)
    client = Client()
    client.force_login(manager)
    response = client.post(
        "/people/new/",
        {"first_name": "Eva", "last_name": "Mass", "assigned_peer": peer.pk, "key": "CHOSEN", "id": 4242},
    )
    assert response.status_code == 302
    eva = Person.objects.get(last_name="Mass")
    assert eva.assigned_peer_id is None and eva.key != "CHOSEN" and eva.pk != 4242
    client.force_login(peer)
    response = client.post(
        f"/casework/people/{mine.pk}/note/",
        {"text": "a note", "person": theirs.pk, "author": other.pk, "written_at": "2001-01-01T00:00"},
    )
    assert response.status_code == 302
    note = CaseNote.objects.order_by("-pk")[0]
    assert note.text == "a note"
    assert (note.person_id, note.author_id) == (mine.pk, peer.pk)
    assert note.written_at.date() > dt.date(2020, 1, 1)
    peer.refresh_from_db()
    assert peer.role == User.Role.PEER

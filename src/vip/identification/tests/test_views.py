"""The Criteria page (every staff member), the Candidates queue and a candidate's page
(managers only), decisions through the page, reads audited, the person page's link."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.core.config import program_today
from vip.identification.choices import CandidateStatus
from vip.identification.engine import identify
from vip.identification.models import Candidate
from vip.identification.services import identify_propose, incident_record, involvement_add
from vip.people.services import person_create


@pytest.fixture
def proposed(program, make_user) -> Candidate:
    police = make_user("police")
    when = dt.datetime.combine(program_today() - dt.timedelta(days=3), dt.time(21), tzinfo=ZoneInfo("America/Denver"))
    incident = incident_record(actor=police, key="26-555001", occurred_at=when, type="shooting")
    person = person_create(actor=None, first_name="Ana", last_name="Griego", key="APD-77")
    involvement_add(actor=police, incident=incident, person=person, role="victim")
    identify_propose(actor=None, result=identify(as_of=program_today()))
    return Candidate.objects.get(person=person)


@pytest.mark.parametrize("role", ["peer", "police", "manager", "analyst", "admin"])
def test_every_staff_member_reads_the_criteria(client, program, make_user, role) -> None:
    client.force_login(make_user(role))
    response = client.get(reverse("identification:criteria"))
    assert response.status_code == 200
    assert "Shot in the last 90 days" in response.content.decode()


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin"])
def test_only_managers_see_candidates(client, proposed, make_user, role) -> None:
    client.force_login(make_user(role))
    assert client.get(reverse("identification:candidates")).status_code == 403
    url = reverse("identification:candidate", args=[proposed.pk])
    assert client.get(url).status_code == 404  # a record the role may not see: not even its existence
    assert client.post(url, {"form": "decide", "decide-decision": "approve", "decide-reason": "x"}).status_code == 404
    assert Candidate.objects.get(pk=proposed.pk).status == CandidateStatus.PROPOSED


def test_a_manager_reviews_from_the_queue_and_the_reads_are_audited(client, proposed, make_user) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    queue = client.get(reverse("identification:candidates"))
    assert "Ana Griego" in queue.content.decode()
    event = AuditEvent.objects.filter(action="candidate.list_read").latest("id")
    assert event.changes["shown"] == [proposed.pk] and event.actor_id == manager.pk
    url = reverse("identification:candidate", args=[proposed.pk])
    page = client.get(url).content.decode()
    assert "26-555001" in page
    assert AuditEvent.objects.filter(action="candidate.read", object_id=str(proposed.pk)).exists()
    # A decision without a reason stays on the page with the error; with one, it is recorded.
    response = client.post(url, {"form": "decide", "decide-decision": "approve", "decide-reason": ""})
    assert response.status_code == 200 and Candidate.objects.get().status == CandidateStatus.PROPOSED
    response = client.post(url, {"form": "decide", "decide-decision": "approve", "decide-reason": "reviewed"})
    assert response.status_code == 302
    assert Candidate.objects.get().status == CandidateStatus.APPROVED
    approved = client.get(reverse("identification:candidates") + "?status=approved").content.decode()
    assert "Ana Griego" in approved
    person_page = client.get(reverse("desk:person", args=[proposed.person_id])).content.decode()
    assert "Candidacy: approved" in person_page


def test_police_see_no_candidacy_on_a_person_page(client, proposed, make_user) -> None:
    client.force_login(make_user("police"))
    page = client.get(reverse("desk:person", args=[proposed.person_id])).content.decode()
    assert "Candidacy" not in page

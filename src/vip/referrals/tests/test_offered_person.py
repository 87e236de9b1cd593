"""A peer support worker opens the person behind a referral offered (assigned) to her before
accepting it, read-only of what a peer may read, audited; never the person behind a referral
offered to someone else (access policy: people.Person, "own caseload and assigned to them")."""

from __future__ import annotations

import pytest

from tests.factories import AuditTrail, ReferralFactory
from vip.people.services import alias_add
from vip.referrals.services import referral_assign

pytestmark = pytest.mark.django_db


def test_the_assignee_opens_the_person_before_accepting_and_the_read_is_audited(client, world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    assert referral.status == "assigned"  # offered, not accepted
    client.force_login(world["peer"])
    trail = AuditTrail()
    response = client.get(f"/people/{world['nobody'].pk}/")
    assert response.status_code == 200
    assert "Rosa Nadie" in response.content.decode()
    event = trail.single()
    assert (event.action, event.outcome, event.actor_id, event.object_id) == (
        "person.read",
        "success",
        world["peer"].pk,
        str(world["nobody"].pk),
    )


def test_the_queue_links_the_offered_referral_to_its_person(client, world) -> None:
    ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    client.force_login(world["peer"])
    page = client.get("/referrals/").content.decode()
    assert f'href="/people/{world["nobody"].pk}/"' in page


def test_a_peer_cannot_open_the_person_of_a_referral_offered_to_someone_else(client, world) -> None:
    ReferralFactory(person=world["nobody"], assigned_to=world["other_peer"])
    client.force_login(world["peer"])
    trail = AuditTrail()
    response = client.get(f"/people/{world['nobody'].pk}/")
    assert response.status_code == 404
    assert "Nadie" not in response.content.decode()
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("person.read", "denied", str(world["nobody"].pk))


def test_the_access_ends_when_the_referral_is_offered_to_someone_else(client, world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    referral_assign(actor=world["manager"], referral=referral, assignee=world["other_peer"])
    client.force_login(world["peer"])
    assert client.get(f"/people/{world['nobody'].pk}/").status_code == 404
    client.force_login(world["other_peer"])
    assert client.get(f"/people/{world['nobody'].pk}/").status_code == 200


def test_the_offered_person_shows_no_caseload_records_to_the_assignee(client, world) -> None:
    """Read-only of what a peer may read: the caseload's records (aliases) stay with the person's
    own peer worker until the referral is accepted."""
    alias_add(actor=None, person=world["elsewhere"], kind="street_name", name="Flaco")
    ReferralFactory(person=world["elsewhere"], assigned_to=world["peer"])
    client.force_login(world["peer"])
    page = client.get(f"/people/{world['elsewhere'].pk}/").content.decode()
    assert "Luis Otero" in page
    assert "Flaco" not in page

"""``referral_list``: each role gets exactly the referrals the access policy declares.

referrals.Referral: peer "own caseload and assigned to them", police and managers all, analysts
de-identified only (never on a page), everyone else none. Its key, referrer and reason are
identifying fields: shown to the staff who see the record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import PersonFactory, ReferralFactory
from vip.referrals.selectors import referral_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(world):
    return {
        "own": ReferralFactory(key="R-OWN", person=world["own"], reason="own caseload"),
        "elsewhere": ReferralFactory(key="R-ELSE", person=world["elsewhere"]),
        # Offered to the peer: the person is on nobody's caseload yet.
        "offered": ReferralFactory(key="R-OFFERED", person=world["nobody"], assigned_to=world["peer"]),
        "offered_elsewhere": ReferralFactory(
            key="R-OFFERED-ELSE", person=PersonFactory(), assigned_to=world["other_peer"]
        ),
        "unassigned": ReferralFactory(key="R-NEW", person=PersonFactory()),
    }


def _keys(user) -> set[str]:
    return set(referral_list(user=user).values_list("key", flat=True))


def test_a_peer_sees_their_caseloads_referrals_and_those_assigned_to_them(world, referrals) -> None:
    assert _keys(world["peer"]) == {"R-OWN", "R-OFFERED"}
    assert _keys(world["other_peer"]) == {"R-ELSE", "R-OFFERED-ELSE"}


def test_a_peer_sees_a_referral_of_their_caseload_assigned_to_someone_else(world) -> None:
    ReferralFactory(key="R-OWN-BUT-ELSEWHERE", person=world["own"], assigned_to=world["other_peer"])
    assert _keys(world["peer"]) == {"R-OWN-BUT-ELSEWHERE"}
    assert _keys(world["other_peer"]) == {"R-OWN-BUT-ELSEWHERE"}


def test_a_peer_sees_the_person_behind_a_referral_offered_to_them(world, referrals) -> None:
    offered = referral_list(user=world["peer"]).get(key="R-OFFERED")
    assert (offered.person.first_name, offered.person.last_name) == ("Rosa", "Nadie")
    assert (offered.referred_by, offered.reason) == ("UNM Hospital", "Treated for a gunshot wound")


@pytest.mark.parametrize("role", ["police", "manager"])
def test_police_and_managers_see_every_referral_with_its_fields(world, referrals, role) -> None:
    assert _keys(world[role]) == {"R-OWN", "R-ELSE", "R-OFFERED", "R-OFFERED-ELSE", "R-NEW"}
    own = referral_list(user=world[role]).get(key="R-OWN")
    assert (own.referred_by, own.reason, own.source) == ("UNM Hospital", "own caseload", "hospital")
    assert own.person.last_name == "Quintana"


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("analyst", "Your role does not see referrals"),  # de-identified exports only, never a page
        ("admin", "Your role does not see referrals"),
        ("integration", "Your role does not see referrals"),
    ],
)
def test_other_roles_are_refused(world, referrals, role, message) -> None:
    with pytest.raises(PermissionDenied, match=message):
        referral_list(user=world[role])


def test_the_operator_sees_every_referral(referrals) -> None:
    assert len(referral_list(user=None)) == 5

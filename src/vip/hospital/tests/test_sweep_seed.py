"""This app's part of the canary sweep (``tests/sweep.py``): its seed carries the canaries where the
assigned peer worker reads them, and nowhere police or managers look (the full sweep over every
page runs in tests/security/test_the_wall.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from vip.accounts.tokens import token_create

from . import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world):
    users = {
        role: world[role] for role in ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")
    }
    return users, sweep.seed(users, world["own"]) | {"person_id": world["own"].pk}


def _everything(users, ids, role) -> str:
    """My pages and API addresses, as ``role`` gets them."""
    client = Client()
    client.force_login(users[role])
    pages = [
        "/hospital/",
        f"/hospital/{ids['hospital_referral_id']}/",
        f"/hospital/{ids['hospital_referral_id']}/edit/",
        f"/hospital/{ids['hospital_referral_id']}/visits/new/",
        f"/hospital/visits/{ids['bedside_visit_id']}/void/",
        f"/people/{ids['person_id']}/",
    ]
    texts = [client.get(url).content.decode() for url in pages]
    key = token_create(actor=None, user=users[role], name="seed")[1]
    api = Client()
    texts += [
        api.get(address.format(**ids), HTTP_AUTHORIZATION=f"Bearer {key}").content.decode() for address in sweep.API
    ]
    return "\n".join(texts)


def test_the_assigned_peer_reads_every_canary(seeded) -> None:
    users, ids = seeded
    text = _everything(users, ids, "peer")
    assert all(canary in text for canary in sweep.CASEWORK)


@pytest.mark.parametrize("role", ["police", "manager", "other_peer", "analyst", "admin", "integration"])
def test_no_other_role_reads_one(seeded, role) -> None:
    users, ids = seeded
    text = _everything(users, ids, role)
    assert [canary for canary in sweep.CASEWORK if canary in text] == []


def test_an_address_of_a_record_not_seeded_names_nothing() -> None:
    assert sweep.API[-1].format(person_id=3) == "/api/v1/hospital-referrals/0/"

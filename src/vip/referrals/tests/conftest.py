"""The people and accounts the referral tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PersonFactory, UserFactory, staff


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and three people: one on the peer's
    caseload (``own``), one on the other peer's (``elsewhere``), one on nobody's (``nobody``)."""
    users = staff("peer", "police", "manager", "analyst", "admin", "integration")
    other_peer = UserFactory(role="peer")
    return {
        **users,
        "other_peer": other_peer,
        "own": PersonFactory(first_name="Ana", last_name="Quintana", peer=users["peer"]),
        "elsewhere": PersonFactory(first_name="Luis", last_name="Otero", peer=other_peer),
        "nobody": PersonFactory(first_name="Rosa", last_name="Nadie"),
    }

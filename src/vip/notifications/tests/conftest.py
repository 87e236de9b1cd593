"""The people and accounts the notification tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PersonFactory, UserFactory, staff
from vip.core.models import Area


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, a person on the peer's caseload (``own``,
    living in the Valley area command) and one on the other peer's (``elsewhere``)."""
    users = staff("peer", "police", "manager", "analyst", "admin", "integration")
    other_peer = UserFactory(role="peer")
    return {
        **users,
        "other_peer": other_peer,
        "own": PersonFactory(
            first_name="Ana", last_name="Quintana", peer=users["peer"], area=Area.objects.get(code="valley")
        ),
        "elsewhere": PersonFactory(first_name="Luis", last_name="Otero", peer=other_peer),
    }

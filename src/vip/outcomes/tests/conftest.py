"""The people and accounts the outcome tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PersonFactory, staff


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a person on the peer's caseload (``own``) and one on nobody's."""
    users = staff("peer", "police", "manager", "analyst", "admin", "integration")
    return {
        **users,
        "own": PersonFactory(first_name="Ana", last_name="Quintana", peer=users["peer"]),
        "nobody": PersonFactory(first_name="Rosa", last_name="Nadie"),
    }

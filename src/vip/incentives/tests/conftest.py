"""The people and accounts the incentives tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import UserFactory, caseload_world


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker and a second manager, and a person on the
    peer's caseload (``own``), one on the other peer's (``elsewhere``) and one on nobody's."""
    return {**caseload_world(), "other_manager": UserFactory(role="manager")}

"""The people and accounts the casework tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import caseload_world


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, and a person on the peer's caseload
    (``own``), one on the other peer's (``elsewhere``) and one on nobody's (``nobody``)."""
    return caseload_world()

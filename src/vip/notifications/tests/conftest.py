"""The people and accounts the notification tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import caseload_world
from vip.core.models import Area


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    """One account of each role, a second peer worker, a person on the peer's caseload (``own``,
    living in the Valley area command), one on the other peer's (``elsewhere``), one on nobody's."""
    return caseload_world(area=Area.objects.get(code="valley"))

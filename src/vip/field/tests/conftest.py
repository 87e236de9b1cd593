"""The accounts and people the field app's tests act on, built through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import caseload_world


@pytest.fixture
def world(program: Any) -> dict[str, Any]:
    return caseload_world()

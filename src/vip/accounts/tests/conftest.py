"""The sign-in tests' clock (vip.accounts.tests.helpers.Clock)."""

from __future__ import annotations

import pytest

from vip.accounts.tests.helpers import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)

"""Fixtures of the interchange's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.security.test_access_policy import build_world
from vip.interchange.mapping import EXPORT
from vip.interchange.schema import FILES
from vip.interchange.services import bundle_import
from vip.interchange.tests.worlds import RICH, write_lines


@pytest.fixture
def rich(program, make_user, tmp_path: Path) -> dict[str, Any]:
    """The canary world of row 34 (every kind of record a person has, a canary in every text
    field) and the rich bundle on top, so that every table the bundle fills has every field."""
    world = build_world(make_user)
    result = bundle_import(actor=None, path=write_lines(tmp_path / "rich", RICH))
    assert result.written, [str(p) for p in result.problems]
    # Every column of every bundle table holds a value somewhere (so a wiped one would show).
    for spec in FILES:
        if spec.name == "involvements.csv":
            continue
        carried = {c.lookup for c in EXPORT[spec.name] if "__" not in c.lookup}
        for name in carried | set(getattr(spec.model, "SENSITIVE_FIELDS", {})):
            column = spec.model._meta.get_field(name)
            if not (column.null or column.blank):
                continue  # required: always holds a value
            empty: Any = None if column.null else ""
            assert spec.model._base_manager.exclude(**{name: empty}).exists(), (spec.name, name)
    return {"users": world.users}


@pytest.fixture(autouse=True)
def _upload_folder(settings, tmp_path: Path) -> None:
    """Files uploaded by a test are kept in its own folder (vip.interchange.uploads)."""
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"

"""Acceptance: the demo city's own bundle, field records included (format 2) -> import -> export ->
import changes nothing, and the export equals the bundle up to row and column order (and the
optional columns added to version 1 that the bundle does not have, which the export writes
empty)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from vip.core.config import program_config
from vip.demo.generator import generate_bundle
from vip.interchange.export import bundle_export
from vip.interchange.schema import FIELD_FILE_NAMES, FILES_BY_NAME
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import table_counts

pytestmark = pytest.mark.django_db


def _row_set(path: Path, columns: set[str] | None = None) -> set[tuple[tuple[str, str], ...]]:
    """The rows of a file (of these columns only, if given)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            tuple(sorted((k, v) for k, v in row.items() if columns is None or k in columns))
            for row in csv.DictReader(handle)
        }


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def test_demo_city_round_trip(program, tmp_path: Path) -> None:
    bundle = tmp_path / "demo"
    generated = generate_bundle(
        bundle,
        seed=7,
        scale=0.15,
        end=dt.date(2023, 6, 30),
        areas=list(program.areas),
        service_categories=list(program.service_categories),
        time_zone=program.time_zone,
        field_work={code: m.amount_cents for code, m in program_config().field_work.milestones.items()},
    )
    assert sum(generated.values()) > 2000
    assert all(generated[name] > 0 for name in FIELD_FILE_NAMES), generated

    first = bundle_import(actor=None, path=bundle)
    assert first.written, [str(p) for p in first.problems]
    assert {name: c.created for name, c in first.counts.items()} == generated

    out = tmp_path / "export"
    exported = bundle_export(actor=None, out_dir=out)
    assert exported == generated
    for name in generated:
        sent = set(_header(bundle / name))
        added = set(_header(out / name)) - sent
        if name in FILES_BY_NAME:
            assert added <= {c.name for c in FILES_BY_NAME[name].columns if c.keep_when_absent}, name
        else:
            assert not added, name
        assert _row_set(out / name, sent) == _row_set(bundle / name), name
        assert _row_set(out / name, added) <= {tuple((column, "") for column in sorted(added))}, name

    before = table_counts()
    again = bundle_import(actor=None, path=out)
    assert {name: c.unchanged for name, c in again.counts.items()} == generated
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 1
    assert after == before

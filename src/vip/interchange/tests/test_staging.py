"""The staged load (ADR 6, ``staging.py``) against the row import, on both databases.

The staged load may only ever take a bundle the row import takes, and must leave exactly
what the row import leaves: the records, their derived fields, the status history and the
audit's batch events. Whatever it does not take (a problem of any kind) goes to the row
import, whose problems are then reported as always.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import transaction

from vip.audit.models import AuditEvent
from vip.demo.generator import generate_bundle
from vip.interchange import staging
from vip.interchange.export import bundle_export
from vip.interchange.services import bundle_import
from vip.interchange.tests.worlds import RICH, write_lines
from vip.people.models import Person
from vip.service_referrals.models import ServiceReferralStatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken() -> Iterator[list[bool]]:
    """Records, for each import, whether the staged load took it."""
    seen: list[bool] = []
    real = staging.StagedLoad.run

    def run(self: staging.StagedLoad) -> dict[str, int]:
        try:
            counts = real(self)
        except staging.NotStagedError:
            seen.append(False)
            raise
        seen.append(True)
        return counts

    with mock.patch.object(staging.StagedLoad, "run", run):
        yield seen


def _outcome(bundle: Path, tmp_path: Path, name: str) -> dict[str, Any]:
    """Import ``bundle`` into the empty program, describe everything it left, roll it back."""
    with transaction.atomic():
        first_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        result = bundle_import(actor=None, path=bundle)
        assert result.written, [str(p) for p in result.problems[:5]]
        out = tmp_path / name
        bundle_export(actor=None, out_dir=out)
        files = {p.name: sorted(p.read_text(encoding="utf-8").splitlines()) for p in out.glob("*.csv")}
        people = sorted(Person.objects.values_list("key", "search_name", "version", "assigned_peer_id"))
        history = sorted(
            ServiceReferralStatusChange.objects.values_list(
                "service_referral__key", "status", "changed_on", "recorded_by_id"
            )
        )
        events = [
            (e.action, e.object_type, e.object_id, e.changes)
            for e in AuditEvent.objects.filter(id__gt=first_event, action="interchange.import.batch").order_by("id")
        ]
        counts = {n: vars(c) for n, c in result.counts.items()}
        transaction.set_rollback(True)
    return {"files": files, "people": people, "history": history, "events": events, "counts": counts}


def _rows_only(bundle: Path, tmp_path: Path, name: str) -> dict[str, Any]:
    with mock.patch.object(staging, "applies", return_value=False):
        return _outcome(bundle, tmp_path, name)


def _city(program: Any, folder: Path, *, seed: int, scale: float) -> Path:
    """A generated demo city's bundle for the program's areas, categories and time zone."""
    generate_bundle(
        folder,
        seed=seed,
        scale=scale,
        end=dt.date(2023, 6, 30),
        areas=list(program.areas),
        service_categories=list(program.service_categories),
        time_zone=program.time_zone,
    )
    return folder


def test_the_staged_load_leaves_what_the_row_import_leaves(program, tmp_path: Path, taken: list[bool]) -> None:
    bundle = _city(program, tmp_path / "demo", seed=11, scale=0.1)
    staged = _outcome(bundle, tmp_path, "staged")
    assert taken == [True]
    rows = _rows_only(bundle, tmp_path, "rows")
    assert taken == [True]  # the second import did not try the staged load
    assert staged["counts"] == rows["counts"]
    assert staged["files"] == rows["files"]
    assert staged["people"] == rows["people"]
    assert staged["history"] == rows["history"]
    assert staged["events"] == rows["events"]
    assert len(staged["events"]) > 7  # more than one batch per file (the tests' batches are small)


def test_the_rich_bundle_too(program, tmp_path: Path, taken: list[bool]) -> None:
    """Every column holding a value, notes and providers among them (encrypted on the way)."""
    bundle = write_lines(tmp_path / "rich", RICH)
    staged = _outcome(bundle, tmp_path, "staged")
    assert taken == [True]
    assert staged == _rows_only(bundle, tmp_path, "rows")


def _changed(bundle: Path, name: str, line: int, column: str, value: str) -> None:
    path = bundle / name
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    if column not in header:  # an optional column the file does not have: added, empty, at the end
        header.append(column)
        lines = [f"{text}," for text in lines]
        lines[0] = ",".join(header)
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


BAD = [
    ("people.csv", 2, "date_of_birth", "1990-02-30"),  # not a real day
    ("people.csv", 3, "sex", "unknown-code"),
    ("people.csv", 3, "first_name", ""),  # required
    ("people.csv", 4, "person_key", "P000002"),  # a duplicate key
    ("people.csv", 2, "area", "atlantis"),
    ("people.csv", 3, "died_on", "2021-02-29"),  # not a real day
    ("people.csv", 3, "died_on", "2099-01-01"),  # in the future
    ("referrals.csv", 2, "person_key", "P999999"),  # names nobody
    ("incidents.csv", 2, "occurred_at", "2023-03-12T02:30:00"),  # skipped by daylight saving
    ("incidents.csv", 2, "occurred_at", "2099-01-01T10:00:00-07:00"),  # in the future
    ("involvements.csv", 2, "role", "bystander-ish"),
    ("notifications.csv", 2, "team", "police;astronaut"),
    ("notifications.csv", 2, "legal_risk_explained", "maybe"),
    ("service_referrals.csv", 2, "category", "space-travel"),
    ("service_referrals.csv", 2, "provider", "x" * 201),  # encrypted, and too long
    ("service_referrals.csv", 2, "connected_on", "2000-01-01"),  # before referred_on
    ("outcomes.csv", 2, "type", "abducted"),
]


@pytest.mark.parametrize(("name", "line", "column", "value"), BAD, ids=[f"{b[0]}:{b[2]}:{b[3][:12]}" for b in BAD])
def test_a_bad_cell_sends_the_bundle_to_the_row_import(
    program, tmp_path: Path, taken: list[bool], name: str, line: int, column: str, value: str
) -> None:
    bundle = _city(program, tmp_path / "demo", seed=3, scale=0.05)
    _changed(bundle, name, line, column, value)
    with mock.patch.object(staging, "applies", return_value=False):
        expected = bundle_import(actor=None, path=bundle)
    assert not expected.written and expected.problems
    result = bundle_import(actor=None, path=bundle)
    assert taken == [False]
    assert not result.written
    assert [str(p) for p in result.problems] == [str(p) for p in expected.problems]
    assert not Person.objects.exists()


def test_a_death_before_the_birth_sends_the_bundle_to_the_row_import(
    program, tmp_path: Path, taken: list[bool]
) -> None:
    """The rule across a person's cells (``schema.check_row``), as across a service referral's."""
    bundle = _city(program, tmp_path / "demo", seed=3, scale=0.05)
    _changed(bundle, "people.csv", 4, "date_of_birth", "2001-05-06")
    _changed(bundle, "people.csv", 4, "died_on", "2001-05-05")
    with mock.patch.object(staging, "applies", return_value=False):
        expected = bundle_import(actor=None, path=bundle)
    assert str(expected.problems[0]) == "people.csv:4: died_on: 2001-05-05 is before date_of_birth 2001-05-06"
    result = bundle_import(actor=None, path=bundle)
    assert taken == [False]
    assert [str(p) for p in result.problems] == [str(p) for p in expected.problems]
    assert not Person.objects.exists()
    # On the day of birth, or with no birth date, a death is taken by the staged load.
    _changed(bundle, "people.csv", 4, "died_on", "2001-05-06")
    _changed(bundle, "people.csv", 5, "date_of_birth", "")
    _changed(bundle, "people.csv", 5, "died_on", "2020-01-01")
    assert bundle_import(actor=None, path=bundle).written
    assert taken == [False, True]
    assert sorted(Person.objects.exclude(died_on=None).values_list("died_on", flat=True)) == [
        dt.date(2001, 5, 6),
        dt.date(2020, 1, 1),
    ]

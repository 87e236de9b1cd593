"""people.csv's `died_on` (a death that is not a `killed` outcome), the column added to version 1:
a round trip through export and import, its bad cells reported as every date's are (by the row
import and by the staged load alike), and a file without the column leaving the day as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest

from vip.core.future import latest_day
from vip.interchange import staging
from vip.interchange.export import bundle_export
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import PEOPLE, messages, table_counts
from vip.people.models import Person
from vip.people.services import person_update

pytestmark = pytest.mark.django_db

HEADER = "person_key,first_name,last_name,date_of_birth,died_on\n"


def _people(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(text, encoding="utf-8")
    return folder


def _died(key: str) -> dt.date | None:
    return Person.objects.get(key=key).died_on


def test_export_then_import_keeps_the_day_of_death(program, tmp_path: Path) -> None:
    source = _people(tmp_path / "in", HEADER + "P1,Ana,García,2000-02-29,2023-04-05\nP2,Luis,Baca,,\n")
    assert bundle_import(actor=None, path=source).written
    assert (_died("P1"), _died("P2")) == (dt.date(2023, 4, 5), None)
    out = tmp_path / "out"
    bundle_export(actor=None, out_dir=out)
    lines = (out / "people.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",phone,died_on")  # the added column comes last
    assert lines[1].startswith("P1,") and lines[1].endswith(",2023-04-05")
    assert lines[2].startswith("P2,") and lines[2].endswith(",")
    # Into a program that lost the day, the export brings it back; a second time changes nothing.
    Person.objects.filter(key="P1").update(died_on=None)
    result = bundle_import(actor=None, path=out)
    assert result.counts["people.csv"].updated == 1
    assert _died("P1") == dt.date(2023, 4, 5)
    again = bundle_import(actor=None, path=out)
    assert again.counts["people.csv"].unchanged == 2 and again.counts["people.csv"].updated == 0


def test_a_file_without_the_column_imports_as_before_and_keeps_the_day(program, tmp_path: Path) -> None:
    old = _people(tmp_path / "old", PEOPLE)  # no died_on column: a bundle of the first release
    assert bundle_import(actor=None, path=old).written
    assert _died("P1") is None
    person = Person.objects.get(key="P1")
    person_update(actor=None, person=person, expected_version=person.version, died_on=dt.date(2023, 4, 5))
    # Re-imported (a records system that knows nothing of deaths): nothing changes, the day stays.
    before = table_counts()
    result = bundle_import(actor=None, path=old)
    assert result.counts["people.csv"].unchanged == 2 and result.counts["people.csv"].updated == 0
    assert _died("P1") == dt.date(2023, 4, 5)
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 1  # the import's own event
    assert after == before
    # A file that has the column and leaves the cell empty does empty it.
    emptied = _people(tmp_path / "emptied", HEADER + "P1,Ana,García,2000-02-29,\n")
    result = bundle_import(actor=None, path=emptied)
    assert result.counts["people.csv"].updated == 1
    assert _died("P1") is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("2000-02-29,2023-02-30", "died_on: '2023-02-30' is not a real calendar date"),
        ("2000-02-29,04/05/2023", "died_on: '04/05/2023' is not a date in the form YYYY-MM-DD"),
        (
            "2000-02-29,{tomorrow}",
            "died_on: {tomorrow} is in the future (latest allowed: {latest}): enter when it happened",
        ),
        ("2000-02-29,1999-01-01", "died_on: 1999-01-01 is before date_of_birth 2000-02-29"),
    ],
    ids=["not a day", "not the form", "in the future", "before the birth"],
)
def test_a_bad_day_of_death_is_reported_with_file_line_and_column(
    program, tmp_path: Path, cells: str, message: str
) -> None:
    tomorrow = latest_day() + dt.timedelta(days=1)
    fill = {"tomorrow": tomorrow.isoformat(), "latest": latest_day().isoformat()}
    path = _people(tmp_path / "bad", HEADER + "P1,Ana,García,2000-02-29,\nP2,Luis,Baca," + cells.format(**fill) + "\n")
    expected = [f"people.csv:3: {message.format(**fill)}"]
    # The staged load (an empty program) gives the bundle to the row import, which reports it.
    result = bundle_import(actor=None, path=path)
    assert not result.written and messages(result) == expected
    with mock.patch.object(staging, "applies", return_value=False):
        assert messages(bundle_import(actor=None, path=path)) == expected
    assert not Person.objects.exists()
    # Into a program that already holds people (no staged load), the same.
    _people(tmp_path / "first", HEADER + "P0,Eva,Chávez,,\n")
    assert bundle_import(actor=None, path=tmp_path / "first").written
    assert messages(bundle_import(actor=None, path=path)) == expected
    assert list(Person.objects.values_list("key", flat=True)) == ["P0"]


def test_a_day_of_death_without_a_date_of_birth_or_on_it_is_taken(program, tmp_path: Path) -> None:
    path = _people(tmp_path / "in", HEADER + "P1,Ana,García,,2023-04-05\nP2,Luis,Baca,2023-04-05,2023-04-05\n")
    assert bundle_import(actor=None, path=path).written
    assert (_died("P1"), _died("P2")) == (dt.date(2023, 4, 5), dt.date(2023, 4, 5))

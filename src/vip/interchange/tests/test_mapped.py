"""Mapped import of a records system's own export (CSV or XLSX) through a mapping file.

The example export and mapping in docs/examples/ are the happy path; each kind of bad
input gets a clear `file:line: column: message` against the source (or the mapping
file and its key), and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from vip.audit.models import AuditEvent
from vip.cli import main
from vip.core.models import Area
from vip.identification.models import Incident, Involvement
from vip.interchange.mapped import MappedImportResult, mapped_import
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import table_counts
from vip.people.models import Person
from vip.people.services import person_create

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
EXPORT = EXAMPLES / "police-rms-export.csv"
MAPPING = EXAMPLES / "police-rms-mapping.toml"


def _rows() -> list[list[str]]:
    with open(EXPORT, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _edit(tmp_path: Path, line: int, column: str, value: str, name: str = "export.csv") -> Path:
    """The example export with one cell changed (line as the user sees it: header = 1)."""
    rows = _rows()
    rows[line - 1][rows[0].index(column)] = value
    return _write_csv(tmp_path / name, rows)


def _mapping(tmp_path: Path, old: str = "", new: str = "", name: str = "mapping.toml") -> Path:
    text = MAPPING.read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _invalid(path: Path, mapping: Path = MAPPING, **kwargs) -> list[str]:
    before = table_counts()
    result = mapped_import(actor=None, path=path, mapping_path=mapping, **kwargs)
    assert not result.valid
    assert not result.written
    assert table_counts() == before, "an invalid export must write nothing (not even audit rows)"
    return [str(p) for p in result.problems]


def _import(path: Path = EXPORT, mapping: Path = MAPPING, **kwargs) -> MappedImportResult:
    result = mapped_import(actor=None, path=path, mapping_path=mapping, **kwargs)
    assert result.valid, [str(p) for p in result.problems]
    return result


def _counts(result: MappedImportResult) -> dict[str, tuple[int, int, int, int]]:
    return {name: (c.read, c.created, c.updated, c.unchanged) for name, c in result.counts.items()}


def _involvements() -> set[tuple[str, str, str]]:
    return set(Involvement.objects.values_list("incident__key", "person__key", "role"))


EXPECTED_INVOLVEMENTS = {
    ("APD-22-0104411", "APD-M100231", "victim"),
    ("APD-22-0104411", "APD-M100877", "suspect"),
    ("APD-22-0104411", "APD-M100877", "arrestee"),
    ("APD-22-0104502", "APD-M100231", "witness"),
    ("APD-22-0104502", "APD-M101002", "victim"),
    ("APD-22-0104630", "APD-M101002", "associate"),
    ("APD-22-0104701", "APD-M101150", "victim"),
}


# --------------------------------------------------------------------------- happy paths


def test_example_export_imports_and_reimport_changes_nothing(program) -> None:
    result = _import()
    assert result.lines == 7
    assert _counts(result) == {
        "people.csv": (4, 4, 0, 0),
        "incidents.csv": (4, 4, 0, 0),
        "involvements.csv": (7, 7, 0, 0),
    }
    ana = Person.objects.get(key="APD-M100231")
    assert (ana.first_name, ana.last_name, ana.date_of_birth) == ("Ana", "García", dt.date(2000, 2, 29))
    assert (ana.sex, ana.race, ana.ethnicity, ana.state, ana.address) == (
        "female",
        "white",
        "hispanic",
        "NM",
        "123 Zuni Rd SE",
    )
    eva = Person.objects.get(key="APD-M101150")
    assert (eva.middle_name, eva.sex, eva.race, eva.date_of_birth) == ('"Evie"', "", "", None)
    shooting = Incident.objects.get(key="APD-22-0104411")
    assert shooting.type == "shooting"
    assert shooting.area is not None and shooting.area.code == "southeast"
    # 14:05 in Albuquerque on 3 November 2022 (still MDT, UTC-6: it ended on the 6th) is 20:05 UTC.
    assert shooting.occurred_at == dt.datetime(2022, 11, 3, 20, 5, tzinfo=dt.UTC)
    assert Incident.objects.get(key="APD-22-0104502").type == "shooting"  # AGG ASSLT W/FIREARM
    homicide = Incident.objects.get(key="APD-22-0104701")
    assert (homicide.occurred_on, homicide.occurred_at, homicide.address) == (
        dt.date(2022, 11, 7),
        None,
        "Unit 4, 9th St SW",
    )
    assert _involvements() == EXPECTED_INVOLVEMENTS

    versions = dict(Person.objects.values_list("key", "version"))
    again = _import()
    assert _counts(again) == {
        "people.csv": (4, 0, 0, 4),
        "incidents.csv": (4, 0, 0, 4),
        "involvements.csv": (7, 0, 0, 7),
    }
    assert dict(Person.objects.values_list("key", "version")) == versions
    assert Involvement.objects.count() == 7


def test_a_changed_value_is_an_update_not_a_new_record(program, tmp_path) -> None:
    _import()
    path = _edit(tmp_path, 2, "HOME_ADDRESS", "9 Coal Ave SE")
    rows = _rows()
    rows[1][rows[0].index("HOME_ADDRESS")] = "9 Coal Ave SE"
    rows[4][rows[0].index("HOME_ADDRESS")] = "9 Coal Ave SE"  # Ana again, on line 5
    result = _import(_write_csv(path, rows))
    assert _counts(result)["people.csv"] == (4, 0, 1, 3)
    assert Person.objects.get(key="APD-M100231").address == "9 Coal Ave SE"


# --------------------------------------------------------------------------- fields the mapping does not name


def _without(tmp_path: Path, *lines: str, name: str = "partial.toml") -> Path:
    """The example mapping without some of its lines (fields it then does not name)."""
    text = MAPPING.read_text(encoding="utf-8")
    for line in lines:
        assert line in text
        text = text.replace(line, "", 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fields_the_mapping_does_not_name_keep_the_records_values(program, tmp_path) -> None:
    """A records-system export without the program's phone or address must not wipe them."""
    southeast = Area.objects.get(code="southeast")
    person_create(
        actor=None,
        key="APD-M100231",
        first_name="Ana",
        last_name="Garcia",  # the export spells it García: a mapped field that changed
        date_of_birth=dt.date(2000, 2, 29),
        sex="female",
        race="white",
        ethnicity="hispanic",
        address="77 Program Way NE",
        city="Albuquerque",
        state="NM",
        postal_code="87106",
        area=southeast,
        phone="505-555-0100",
    )
    mapping = _without(tmp_path, 'address = "HOME_ADDRESS"\n')
    result = _import(mapping=mapping)
    assert _counts(result)["people.csv"] == (4, 3, 1, 0)
    ana = Person.objects.get(key="APD-M100231")
    assert (ana.last_name, ana.sex, ana.state) == ("García", "female", "NM")  # mapped: the source's
    assert (ana.address, ana.city, ana.postal_code, ana.area_id, ana.phone) == (
        "77 Program Way NE",
        "Albuquerque",
        "87106",
        southeast.pk,
        "505-555-0100",
    )
    assert Person.objects.get(key="APD-M100877").phone == ""  # a new person: unnamed fields empty
    update = AuditEvent.objects.get(action="interchange.import.batch", object_type="people.person")
    assert update.changes["updated"] == {"APD-M100231": ["last_name"]}

    version = ana.version
    again = _import(mapping=mapping, batch_size=2)
    assert _counts(again) == {
        "people.csv": (4, 0, 0, 4),
        "incidents.csv": (4, 0, 0, 4),
        "involvements.csv": (7, 0, 0, 7),
    }
    assert Person.objects.get(key="APD-M100231").version == version


def test_a_named_field_with_an_empty_source_cell_is_emptied(program) -> None:
    """Luis has no HOME_ADDRESS in the export: the mapping names the field, so it is emptied;
    his phone, which the mapping does not name, is kept."""
    person_create(
        actor=None, key="APD-M100877", first_name="Luis", last_name="Baca", address="5 Elm St", phone="505-555-0101"
    )
    result = _import()
    assert _counts(result)["people.csv"] == (4, 3, 1, 0)
    luis = Person.objects.get(key="APD-M100877")
    assert (luis.address, luis.phone, luis.middle_name) == ("", "505-555-0101", "R")


def test_an_incidents_unnamed_address_is_kept(program, tmp_path, write_bundle) -> None:
    bundle = write_bundle(
        {
            "incidents.csv": [
                ["incident_key", "occurred_at", "type", "area", "address"],
                ["APD-22-0104411", "2022-11-03T14:05:00-06:00", "shooting", "southeast", "412 Central Ave SE"],
                ["APD-22-0104502", "2022-11-04T09:00:00-06:00", "shots_fired", "", "Edith & Lomas"],
            ]
        }
    )
    assert bundle_import(actor=None, path=bundle).valid
    mapping = _without(tmp_path, 'address = "LOCATION"\n')
    result = _import(mapping=mapping)
    # The first is as the export gives it (its address kept): unchanged; the second's time, type and area changed.
    assert _counts(result)["incidents.csv"] == (4, 2, 1, 1)
    assert Incident.objects.get(key="APD-22-0104411").address == "412 Central Ave SE"
    changed = Incident.objects.get(key="APD-22-0104502")
    assert (changed.type, changed.address) == ("shooting", "Edith & Lomas")
    assert Incident.objects.get(key="APD-22-0104701").address == ""  # new: empty
    again = _import(mapping=mapping)
    assert _counts(again)["incidents.csv"] == (4, 0, 0, 4)


def test_a_kept_value_the_bundle_rules_refuse_is_reported_as_kept(program, tmp_path) -> None:
    """A person's area since made inactive cannot be kept through the bundle: the import
    stops and says which field, rather than emptying it."""
    old = Area.objects.create(code="retired", name="Retired", active=False)
    person_create(actor=None, key="APD-M101150", first_name="Eva", last_name="Nez", area=old)
    problems = _invalid(EXPORT)
    assert len(problems) == 1
    assert problems[0].startswith("police-rms-export.csv:8: (kept people.area): unknown area code 'retired'")
    assert problems[0].endswith("(the record's current value, kept because the mapping does not name this field)")


def _xlsx(path: Path, sheet: str = "Involvements") -> Path:
    """The example export as a workbook a records system would write: real dates and
    date-times, numbers as numbers, a title sheet first."""
    book = Workbook()
    book.active.title = "About"
    book.active.append(["RMS export, generated 2022-11-08"])
    ws = book.create_sheet(sheet)
    rows = _rows()
    header = rows[0]
    ws.append(header)
    for row in rows[1:]:
        cells: list[object] = list(row)
        occurred = row[header.index("OCCURRED")]
        cells[header.index("OCCURRED")] = (
            dt.datetime.strptime(occurred, "%m/%d/%Y %H:%M")
            if " " in occurred
            else dt.datetime.strptime(occurred, "%m/%d/%Y")
        )
        dob = row[header.index("DOB")]
        cells[header.index("DOB")] = dt.datetime.strptime(dob, "%m/%d/%Y") if dob else None
        cells[header.index("OFFICER")] = int(row[header.index("OFFICER")])
        ws.append(cells)
    for cell in ws["B"][1:]:
        if isinstance(cell.value, dt.datetime) and cell.value.time() == dt.time(0):
            cell.number_format = "mm/dd/yyyy"
    for cell in ws["J"][1:]:
        cell.number_format = "mm/dd/yyyy"
    book.save(path)
    return path


def _xlsx_mapping(tmp_path: Path) -> Path:
    return _mapping(tmp_path, '# sheet = "Involvements"', 'sheet = "Involvements"', name="xlsx.toml")


def test_xlsx_export_imports_the_same_records_as_the_csv(program, tmp_path) -> None:
    result = _import(_xlsx(tmp_path / "export.xlsx"), _xlsx_mapping(tmp_path))
    assert result.lines == 7
    assert _counts(result)["involvements.csv"] == (7, 7, 0, 0)
    assert _involvements() == EXPECTED_INVOLVEMENTS
    assert Incident.objects.get(key="APD-22-0104411").occurred_at == dt.datetime(2022, 11, 3, 20, 5, tzinfo=dt.UTC)
    assert Incident.objects.get(key="APD-22-0104701").occurred_at is None  # a date cell: a date only
    assert Person.objects.get(key="APD-M100877").date_of_birth == dt.date(1999, 1, 31)
    # The CSV of the same export finds everything already there, unchanged.
    again = _import()
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values()), _counts(again)


def test_rows_repeated_across_batches_are_checked_against_the_first(program, tmp_path) -> None:
    rows = _rows()
    rows.append(list(rows[1]))  # line 9 repeats line 2 exactly: same person, incident and role
    result = _import(_write_csv(tmp_path / "export.csv", rows), batch_size=2)
    assert _counts(result)["involvements.csv"] == (7, 7, 0, 0)
    rows[8][rows[0].index("FIRST_NAME")] = "Anna"
    problems = _invalid(_write_csv(tmp_path / "export2.csv", rows), batch_size=2)
    assert problems == [
        "export2.csv:9: FIRST_NAME: person 'APD-M100231' is given differently on line 2: "
        "first_name 'Anna' here, 'Ana' there"
    ]


def test_options_separator_delimiter_header_row_defaults_and_codes_for_empty(program, tmp_path) -> None:
    export = tmp_path / "export.txt"
    export.write_text(
        "Records export\n"
        "case;date;time;crime;person;last;first;street;number;kind\n"
        "C1;2022-07-04;22:15;SHOOTING;9;Baca;Luis;Central Ave;400;V\n"
        "C1;2022-07-04;22:15;SHOOTING;10;Tso;Ann;;;\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        """
[source]
delimiter = ";"
header_row = 2
date_formats = "%Y-%m-%d"
datetime_formats = ["%Y-%m-%d %H:%M"]

[incidents]
incident_key = "case"
occurred_at = { column = ["date", "time"] }
type = { column = "crime", codes = { shooting = "shooting" } }
area = { value = "valley" }

[people]
person_key = { column = "person", prefix = "X-" }
first_name = "first"
last_name = "last"
address = { column = ["number", "street"] }
sex = { value = "" }

[involvements]
role = { column = "kind", codes = { V = "victim", "" = "associate" } }
""",
        encoding="utf-8",
    )
    _import(export, mapping)
    incident = Incident.objects.get(key="C1")
    # 22:15 in Albuquerque in July (MDT, UTC-6) is 04:15 UTC the next day.
    assert incident.occurred_at == dt.datetime(2022, 7, 5, 4, 15, tzinfo=dt.UTC)
    assert incident.occurred_on == dt.date(2022, 7, 4)
    assert incident.area is not None and incident.area.code == "valley"
    assert Person.objects.get(key="X-9").address == "400 Central Ave"
    assert _involvements() == {("C1", "X-9", "victim"), ("C1", "X-10", "associate")}


def test_audit_names_the_source_and_the_mapping(program) -> None:
    _import()
    summary = AuditEvent.objects.get(action="interchange.import")
    assert summary.object_id == "police-rms-export.csv"
    assert summary.changes["bundle"] == "police-rms-export.csv"
    assert summary.changes["mapping"] == "police-rms-mapping.toml"
    assert summary.changes["source_lines"] == 7
    batches = AuditEvent.objects.filter(action="interchange.import.batch")
    assert {e.changes["bundle"] for e in batches} == {"police-rms-export.csv"}


def test_dry_run_writes_nothing(program) -> None:
    before = table_counts()
    result = mapped_import(actor=None, path=EXPORT, mapping_path=MAPPING, dry_run=True)
    assert result.valid and not result.written
    assert table_counts() == before


# --------------------------------------------------------------------------- bad input


def test_unknown_source_column(program, tmp_path) -> None:
    rows = _rows()
    rows[0][rows[0].index("OFFENSE")] = "OFFENCE"
    problems = _invalid(_write_csv(tmp_path / "export.csv", rows))
    assert problems == [
        "export.csv:1: OFFENSE: column named in police-rms-mapping.toml (incidents.type) is not in the header"
    ]


def test_unmapped_code(program, tmp_path) -> None:
    problems = _invalid(_edit(tmp_path, 3, "INVOLVEMENT", "DRIVER"))
    assert problems == [
        "export.csv:3: INVOLVEMENT: source code 'DRIVER' is not in the mapping (involvements.role.codes)"
    ]


def test_code_not_mapped_goes_through_the_bundle_rules(program, tmp_path) -> None:
    """A coded column without codes in the mapping: the bundle's own check, told against the source."""
    mapping = _mapping(
        tmp_path,
        '[people.sex]\ncolumn = "SEX"\ncodes = { "M" = "male", "F" = "female", "X" = "other", "U" = "" }',
        'sex = "SEX"',
    )
    rows = _rows()
    column = rows[0].index("SEX")
    for row in rows[1:]:
        row[column] = {"F": "female", "M": "MALE", "U": ""}[row[column]]
    rows[7][column] = "man"  # line 8
    problems = _invalid(_write_csv(tmp_path / "export.csv", rows), mapping)
    assert problems == ["export.csv:8: SEX: unknown code 'man'; expected one of: male, female, other"]


def test_bad_date(program, tmp_path) -> None:
    problems = _invalid(_edit(tmp_path, 6, "DOB", "02/30/2003"))
    assert problems[0] == "export.csv:6: DOB: '02/30/2003' is not a date in the format '%m/%d/%Y'"


def test_bad_date_time_and_one_skipped_by_daylight_saving(program, tmp_path) -> None:
    rows = _rows()
    column = rows[0].index("OCCURRED")
    for line in (2, 3, 4):
        rows[line - 1][column] = "2022-11-03 14:05"
    for line in (8,):
        rows[line - 1][column] = "03/13/2022 02:30"  # clocks went from 02:00 to 03:00
    problems = _invalid(_write_csv(tmp_path / "export.csv", rows))
    assert problems == [
        "export.csv:2: OCCURRED: '2022-11-03 14:05' is not a date or date-time in the format "
        "'%m/%d/%Y %H:%M' or '%m/%d/%Y %H:%M:%S' or '%m/%d/%Y'",
        "export.csv:3: OCCURRED: '2022-11-03 14:05' is not a date or date-time in the format "
        "'%m/%d/%Y %H:%M' or '%m/%d/%Y %H:%M:%S' or '%m/%d/%Y'",
        "export.csv:4: OCCURRED: '2022-11-03 14:05' is not a date or date-time in the format "
        "'%m/%d/%Y %H:%M' or '%m/%d/%Y %H:%M:%S' or '%m/%d/%Y'",
        "export.csv:8: OCCURRED: '2022-03-13T02:30:00' does not exist in America/Denver (skipped by daylight saving)",
    ]


def test_missing_required_value(program, tmp_path) -> None:
    """Eva is on line 8 only: her empty last name is the bundle's rule, told against the source."""
    problems = _invalid(_edit(tmp_path, 8, "LAST_NAME", ""))
    assert problems == ["export.csv:8: LAST_NAME: required, but empty"]


def test_missing_key(program, tmp_path) -> None:
    problems = _invalid(_edit(tmp_path, 8, "CASE_NUMBER", " "))
    assert problems == ["export.csv:8: CASE_NUMBER: required, but empty"]


def test_value_too_long_for_the_database(program, tmp_path) -> None:
    (problem,) = _invalid(_edit(tmp_path, 8, "FIRST_NAME", "E" * 500))
    assert problem.startswith("export.csv:8: FIRST_NAME: longer than ")


def test_lines_are_counted_across_cells_that_span_lines(program, tmp_path) -> None:
    """Eva's middle name spans source lines 8-9 (and two lines of the translated people.csv):
    the next row is line 10, in the source as the user sees it."""
    rows = _rows()
    header = rows[0]
    rows[7][header.index("MIDDLE_NAME")] = "Evie\nE."
    extra = list(rows[7])
    for column, value in {"CASE_NUMBER": "22-0109999", "MNI": "M200", "LAST_NAME": "", "MIDDLE_NAME": ""}.items():
        extra[header.index(column)] = value
    rows.append(extra)
    problems = _invalid(_write_csv(tmp_path / "export.csv", rows))
    assert problems == ["export.csv:10: LAST_NAME: required, but empty"]


def test_inconsistent_repeated_person(program, tmp_path) -> None:
    problems = _invalid(_edit(tmp_path, 5, "DOB", "02/28/2000"))
    assert problems == [
        "export.csv:5: DOB: person 'APD-M100231' is given differently on line 2: "
        "date_of_birth '2000-02-28' here, '2000-02-29' there"
    ]


def test_inconsistent_repeated_incident(program, tmp_path) -> None:
    problems = _invalid(_edit(tmp_path, 4, "AREA_CMD", "NE"))
    assert problems == [
        "export.csv:4: AREA_CMD: incident 'APD-22-0104411' is given differently on line 2: "
        "area 'northeast' here, 'southeast' there"
    ]


def test_row_of_the_wrong_width_and_broken_bytes(program, tmp_path) -> None:
    path = tmp_path / "export.csv"
    text = EXPORT.read_text(encoding="utf-8").splitlines()
    text[2] += ",extra"
    path.write_bytes(("\n".join(text) + "\n").encode() + b"22-9,\xff\n")
    problems = _invalid(path)
    assert problems == [
        "export.csv:3: -: row has 17 fields, the header has 16",
        "export.csv:9: -: not valid UTF-8 (byte 0xff); save the file as UTF-8",
    ]


def test_xlsx_problems_name_the_sheet_and_row(program, tmp_path) -> None:
    path = _xlsx(tmp_path / "export.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["Involvements"]["C4"] = "BAR FIGHT"  # row 4: OFFENSE
    book["Involvements"]["J6"] = "sometime in 2003"  # row 6: DOB
    book.save(path)
    problems = _invalid(path, _xlsx_mapping(tmp_path))
    assert problems == [
        "export.xlsx[Involvements]:4: OFFENSE: source code 'BAR FIGHT' is not in the mapping (incidents.type.codes)",
        "export.xlsx[Involvements]:6: DOB: 'sometime in 2003' is not a date in the format '%m/%d/%Y'",
    ]
    problems = _invalid(path, _mapping(tmp_path, '# sheet = "Involvements"', 'sheet = "Persons"'))
    assert problems == [
        "export.xlsx:0: -: no worksheet named 'Persons' (source.sheet in mapping.toml); "
        "the workbook has: About, Involvements"
    ]


def _line_of(needle: str) -> int:
    """The line of the example mapping that holds ``needle``."""
    lines = MAPPING.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_a_file_that_is_not_a_workbook_and_a_zip_bomb_are_refused(program, tmp_path, monkeypatch) -> None:
    mapping = _xlsx_mapping(tmp_path)
    fake = tmp_path / "export.xlsx"
    fake.write_text("CASE_NUMBER,OCCURRED\n", encoding="utf-8")
    assert _invalid(fake, mapping) == ["export.xlsx:0: -: cannot read the workbook: File is not a zip file"]
    from vip.interchange import mapped

    path = _xlsx(tmp_path / "big.xlsx")
    monkeypatch.setattr(mapped, "MAX_TOTAL_BYTES", 1000)
    (problem,) = _invalid(path, mapping)
    assert problem == "big.xlsx:0: -: refused: the workbook expands to more than 1000 bytes"


def test_bad_mapping_files_name_the_file_line_and_key(program, tmp_path) -> None:
    VIC, AGG = '"VIC" = ', '"AGG ASSLT" ='  # noqa: N806
    problems = _invalid(EXPORT, _mapping(tmp_path, '"VIC" = "victim"', '"VIC" = "victm"'))
    assert problems == [
        f"mapping.toml:{_line_of(VIC)}: involvements.role.codes.VIC: unknown code 'victm'; "
        "expected one of: victim, suspect, arrestee, witness, associate"
    ]
    problems = _invalid(EXPORT, _mapping(tmp_path, '"AGG ASSLT" = "aggravated_assault"', '"AGG ASSLT" = "assault"'))
    assert problems[0].startswith(
        f"mapping.toml:{_line_of(AGG)}: incidents.type.codes.\"AGG ASSLT\": unknown code 'assault'"
    )
    problems = _invalid(EXPORT, _mapping(tmp_path, 'last_name = "LAST_NAME"', 'surname = "LAST_NAME"'))
    assert problems == [
        f"mapping.toml:{_line_of('[people]')}: people.last_name: required: say which source column gives it",
        f"mapping.toml:{_line_of('last_name = ')}: people.surname: not a field of people.csv; expected one of: person_key, first_name, "
        "last_name, middle_name, date_of_birth, sex, race, ethnicity, address, city, state, postal_code, area, phone, "
        "died_on",
    ]
    problems = _invalid(EXPORT, _mapping(tmp_path, 'time_zone = "America/Denver"', 'time_zone = "America/Albuqerque"'))
    assert problems == [
        f"mapping.toml:{_line_of('time_zone = ')}: source.time_zone: unknown time zone 'America/Albuqerque' (e.g. 'America/Denver')"
    ]
    problems = _invalid(EXPORT, _mapping(tmp_path, 'state = { value = "NM" }', 'state = { value = "NM", colour = 1 }'))
    assert problems == [
        f"mapping.toml:{_line_of('state = ')}: people.state.colour: unknown key; "
        "expected one of: codes, column, default, formats, prefix, separator, value"
    ]
    problems = _invalid(
        EXPORT, _mapping(tmp_path, 'date_of_birth = "DOB"', 'date_of_birth = { column = "DOB", formats = "%m/%d/%y" }')
    )
    assert problems == [
        f"mapping.toml:{_line_of('date_of_birth = ')}: people.date_of_birth.formats: a two-digit year (%y) is ambiguous for a birth date; use %Y"
    ]
    problems = _invalid(EXPORT, _mapping(tmp_path, "[people]\n", "[people\n"))
    assert len(problems) == 1 and problems[0].startswith(f"mapping.toml:{_line_of('[people]')}: -: not valid TOML: ")
    problems = _invalid(EXPORT, tmp_path / "missing.toml")
    assert problems == ["missing.toml:0: -: no such mapping file"]


# --------------------------------------------------------------------------- who may import


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin", "integration"])
def test_only_managers_and_the_operator_import(program, make_user, role) -> None:
    user = make_user(role)
    before = table_counts()
    with pytest.raises(PermissionDenied):
        mapped_import(actor=user, path=EXPORT, mapping_path=MAPPING)
    assert table_counts() == before


def test_a_manager_imports_in_their_name(program, make_user) -> None:
    manager = make_user("manager")
    mapped_import(actor=manager, path=EXPORT, mapping_path=MAPPING)
    assert AuditEvent.objects.get(action="interchange.import").actor_id == manager.pk


# --------------------------------------------------------------------------- command line


def test_command_line(program, make_user, tmp_path) -> None:
    make_user("manager", username="maria")
    runner = CliRunner()
    result = runner.invoke(main, ["import-mapped", str(EXPORT), "--mapping", str(MAPPING), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Valid: nothing was written (--dry-run)." in result.output
    assert not Person.objects.exists()
    result = runner.invoke(main, ["import-mapped", str(EXPORT), "--mapping", str(MAPPING), "--as", "maria"])
    assert result.exit_code == 0, result.output
    assert "police-rms-export.csv: 7 row(s) read" in result.output
    assert "Imported." in result.output
    assert Person.objects.count() == 4
    result = runner.invoke(
        main, ["import-mapped", str(_edit(tmp_path, 3, "INVOLVEMENT", "DRIVER")), "--mapping", str(MAPPING)]
    )
    assert result.exit_code == 2
    assert "export.csv:3: INVOLVEMENT: source code 'DRIVER' is not in the mapping" in result.output
    assert "1 problem(s); nothing was written." in result.output
    make_user("police", username="officer")
    result = runner.invoke(main, ["import-mapped", str(EXPORT), "--mapping", str(MAPPING), "--user", "officer"])
    assert result.exit_code == 1
    assert "Your role may not import records systems' exports." in result.output

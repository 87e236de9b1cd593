"""One test per class of bad input: a clear `file:line: column: message`, nothing written."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import PEOPLE, PEOPLE_HEADER, messages, table_counts

pytestmark = pytest.mark.django_db


def _import_invalid(path: Path) -> list[str]:
    before = table_counts()
    result = bundle_import(actor=None, path=path)
    assert not result.valid
    assert not result.written
    assert table_counts() == before, "an invalid bundle must write nothing (not even audit rows)"
    return messages(result)


def test_missing_required_column(program, write_bundle: Callable[..., Path]) -> None:
    path = write_bundle({"people.csv": "person_key,first_name,date_of_birth\nP1,Ana,2000-01-01\n"})
    assert _import_invalid(path) == ["people.csv:1: last_name: required column is missing from the header"]


def test_bad_date(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE + "P3,Eva,Chávez,2001-02-30,female,valley\n"})
    assert _import_invalid(path) == ["people.csv:4: date_of_birth: '2001-02-30' is not a real calendar date"]


def test_date_in_wrong_form(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE_HEADER + "P3,Eva,Chávez,02/03/2001,female,valley\n"})
    assert _import_invalid(path) == ["people.csv:2: date_of_birth: '02/03/2001' is not a date in the form YYYY-MM-DD"]


def test_unknown_code(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "referrals.csv": "referral_key,person_key,received_on,source\nR1,P1,2022-11-01,police_radio\n",
        }
    )
    (message,) = _import_invalid(path)
    assert message.startswith("referrals.csv:2: source: unknown code 'police_radio'; expected one of: ")
    assert "shooting_review" in message


def test_unknown_area_code(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE_HEADER + "P3,Eva,Chávez,,female,downtown\n"})
    (message,) = _import_invalid(path)
    assert message.startswith("people.csv:2: area: unknown area code 'downtown'; configured areas: foothills")


def test_unknown_person_key(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "outcomes.csv": "outcome_key,person_key,occurred_on,type\nO1,P1,2022-11-01,shot\nO2,P9,2022-11-02,shot\n",
        }
    )
    assert _import_invalid(path) == [
        "outcomes.csv:3: person_key: unknown person_key 'P9': not among the valid rows of people.csv nor in the database"
    ]


def test_duplicate_key(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE + "P1,Ana,Garcia,2000-02-29,female,southeast\n"})
    assert _import_invalid(path) == ["people.csv:4: person_key: duplicate key 'P1' (first at line 2)"]


def test_duplicate_involvement_triple(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "incidents.csv": "incident_key,occurred_at,type\n22-1,2022-11-01T10:00:00-06:00,shooting\n",
            "involvements.csv": "incident_key,person_key,role\n22-1,P1,victim\n22-1,P2,suspect\n22-1,P1,victim\n",
        }
    )
    assert _import_invalid(path) == ["involvements.csv:4: key: duplicate key '22-1 / P1 / victim' (first at line 2)"]


def test_connected_before_referred(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "service_referrals.csv": (
                "service_referral_key,person_key,category,referred_on,status,connected_on\n"
                "S1,P1,housing,2022-11-10,connected,2022-11-09\n"
            ),
        }
    )
    assert _import_invalid(path) == [
        "service_referrals.csv:2: connected_on: 2022-11-09 is before referred_on 2022-11-10"
    ]


def test_connected_without_date(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "service_referrals.csv": (
                "service_referral_key,person_key,category,referred_on,status\nS1,P1,housing,2022-11-10,completed\n"
            ),
        }
    )
    assert _import_invalid(path) == ["service_referrals.csv:2: connected_on: required when status is completed"]


def test_non_utf8_bytes(program, write_bundle) -> None:
    latin1 = (PEOPLE_HEADER + "P3,José,Peña,2001-01-01,male,valley\n").encode("latin-1")
    path = write_bundle({"people.csv": latin1})
    assert _import_invalid(path) == ["people.csv:2: -: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_empty_file(program, write_bundle) -> None:
    path = write_bundle({"people.csv": b""})
    assert _import_invalid(path) == ["people.csv:1: -: empty file: expected a header row"]


def test_not_a_zip(program, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(b"%PDF-1.7 this is not a zip")
    assert _import_invalid(path) == [
        "bundle.zip:0: -: not a zip file or folder (a bundle is a folder or a .zip of CSV files)"
    ]


def test_row_of_wrong_width(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE_HEADER + "P3,Eva,Chávez,2001-01-01\n"})
    assert _import_invalid(path) == ["people.csv:2: -: row has 4 fields, the header has 6"]


def test_required_cell_empty(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE_HEADER + "P3,,Chávez,,,\n"})
    assert _import_invalid(path) == ["people.csv:2: first_name: required, but empty"]


def test_bad_date_time_and_skipped_dst_hour(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "notifications.csv": (
                "attempt_key,person_key,attempted_at,outcome\n"
                "N1,P1,2022-11-03 25:00,delivered\n"
                "N2,P1,2023-03-12T02:30:00,delivered\n"
            ),
        }
    )
    assert _import_invalid(path) == [
        "notifications.csv:2: attempted_at: '2022-11-03 25:00' is not a real date-time",
        "notifications.csv:3: attempted_at: '2023-03-12T02:30:00' does not exist in America/Denver "
        "(skipped by daylight saving)",
    ]


def test_line_numbers_count_multiline_cells(program, write_bundle) -> None:
    path = write_bundle(
        {
            "people.csv": PEOPLE,
            "referrals.csv": (
                "referral_key,person_key,received_on,source,reason\n"
                'R1,P1,2022-11-01,hospital,"first line\nsecond line"\n'
                "R2,P1,2022-11-31,hospital,\n"
            ),
        }
    )
    assert _import_invalid(path) == ["referrals.csv:4: received_on: '2022-11-31' is not a real calendar date"]


def test_row_23_bad_row_at_line_500_writes_nothing(program, write_bundle) -> None:
    rows = [f"P{i},Name{i},Last{i},2000-01-01,male,valley" for i in range(1, 1000)]
    rows[498] = "P499,Name,Last,2000-01-01,alien,valley"  # line 500 (after the header)
    path = write_bundle({"people.csv": PEOPLE_HEADER + "\n".join(rows) + "\n"})
    (message,) = _import_invalid(path)
    assert message.startswith("people.csv:500: sex: unknown code 'alien'")


def test_problems_inside_a_zip_name_the_member(program, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export/people.csv", PEOPLE_HEADER + "P1,Ana,García,2000-02-30,female,\n")
    assert _import_invalid(path) == ["people.csv:2: date_of_birth: '2000-02-30' is not a real calendar date"]


def test_too_long_cell(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE_HEADER + f"P1,{'A' * 101},García,,,\n"})
    assert _import_invalid(path) == ["people.csv:2: first_name: longer than 100 characters (101)"]

"""Security row 24: spreadsheet exports neutralise cells a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vip.configuration.services import profile_load
from vip.core.dates import Month
from vip.core.text import neutralise
from vip.interchange.export import bundle_export
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import table_counts
from vip.people.services import person_create
from vip.reports.services import report_generate

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://x")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("-3", "-3"),  # a genuine number stays a number
        ("-1,234.5", "-1,234.5"),
        ("+12%", "+12%"),
        ("<11", "<11"),
        ("Ana García", "Ana García"),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_row_24_neutralise_table(value: object, shown: object) -> None:
    assert neutralise(value) == shown


def _hostile_profile(tmp_path: Path) -> Path:
    """The default profile with formulas where an administrator types names (admin-editable)."""
    from importlib import resources

    text = (resources.files("vip.configuration") / "profiles" / "albuquerque.toml").read_text(encoding="utf-8")
    text = text.replace('program_name = "Violence Intervention Program"', f"program_name = '{HOSTILE}'")
    text = text.replace('name = "Southeast"', 'name = "@SUM(1+1)"').replace('name = "Northeast"', 'name = "-2+3+cmd"')
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_row_24_exports_neutralise_formula_prefixes(program, make_user, tmp_path: Path) -> None:
    person_create(actor=None, first_name=HOSTILE, last_name="+cmd|' /C calc'!A0", key="P-HOSTILE")
    profile_load(actor=None, name=str(_hostile_profile(tmp_path)))

    # The report's spreadsheet editions: no text cell starts with a formula character.
    run = report_generate(actor=None, month=Month(2022, 11), formats=["xlsx", "csv"])
    files = {f.format: bytes(f.content) for f in run.files.all()}
    book = load_workbook(io.BytesIO(files["xlsx"]))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "'" + HOSTILE + ": Monthly Informational Report, NOVEMBER 2022" in texts
    assert "'@SUM(1+1)" in texts and "'-2+3+cmd" in texts
    assert not [t for t in texts if t.startswith(DANGEROUS)]
    rows = list(csv.reader(io.StringIO(files["csv"].decode())))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(DANGEROUS) and not c.lstrip("+-").replace(",", "").isdigit()]

    # The interchange bundle is a data contract, not a spreadsheet edition: the name goes out
    # exactly as recorded and comes back unchanged (import(export(x)) is a no-op).
    out = tmp_path / "export"
    bundle_export(actor=None, out_dir=out)
    with open(out / "people.csv", encoding="utf-8", newline="") as handle:
        people = {row["person_key"]: row for row in csv.DictReader(handle)}
    assert people["P-HOSTILE"]["first_name"] == HOSTILE
    before = table_counts()
    again = bundle_import(actor=None, path=out)
    assert again.written and again.counts["people.csv"].unchanged == len(people)
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 1
    assert after == before

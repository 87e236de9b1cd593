"""Reading the figures back out of every format (for tests that compare them)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

from openpyxl import load_workbook

Figures = dict[tuple[str, str, str], str]  # (table id, row key, column key) -> shown text


def from_json(content: bytes) -> Figures:
    data = json.loads(content)
    out: Figures = {}
    for table in data["tables"]:
        for row in table["rows"]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                out[(table["id"], row["key"], column["key"])] = cell["display"]
    return out


def from_csv(content: bytes, shown: Figures) -> Figures:
    """Long form carries values and a suppression flag; compare them through the JSON's display text."""
    out: Figures = {}
    for row in csv.DictReader(io.StringIO(content.decode())):
        key = (row["table"], row["row"], row["column"])
        if row["suppressed"]:
            out[key] = shown[key]  # the display of a suppressed cell ("<11" or "*") is not a number
            assert row["value"] == ""
        else:
            out[key] = f"{int(row['value']):,}"
    return out


def from_xlsx(content: bytes, layout: dict[str, Any]) -> Figures:
    book = load_workbook(io.BytesIO(content), read_only=True)
    out: Figures = {}
    for table in layout["tables"]:
        sheet = book[table["id"][:31]]
        rows = list(sheet.iter_rows())
        header = [cell.value for cell in rows[1][1:]]
        assert header == [c["label"] for c in table["columns"]]
        for r, row in enumerate(table["rows"]):
            cells = rows[2 + r]
            assert cells[0].value == row["label"]
            for c, column in enumerate(table["columns"]):
                out[(table["id"], row["key"], column["key"])] = xlsx_shown(
                    cells[1 + c].value, cells[1 + c].number_format
                )
    return out


def xlsx_shown(value: Any, number_format: str) -> str:
    """What a spreadsheet shows for a cell: numbers are numbers, under the report's formats."""
    if isinstance(value, str):
        assert number_format == "General", (value, number_format)  # text is withheld figures only
        return value
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    if number_format == "0%":
        return f"{round(value * 100)}%"
    assert number_format == "#,##0" and isinstance(value, int), (value, number_format)
    return f"{value:,}"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and (attributes.get("id") or "").startswith("table-"):
            self._table = str(attributes["id"])[6:]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def from_html(content: bytes, layout: dict[str, Any]) -> Figures:
    parser = _Tables()
    parser.feed(content.decode())
    out: Figures = {}
    for table in layout["tables"]:
        if table["id"] not in parser.tables:
            continue  # headline_rates and people_engaged are shown as headline figures
        rows = parser.tables[table["id"]][1:]  # skip the header row
        for r, row in enumerate(table["rows"]):
            assert rows[r][0] == row["label"], (rows[r][0], row["label"])
            for c, column in enumerate(table["columns"]):
                out[(table["id"], row["key"], column["key"])] = rows[r][1 + c]
    return out


def pdf_text(content: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext (Debian package poppler-utils) is needed to read PDFs in tests")
    result = subprocess.run([tool, "-layout", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode()


def pdf_table_rows(text: str, labels: list[str], width: int) -> dict[str, list[str]]:
    """Rows of a table in the PDF's text: a label followed by ``width`` figures."""
    out = {}
    for label in labels:
        match = re.search(rf"^\s*{re.escape(label)}\s+((?:\S+\s+){{{width - 1}}}\S+)", text, flags=re.M)
        if match:
            out[label] = match.group(1).split()[:width]
    return out

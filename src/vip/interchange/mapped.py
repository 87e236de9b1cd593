"""Mapped import: a records system's own export (CSV or XLSX) through the bundle importer.

A police records system exports one row per involvement, with the incident's and the
person's columns repeated, under its own column names and codes. A small mapping file
(TOML, ``load_mapping``) says which source column is which bundle field, how the
source's codes become ours, the date formats and the time zone of the source.

``mapped_import`` streams the source once and translates each row into the bundle's
rows (``people.csv``, ``incidents.csv``, ``involvements.csv``) in a temporary bundle
folder, checking only what the bundle cannot see: the source's header, its dates and
codes, and that a person or incident repeated across lines is given the same way
every time. Fields the mapping does not name keep the current values of a record the
database already has under that key (read per batch, written as the exporter writes them);
a new record has them empty. The bundle then goes through ``bundle_import`` unchanged: the same
validation, the same single transaction, the same idempotent writes and audit. Every
problem is reported against the source file, its line (XLSX: sheet and row) and its
column; a bad mapping file, against the mapping file and its key.

Memory stays flat: rows are read and translated in batches, and the keys seen so far
(with the line of each bundle row) live in a temporary on-disk SQLite file.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import sqlite3
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from vip.audit.services import Actor
from vip.core.config import program_config
from vip.interchange.bulk import column_in
from vip.interchange.cells import ParseContext, cell_parser
from vip.interchange.formats import CellError, parse_moment
from vip.interchange.mapping import EXPORT, EXPORT_EXTRA_LOOKUPS
from vip.interchange.reader import (
    MAX_COMPRESSION_RATIO,
    MAX_MEMBER_BYTES,
    MAX_TOTAL_BYTES,
    ZIP_ERRORS,
    Problem,
    _BadBytesError,
    _CountingReader,
    _csv_message,
    _DecodedLines,
    limit_cells,
    max_line_bytes,
)
from vip.interchange.schema import INCIDENTS, INVOLVEMENTS, PEOPLE, FileSpec
from vip.interchange.services import (
    MAX_PROBLEMS_KEPT,
    FileCounts,
    ProgressFn,
    _batches,
    _check_permission,
    bundle_import,
)

# The bundle files a mapping fills, by the name of their section in the mapping file.
SECTIONS: dict[str, FileSpec] = {"people": PEOPLE, "incidents": INCIDENTS, "involvements": INVOLVEMENTS}
# Keys of the involvement come from the other two sections; only its role is mapped.
INVOLVEMENT_KEYS = {"incident_key", "person_key"}
FIELD_OPTIONS = {"column", "value", "default", "codes", "formats", "separator", "prefix"}
SOURCE_OPTIONS = {"format", "sheet", "delimiter", "header_row", "time_zone", "date_formats", "datetime_formats"}
DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)
DEFAULT_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}


class MappingError(Exception):
    """The mapping file cannot be used: each problem names the file and the key."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FieldMap:
    """Where one bundle field comes from."""

    section: str  # people | incidents | involvements
    name: str  # the bundle column
    kind: str  # the bundle column's kind (text, key, date, moment, choice, area)
    columns: tuple[str, ...] = ()  # source columns, as written in the mapping
    value: str | None = None  # a constant instead of a column
    default: str = ""  # used when the source cell is empty
    codes: dict[str, str] | None = None  # source code (case-folded) -> bundle code
    formats: tuple[str, ...] = ()  # date or date-time formats (strptime)
    separator: str = " "  # joins several columns
    prefix: str = ""  # put before a key

    @property
    def target(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def shown_column(self) -> str:
        """The source column(s) named in a problem."""
        if not self.columns:
            return f"(mapping {self.target})"
        return "+".join(self.columns)


@dataclass(frozen=True)
class Mapping:
    path: Path
    format: str | None  # csv | xlsx | None (from the file's name)
    sheet: str | None
    delimiter: str
    header_row: int
    zone: ZoneInfo
    fields: dict[str, dict[str, FieldMap]]  # section -> bundle column -> how

    def source_columns(self) -> dict[str, list[FieldMap]]:
        """Each source column named by the mapping (case-folded) and the fields it fills."""
        named: dict[str, list[FieldMap]] = {}
        for section in self.fields.values():
            for fmap in section.values():
                for column in fmap.columns:
                    named.setdefault(_norm(column), []).append(fmap)
        return named


def _norm(name: str) -> str:
    return name.strip().casefold()


# --------------------------------------------------------------------------- mapping file


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; raises ``MappingError`` naming the file and key."""
    name = path.name
    problems: list[Problem] = []
    lines: dict[tuple[str, ...], int] = {}

    def bad(key: str | tuple[str, ...], message: str) -> None:
        parts = tuple(key.split(".")) if isinstance(key, str) else key
        line = next((lines[parts[:n]] for n in range(len(parts), 0, -1) if parts[:n] in lines), 0)
        problems.append(Problem(name, line, _dotted(parts), message))

    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        lines.update(_key_lines(text))
    except FileNotFoundError:
        raise MappingError([Problem(name, 0, "", "no such mapping file")]) from None
    except UnicodeDecodeError:
        raise MappingError([Problem(name, 0, "", "not valid UTF-8; save the mapping file as UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise MappingError([Problem(name, int(found.group(1)) if found else 0, "", f"not valid TOML: {exc}")]) from None

    config = program_config()
    ctx = ParseContext(zone=config.zone, areas=frozenset(config.areas), categories=frozenset(config.service_categories))
    for key in sorted(set(data) - {"source", *SECTIONS}):
        bad(key, f"unknown section; expected: source, {', '.join(SECTIONS)}")

    source = data.get("source", {})
    if not isinstance(source, dict):
        bad("source", "must be a table ([source])")
        source = {}
    for key in sorted(set(source) - SOURCE_OPTIONS):
        bad(f"source.{key}", f"unknown key; expected one of: {', '.join(sorted(SOURCE_OPTIONS))}")
    fmt = source.get("format")
    if fmt is not None and fmt not in {"csv", "xlsx"}:
        bad("source.format", f"{fmt!r}: expected 'csv' or 'xlsx'")
        fmt = None
    sheet = source.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        bad("source.sheet", "must be a string (the worksheet's name)")
        sheet = None
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        bad("source.delimiter", f"{delimiter!r}: must be one character (e.g. ',', ';' or a tab '\\t')")
        delimiter = ","
    header_row = source.get("header_row", 1)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        bad("source.header_row", f"{header_row!r}: must be a whole number, 1 or more")
        header_row = 1
    zone = config.zone
    zone_name = source.get("time_zone")
    if zone_name is not None:
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            bad("source.time_zone", f"unknown time zone {zone_name!r} (e.g. 'America/Denver')")
    date_formats = _formats(source, "date_formats", DEFAULT_DATE_FORMATS, bad, "source.date_formats")
    datetime_formats = _formats(source, "datetime_formats", DEFAULT_DATETIME_FORMATS, bad, "source.datetime_formats")

    fields: dict[str, dict[str, FieldMap]] = {}
    for section, spec in SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            bad(section, f"must be a table ([{section}])")
            table = {}
        fields[section] = {}
        for column_name, raw in table.items():
            key = f"{section}.{column_name}"
            column = spec.columns_by_name.get(column_name)
            if column is None or (section == "involvements" and column_name in INVOLVEMENT_KEYS):
                allowed = [c for c in spec.header if not (section == "involvements" and c in INVOLVEMENT_KEYS)]
                bad((section, column_name), f"not a field of {spec.name}; expected one of: {', '.join(allowed)}")
                continue
            fmap = _field(section, column_name, column.kind, raw, key, bad, date_formats, datetime_formats)
            if fmap is None:
                continue
            _check_values(fmap, raw, cell_parser(column, ctx), bad)
            fields[section][column_name] = fmap
        for required in spec.required:
            if section == "involvements" and required in INVOLVEMENT_KEYS:
                continue
            if required not in fields[section] and not any(
                p.column.startswith(f"{section}.{required}") for p in problems
            ):
                bad(f"{section}.{required}", "required: say which source column gives it")
    if problems:
        raise MappingError(sorted(problems, key=lambda p: p.line))
    return Mapping(path, fmt, sheet, delimiter, header_row, zone, fields)


def _formats(
    table: dict[str, Any],
    key: str,
    default: tuple[str, ...],
    bad: Callable[[str | tuple[str, ...], str], None],
    where: str,
) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and "%" in v for v in value):
        bad(where, "must be a strptime format or a list of them (e.g. '%m/%d/%Y')")
        return default
    return tuple(value)


def _field(
    section: str,
    name: str,
    kind: str,
    raw: Any,
    key: str,
    bad: Callable[[str | tuple[str, ...], str], None],
    date_formats: tuple[str, ...],
    datetime_formats: tuple[str, ...],
) -> FieldMap | None:
    if isinstance(raw, str):
        raw = {"column": raw}
    if not isinstance(raw, dict):
        bad(key, "must be a source column name, or a table with column (or value), default, codes, formats")
        return None
    ok = True
    for option in sorted(set(raw) - FIELD_OPTIONS):
        bad(f"{key}.{option}", f"unknown key; expected one of: {', '.join(sorted(FIELD_OPTIONS))}")
        ok = False
    columns: tuple[str, ...] = ()
    column = raw.get("column")
    if isinstance(column, str) and column.strip():
        columns = (column,)
    elif isinstance(column, list) and column and all(isinstance(c, str) and c.strip() for c in column):
        columns = tuple(column)
    elif column is not None:
        bad(f"{key}.column", "must be a source column name or a list of them")
        ok = False
    value = raw.get("value")
    if value is not None and not isinstance(value, str):
        bad(f"{key}.value", "must be a string")
        ok = False
    if ok and not columns and value is None:
        bad(key, "needs a column (the source column that gives it) or a value (a constant)")
        ok = False
    if columns and value is not None:
        bad(key, "give either column or value, not both")
        ok = False
    default = raw.get("default", "")
    if not isinstance(default, str):
        bad(f"{key}.default", "must be a string")
        ok = False
    separator = raw.get("separator", " ")
    if not isinstance(separator, str):
        bad(f"{key}.separator", "must be a string")
        ok = False
    prefix = raw.get("prefix", "")
    if not isinstance(prefix, str):
        bad(f"{key}.prefix", "must be a string")
        ok = False
    elif prefix and kind != "key":
        bad(f"{key}.prefix", "only a key (person_key, incident_key) takes a prefix")
        ok = False
    codes: dict[str, str] | None = None
    if "codes" in raw:
        table = raw["codes"]
        if kind not in {"choice", "area"}:
            bad(f"{key}.codes", "only a coded field (sex, race, ethnicity, area, type, role) takes codes")
            ok = False
        elif not isinstance(table, dict) or not table:
            bad(f"{key}.codes", "must be a table of source code = our code")
            ok = False
        else:
            codes = {}
            for source_code, ours in table.items():
                folded = _norm(source_code)
                if not isinstance(ours, str):
                    bad((section, name, "codes", source_code), "must be a string (one of our codes, or '' for unknown)")
                    ok = False
                elif folded in codes and codes[folded] != ours.strip().lower():
                    bad((section, name, "codes", source_code), "the same source code (ignoring case) is mapped twice")
                    ok = False
                else:
                    codes[folded] = ours.strip().lower()
    formats: tuple[str, ...] = ()
    if kind in {"date", "moment"}:
        formats = _formats(raw, "formats", (), bad, f"{key}.formats")
        if not formats:
            formats = date_formats if kind == "date" else (*datetime_formats, *date_formats)
        if name == "date_of_birth" and any("%y" in f for f in formats):
            bad(f"{key}.formats", "a two-digit year (%y) is ambiguous for a birth date; use %Y")
            ok = False
    elif "formats" in raw:
        bad(f"{key}.formats", "only a date or date-time field takes formats")
        ok = False
    if not ok:
        return None
    return FieldMap(section, name, kind, columns, value, default, codes, formats, separator, prefix)


def _check_values(
    fmap: FieldMap, raw: Any, parse: Callable[[str], Any], bad: Callable[[str | tuple[str, ...], str], None]
) -> None:
    """Constants, defaults and code targets are in vip's terms: the bundle's own cell
    rules check them."""
    where = (fmap.section, fmap.name)
    checks: list[tuple[tuple[str, ...], str]] = []
    if fmap.value is not None:
        checks.append(((*where, "value"), fmap.prefix + fmap.value if fmap.kind == "key" else fmap.value))
    if fmap.default:
        checks.append(((*where, "default"), fmap.default))
    if fmap.codes is not None and isinstance(raw, dict):
        for source_code, ours in raw["codes"].items():
            checks.append(((*where, "codes", source_code), ours.strip().lower()))
    for key, text in checks:
        try:
            parse(text)
        except CellError as exc:
            bad(key, str(exc))


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE_LINE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_KEY_LINE = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=\s*(.*)$")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_KEY})\s*=")


def _dotted(parts: tuple[str, ...]) -> str:
    """A key path as TOML writes it (``incidents.type.codes."AGG ASSLT"``)."""
    return ".".join(p if _BARE.match(p) else json.dumps(p, ensure_ascii=False) for p in parts)


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(_KEY, text)
    return tuple(p[1:-1] if p[:1] in {'"', "'"} else p for p in parts)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each key of a (valid) TOML file, as far as a line scan can tell:
    tables, keys and the keys of one-line inline tables."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_LINE.match(line)
        if header is not None:
            table = _split_key(header.group(1))
            found.setdefault(table, number)
            continue
        entry = _KEY_LINE.match(line)
        if entry is None:
            continue
        key = (*table, *_split_key(entry.group(1)))
        found.setdefault(key, number)
        if entry.group(2).lstrip().startswith("{"):
            for inner in _INLINE_KEY.finditer(entry.group(2)):
                found.setdefault((*key, *_split_key(inner.group(1))), number)
    return found


# --------------------------------------------------------------------------- source files


@dataclass
class _SourceRow:
    line: int
    cells: list[Any]


class _Source:
    """The rows of a CSV or XLSX export, with its header (line numbers as the user sees them)."""

    def __init__(self, path: Path, mapping: Mapping, problems: Callable[[Problem], None]) -> None:
        self.path = path
        self.mapping = mapping
        self.problems = problems
        fmt = mapping.format
        suffix = path.suffix.lower()
        if fmt is None:
            fmt = "xlsx" if suffix in XLSX_SUFFIXES else "csv" if suffix in CSV_SUFFIXES else None
        self.format = fmt
        self.name = path.name
        self.size = path.stat().st_size if path.is_file() else 0

    def rows(self, on_bytes: Callable[[int], None]) -> Iterator[_SourceRow]:
        """Yield the header row first, then each data row; problems of the file stop it."""
        if not self.path.is_file():
            self.problems(Problem(self.name, 0, "", "no such file"))
            return
        if self.format is None:
            self.problems(
                Problem(self.name, 0, "", "not a .csv or .xlsx file (say which in the mapping: source.format)")
            )
            return
        if self.format == "xlsx":
            yield from self._xlsx_rows(on_bytes)
        else:
            yield from self._csv_rows(on_bytes)

    def _csv_rows(self, on_bytes: Callable[[int], None]) -> Iterator[_SourceRow]:
        raw = _CountingReader(open(self.path, "rb"), on_bytes)  # noqa: SIM115 (closed below)
        binary = io.BufferedReader(raw, 1 << 16)
        header: list[str] = []

        def oversized(line: int, position: int | None, limit: int) -> None:
            # Security row 46: reported, never held; the column where the limit was crossed.
            column = header[position] if position is not None and position < len(header) else ""
            self.problems(Problem(self.name, line, column, f"line longer than {limit} bytes: refused"))

        lines = _DecodedLines(binary, oversized, self.mapping.delimiter)
        limit_cells()
        reader = csv.reader(lines, delimiter=self.mapping.delimiter, strict=True)
        try:
            while True:
                start = reader.line_num + 1
                lines.new_record()
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except _BadBytesError as exc:
                    self.problems(Problem(self.name, exc.line or lines.number + 1, "", exc.message))
                    return
                except csv.Error as exc:
                    self.problems(Problem(self.name, start, "", _csv_message(exc)))
                    return
                if not cells or start < self.mapping.header_row:
                    continue
                if not header:
                    header = [cell.strip() for cell in cells]
                yield _SourceRow(start, cells)
        finally:
            binary.close()

    def _xlsx_rows(self, on_bytes: Callable[[int], None]) -> Iterator[_SourceRow]:
        # Deferred: openpyxl is slow to import, and only an XLSX source needs it.
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        refused = _xlsx_refused(self.path) or _xlsx_long_text(self.path, max_line_bytes())
        if refused:
            self.problems(Problem(self.name, 0, "", refused))
            return
        damaged = (*ZIP_ERRORS, KeyError, ParseError, InvalidFileException)
        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except damaged as exc:
            self.problems(Problem(self.name, 0, "", f"cannot read the workbook: {exc}"))
            return
        try:
            sheet_name = self.mapping.sheet
            if sheet_name is None:
                sheet = book.worksheets[0]
            elif sheet_name in book.sheetnames:
                sheet = book[sheet_name]
            else:
                self.problems(
                    Problem(
                        self.name,
                        0,
                        "",
                        f"no worksheet named {sheet_name!r} (source.sheet in {self.mapping.path.name}); "
                        f"the workbook has: {', '.join(book.sheetnames)}",
                    )
                )
                return
            self.name = f"{self.path.name}[{sheet.title}]"
            total_rows = max(int(getattr(sheet, "max_row", 0) or 0), 1)
            per_row = self.size / total_rows
            number = 0
            rows = sheet.iter_rows()
            while True:
                try:
                    cells = next(rows, None)
                except damaged as exc:
                    self.problems(Problem(self.name, number + 1, "", f"damaged worksheet: {exc}"))
                    return
                if cells is None:
                    return
                number += 1
                for cell in cells:
                    row = getattr(cell, "row", None)
                    if row is not None:
                        number = row
                        break
                on_bytes(int(per_row))
                values = [_xlsx_value(cell) for cell in cells]
                if number < self.mapping.header_row or all(v is None or v == "" for v in values):
                    continue
                limit = max_line_bytes()
                if any(isinstance(v, str) and len(v) > limit for v in values):
                    # Cannot happen after _xlsx_long_text; kept so that no path lets one through.
                    self.problems(Problem(self.name, number, "", f"a cell longer than {limit} characters: refused"))
                    return
                yield _SourceRow(number, values)
        finally:
            book.close()


def _xlsx_refused(path: Path) -> str | None:
    """A workbook is a zip: refuse the same bombs the bundle reader refuses, and a workbook
    expanding past ``VIP_IMPORT_MAX_XLSX_BYTES`` (security row 46: openpyxl holds the table of
    shared strings whole)."""
    cap = min(MAX_TOTAL_BYTES, int(settings.VIP_IMPORT_MAX_XLSX_BYTES))
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > MAX_MEMBER_BYTES or (info.file_size > 10_000_000 and ratio > MAX_COMPRESSION_RATIO):
                    return f"refused: {info.filename} expands to {info.file_size} bytes (ratio {ratio:.0f}:1)"
                total += info.file_size
                if total > cap:
                    return f"refused: the workbook expands to more than {cap} bytes"
    except ZIP_ERRORS as exc:
        return f"cannot read the workbook: {exc}"
    return None


class _LongTextError(Exception):
    pass


def _xlsx_long_text(path: Path, limit: int) -> str | None:
    """Security row 46: a workbook cell (or shared string) longer than ``limit`` characters is
    refused before openpyxl reads it whole. The worksheets and the table of shared strings are
    scanned as a stream (expat, in 64 KiB pieces), counting each cell's text, holding none."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename
                if name != "xl/sharedStrings.xml" and not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                where = {"cell": "", "string": 0, "n": 0}
                parser = expat.ParserCreate()

                def start(tag: str, attrs: dict[str, str], where: dict[str, Any] = where) -> None:
                    local = tag.rsplit(":", 1)[-1]
                    if local == "c":
                        where["cell"], where["n"] = attrs.get("r", ""), 0
                    elif local == "si":
                        where["string"], where["n"] = where["string"] + 1, 0

                def text(data: str, where: dict[str, Any] = where) -> None:
                    where["n"] += len(data)
                    if where["n"] > limit:
                        raise _LongTextError

                parser.StartElementHandler = start
                parser.CharacterDataHandler = text
                try:
                    with archive.open(info) as stream:
                        while chunk := stream.read(1 << 16):
                            parser.Parse(chunk, False)
                        parser.Parse(b"", True)
                except _LongTextError:
                    what = (
                        f"cell {where['cell']}"
                        if name != "xl/sharedStrings.xml"
                        else f"shared string {where['string']}"
                    )
                    sheet = "" if name == "xl/sharedStrings.xml" else f" of {Path(name).stem}"
                    return f"refused: {what}{sheet} is longer than {limit} characters"
                except expat.ExpatError as exc:
                    return f"cannot read the workbook: {name}: {exc}"
    except ZIP_ERRORS as exc:
        return f"cannot read the workbook: {exc}"
    return None


def _xlsx_value(cell: Any) -> Any:
    """A spreadsheet cell as text, or as a date/date-time for date fields."""
    value = cell.value
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        fmt = str(getattr(cell, "number_format", "") or "").lower()
        if value.time() == dt.time(0) and "h" not in fmt:
            return value.date()
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    return str(value)


# --------------------------------------------------------------------------- translation


class _Seen:
    """On disk: each person and incident given so far (first line, values), the
    involvements written, and the source line of each bundle row."""

    def __init__(self, folder: Path) -> None:
        self._db = sqlite3.connect(folder / "seen.sqlite3")
        self._db.executescript(
            """
            PRAGMA journal_mode=OFF;
            PRAGMA synchronous=OFF;
            CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, line INTEGER NOT NULL, data TEXT NOT NULL,
                                  PRIMARY KEY (kind, key)) WITHOUT ROWID;
            CREATE TABLE involvements (key TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE lines (file TEXT NOT NULL, line INTEGER NOT NULL, source_line INTEGER NOT NULL,
                                PRIMARY KEY (file, line)) WITHOUT ROWID;
            """
        )

    def records(self, kind: str, keys: set[str]) -> dict[str, tuple[int, dict[str, str]]]:
        found: dict[str, tuple[int, dict[str, str]]] = {}
        items = list(keys)
        for i in range(0, len(items), 900):
            part = items[i : i + 900]
            marks = ",".join("?" * len(part))
            for key, line, data in self._db.execute(
                f"SELECT key, line, data FROM records WHERE kind = ? AND key IN ({marks})",  # noqa: S608
                [kind, *part],
            ):
                found[key] = (line, json.loads(data))
        return found

    def add_records(self, kind: str, items: list[tuple[str, int, dict[str, str]]]) -> None:
        self._db.executemany(
            "INSERT INTO records (kind, key, line, data) VALUES (?, ?, ?, ?)",
            ((kind, key, line, json.dumps(data)) for key, line, data in items),
        )

    def new_involvement(self, key: str) -> bool:
        return self._db.execute("INSERT OR IGNORE INTO involvements (key) VALUES (?)", (key,)).rowcount == 1

    def add_lines(self, file: str, items: list[tuple[int, int]]) -> None:
        self._db.executemany(
            "INSERT INTO lines (file, line, source_line) VALUES (?, ?, ?)", ((file, a, b) for a, b in items)
        )

    def source_line(self, file: str, line: int) -> int | None:
        row = self._db.execute(
            "SELECT source_line FROM lines WHERE file = ? AND line <= ? ORDER BY line DESC LIMIT 1", (file, line)
        ).fetchone()
        return None if row is None else int(row[0])

    def known(self, kind: str, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone() is not None

    def close(self) -> None:
        self._db.close()


class _BundleFile:
    """One CSV file of the translated bundle, counting physical lines as the reader will."""

    def __init__(self, folder: Path, spec: FileSpec, columns: list[str]) -> None:
        self.spec = spec
        self.columns = columns
        self.handle = open(folder / spec.name, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.line = 1
        self._put(columns)

    def _put(self, cells: list[str]) -> int:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        text = self.buffer.getvalue()
        self.handle.write(text)
        start = self.line
        self.line += text.count("\n")
        return start

    def write(self, values: dict[str, str]) -> int:
        """Write a row; returns the physical line it starts on."""
        return self._put([values.get(c, "") for c in self.columns])

    def close(self) -> None:
        self.handle.close()


@dataclass
class _Part:
    """One record's part of a source row: its key, values (bundle cells) and problems."""

    key: str = ""
    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[FieldMap, str]] = field(default_factory=list)


class _Translator:
    def __init__(self, mapping: Mapping, source: _Source, folder: Path, seen: _Seen, report: Callable[..., None]):
        self.mapping = mapping
        self.source = source
        self.seen = seen
        self.report = report  # (line, column, message)
        self.index: dict[str, int] = {}
        self.plans: dict[str, list[tuple[str, FieldMap, Callable[[list[Any]], str]]]] = {}
        self.width = 0
        self.files = {section: _BundleFile(folder, SECTIONS[section], self._columns(section)) for section in SECTIONS}
        self.lines_read = 0
        self.zone = program_config().zone
        # Per record section: the bundle columns the mapping does not name (kept from the database).
        self.kept = {
            section: [c for c in SECTIONS[section].header if c not in self.mapping.fields[section]]
            for section in ("people", "incidents")
        }

    def _columns(self, section: str) -> list[str]:
        if section == "involvements":
            return ["incident_key", "person_key", "role"]
        return SECTIONS[section].header

    def header(self, row: _SourceRow) -> bool:
        names = [_norm(str(cell)) if cell is not None else "" for cell in row.cells]
        self.width = len(names)
        ok = True
        named = self.mapping.source_columns()
        for position, name in enumerate(names):
            if name in self.index and name in named:
                self.report(row.line, str(row.cells[position]).strip(), "the header names this column twice")
                ok = False
            self.index.setdefault(name, position)
        for folded, fmaps in named.items():
            if folded not in self.index:
                shown = next(c for c in fmaps[0].columns if _norm(c) == folded)
                targets = ", ".join(f.target for f in fmaps)
                self.report(
                    row.line,
                    shown,
                    f"column named in {self.mapping.path.name} ({targets}) is not in the header",
                )
                ok = False
        if ok:
            self.plans = {
                section: [(name, fmap, self._compile(fmap)) for name, fmap in fields.items()]
                for section, fields in self.mapping.fields.items()
            }
        return ok

    def batch(self, rows: list[_SourceRow]) -> None:
        parts: list[tuple[_SourceRow, _Part, _Part, _Part]] = []
        for row in rows:
            self.lines_read += 1
            if self.source.format == "csv" and len(row.cells) != self.width:
                self.report(row.line, "", f"row has {len(row.cells)} fields, the header has {self.width}")
                continue
            person = self._part(row, "people", "person_key")
            incident = self._part(row, "incidents", "incident_key")
            involvement = self._part(row, "involvements", "")
            parts.append((row, person, incident, involvement))

        self._records("people", "person", [(r.line, p) for r, p, _, _ in parts])
        self._records("incidents", "incident", [(r.line, i) for r, _, i, _ in parts])
        involvement_lines: list[tuple[int, int]] = []
        for row, person, incident, involvement in parts:
            for part in (person, incident, involvement):
                for fmap, message in part.problems:
                    self.report(row.line, fmap.shown_column, message)
            if person.problems or incident.problems or involvement.problems:
                continue
            values = {"incident_key": incident.key, "person_key": person.key, "role": involvement.values["role"]}
            if self.seen.new_involvement("\x1f".join(values.values())):
                involvement_lines.append((self.files["involvements"].write(values), row.line))
        self.seen.add_lines("involvements.csv", involvement_lines)

    def _records(self, section: str, kind: str, items: list[tuple[int, _Part]]) -> None:
        """Write each person (incident) the first time it is given; check it is the same later."""
        fmaps = self.mapping.fields[section]
        good = [(line, part) for line, part in items if not part.problems]
        earlier = self.seen.records(kind, {part.key for _, part in good})
        new: list[tuple[str, int, dict[str, str]]] = []
        bundle_lines: list[tuple[int, int]] = []
        current = self._current(section, {part.key for _, part in good if part.key not in earlier})
        for line, part in good:
            first = earlier.get(part.key)
            if first is None:
                earlier[part.key] = (line, part.values)
                new.append((part.key, line, part.values))
                # Fields the mapping does not name keep the record's current values (a new
                # record: empty); the mapped ones, compared above and later, are the source's.
                kept = current.get(part.key)
                row = part.values if kept is None else {**kept, **part.values}
                bundle_lines.append((self.files[section].write(row), line))
                continue
            first_line, first_values = first
            for name, value in part.values.items():
                if first_values.get(name) != value:
                    fmap = fmaps[name]
                    part.problems.append(
                        (
                            fmap,
                            f"{kind} {part.key!r} is given differently on line {first_line}: "
                            f"{name} {value!r} here, {first_values.get(name)!r} there",
                        )
                    )
                    break
        self.seen.add_records(kind, new)
        self.seen.add_lines(SECTIONS[section].name, bundle_lines)

    def _current(self, section: str, keys: set[str]) -> dict[str, dict[str, str]]:
        """The bundle cells, as the exporter writes them, of the fields the mapping does not
        name, for the records of these keys that the database already has: one query."""
        names = set(self.kept[section])
        if not names or not keys:
            return {}
        spec = SECTIONS[section]
        columns = [c for c in EXPORT[spec.name] if c.name in names]
        lookups = list(dict.fromkeys(["key", *(c.lookup for c in columns), *EXPORT_EXTRA_LOOKUPS.get(spec.name, ())]))
        rows = spec.model.objects.filter(column_in("key", keys)).values(*lookups)  # type: ignore[attr-defined]
        zone = self.zone
        return {row["key"]: {c.name: c.render(row[c.lookup], row, zone) for c in columns} for row in rows}

    def _part(self, row: _SourceRow, section: str, key_name: str) -> _Part:
        part = _Part()
        cells = row.cells
        for name, fmap, get in self.plans[section]:
            try:
                part.values[name] = get(cells)
            except CellError as exc:
                part.problems.append((fmap, str(exc)))
        if key_name:
            part.key = part.values.get(key_name, "")
            if not part.key and not part.problems:
                part.problems.append((self.mapping.fields[section][key_name], "required, but empty"))
        return part

    def _compile(self, fmap: FieldMap) -> Callable[[list[Any]], str]:
        """The bundle cell of one field from a source row's cells: from the source
        column(s), through the codes, or a constant. Compiled once, after the header."""
        if fmap.value is not None:
            constant = fmap.prefix + fmap.value if fmap.kind == "key" and fmap.value else fmap.value
            return lambda cells: constant
        positions = tuple(self.index[_norm(column)] for column in fmap.columns)
        codes = fmap.codes
        empty = codes[""] if codes is not None and "" in codes else fmap.default
        separator = fmap.separator

        def texts(cells: list[Any]) -> str:
            width = len(cells)
            if len(positions) == 1:
                cell = cells[positions[0]] if positions[0] < width else None
                return cell.strip() if type(cell) is str else _text(cell)
            parts = (_text(cells[p]) if p < width else "" for p in positions)
            return separator.join(t for t in parts if t)

        if fmap.kind in {"date", "moment"}:
            from_text = functools.lru_cache(maxsize=20_000)(functools.partial(self._moment_text, fmap))

            def moment(cells: list[Any]) -> str:
                width = len(cells)
                values = [cells[p] for p in positions if p < width and cells[p] is not None and cells[p] != ""]
                if not values:
                    return empty
                if len(values) == 1 and isinstance(values[0], dt.date):
                    return self._moment_value(values[0], fmap)
                if (
                    len(values) == 2
                    and isinstance(values[0], dt.date)
                    and not isinstance(values[0], dt.datetime)
                    and isinstance(values[1], dt.time)
                ):
                    return self._moment_value(dt.datetime.combine(values[0], values[1]), fmap)  # date + time cells
                text = separator.join(t for t in (_text(v) for v in values) if t)
                return from_text(text) if text else empty

            return moment

        target = fmap.target
        prefix = fmap.prefix
        lower = fmap.kind in {"choice", "area"}
        key = fmap.kind == "key"

        def value(cells: list[Any]) -> str:
            text = texts(cells)
            if not text:
                return empty
            if codes is not None:
                found = codes.get(text.casefold())
                if found is None:
                    raise CellError(f"source code {text!r} is not in the mapping ({target}.codes)")
                return found
            if key:
                return prefix + text
            # Codes are compared as the bundle reads them (lower case), so that a person given
            # as MALE on one line and male on another is the same person.
            return text.lower() if lower else text

        return value

    def _moment_text(self, fmap: FieldMap, text: str) -> str:
        return self._moment_value(_strptime(text, fmap.formats, fmap.kind), fmap)

    def _moment_value(self, parsed: dt.date, fmap: FieldMap) -> str:
        if isinstance(parsed, dt.datetime):
            if fmap.kind == "date":
                if parsed.time() != dt.time(0):
                    raise CellError(f"{parsed.isoformat(sep=' ')!r} has a time of day; a date is expected")
                return parsed.date().isoformat()
            if parsed.tzinfo is None:
                # The bundle's own rule: a local time skipped by daylight saving does not exist.
                _, moment = parse_moment(parsed.isoformat(), self.mapping.zone)
                assert moment is not None
                return moment.astimezone(self.mapping.zone).isoformat()
            return parsed.isoformat()
        return parsed.isoformat()


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def _strptime(text: str, formats: tuple[str, ...], kind: str) -> dt.date | dt.datetime:
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        has_time = any(d in fmt for d in ("%H", "%I", "%M", "%S", "%p", "%X", "%c"))
        if kind == "date" or not has_time:
            return parsed.date()
        return parsed
    shown = " or ".join(repr(f) for f in formats)
    raise CellError(f"{text!r} is not a {'date' if kind == 'date' else 'date or date-time'} in the format {shown}")


# --------------------------------------------------------------------------- import


@dataclass
class MappedImportResult:
    source: str
    mapping: str
    lines: int = 0  # source data rows read
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    counts: dict[str, FileCounts] = field(default_factory=dict)
    written: bool = False

    @property
    def valid(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


def mapped_import(
    *,
    actor: Actor,
    path: Path,
    mapping_path: Path,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int | None = None,
) -> MappedImportResult:
    """Validate and import a records-system export (CSV or XLSX) through its mapping.

    All or nothing: if any row of the source (or the mapping) has a problem, nothing is
    written. ``dry_run``: validate only. Re-importing the same file changes nothing.
    """
    _check_permission(actor, "interchange.import_mapped")
    result = MappedImportResult(source=str(path), mapping=str(mapping_path))
    try:
        mapping = load_mapping(mapping_path)
    except MappingError as exc:
        for problem in exc.problems:
            result.add_problem(problem)
        return result
    batch_size = batch_size or settings.VIP_IMPORT_BATCH_SIZE
    source_problems: list[Problem] = []
    source = _Source(path, mapping, source_problems.append)

    def on_bytes(n: int) -> None:
        if progress is not None and n:
            progress("read", n, max(source.size, 1))

    with tempfile.TemporaryDirectory(prefix="vip-mapped-") as tmp:
        folder = Path(tmp)
        bundle = folder / "bundle"
        bundle.mkdir()
        seen = _Seen(folder)
        try:
            translated = _translate(mapping, source, bundle, seen, on_bytes, batch_size, result, source_problems)
            if not translated:
                return result
            imported = bundle_import(
                actor=actor,
                path=bundle,
                dry_run=dry_run or not result.valid,
                progress=progress,
                batch_size=batch_size,
                label=path.name,
                audit_extra={"mapping": mapping_path.name, "source_lines": result.lines},
            )
            told = {(p.line, p.column, p.message) for p in result.problems}
            for problem in imported.problems:
                mapped = _map_back(problem, mapping, source, seen)
                if mapped is not None and (mapped.line, mapped.column, mapped.message) not in told:
                    told.add((mapped.line, mapped.column, mapped.message))
                    result.add_problem(mapped)
            hidden = imported.problem_count - len(imported.problems)
            result.problem_count += max(hidden, 0)
            if not imported.valid and result.valid:  # cannot happen: a reference fails only after its record
                result.add_problem(Problem(source.name, 0, "", "the translated rows were refused; nothing was written"))
            result.counts = imported.counts
            result.written = imported.written
        finally:
            seen.close()
    result.problems.sort(key=lambda p: (p.line, p.column))
    return result


def _translate(
    mapping: Mapping,
    source: _Source,
    bundle: Path,
    seen: _Seen,
    on_bytes: Callable[[int], None],
    batch_size: int,
    result: MappedImportResult,
    source_problems: list[Problem],
) -> bool:
    """Write the translated bundle; False when the source cannot be read at all."""

    def report(line: int, column: str, message: str) -> None:
        result.add_problem(Problem(source.name, line, column, message))

    translator = _Translator(mapping, source, bundle, seen, report)
    rows = source.rows(on_bytes)
    try:
        header = next(rows, None)
        if header is None:
            if not source_problems:
                report(mapping.header_row, "", "empty file: expected a header row")
        elif not translator.header(header):
            return False
        else:
            for batch in _batches(rows, batch_size):
                translator.batch(batch)
    finally:
        for file in translator.files.values():
            file.close()
        result.lines = translator.lines_read
    for problem in source_problems:
        result.add_problem(Problem(source.name, problem.line, problem.column, problem.message))
    return header is not None and not source_problems


_REFERENCE = re.compile(r"^unknown (person_key|incident_key) '(.*)': not among the valid rows")


def _map_back(problem: Problem, mapping: Mapping, source: _Source, seen: _Seen) -> Problem | None:
    """A problem of the translated bundle, told against the source file, line and column."""
    found = _REFERENCE.match(problem.message)
    if found is not None:
        kind = "person" if found.group(1) == "person_key" else "incident"
        if seen.known(kind, found.group(2)):
            return None  # that record's own problem is reported on its own line
    section = next((s for s, spec in SECTIONS.items() if spec.name == problem.file), None)
    line = seen.source_line(problem.file, problem.line) if problem.line > 1 else None
    column = problem.column
    message = problem.message
    if section is not None:
        if section == "involvements" and column in INVOLVEMENT_KEYS:
            owner = "people" if column == "person_key" else "incidents"
            fmap = mapping.fields[owner].get(column)
        else:
            fmap = mapping.fields[section].get(column)
        if fmap is not None:
            column = fmap.shown_column
        elif section != "involvements" and column in SECTIONS[section].columns_by_name:
            # A field the mapping does not name holds the record's current value, which the
            # bundle's rules no longer accept (e.g. an area since made inactive).
            column = f"(kept {section}.{column})"
            message = f"{message} (the record's current value, kept because the mapping does not name this field)"
    if line is None:
        return Problem(source.name, problem.line, column, f"{message} (in the translated {problem.file})")
    return Problem(source.name, line, column, message)

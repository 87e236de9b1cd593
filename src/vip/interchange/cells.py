"""Parsing a whole row of a file: each cell by its column's kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from vip.interchange.formats import CellError, parse_bool, parse_date, parse_moment
from vip.interchange.reader import Header
from vip.interchange.schema import CROSS_CHECKED, TEAM_ORDER, Column, FileSpec, check_row


@dataclass(frozen=True)
class ParseContext:
    zone: ZoneInfo
    areas: frozenset[str]
    categories: frozenset[str]
    # The latest day and moment an event may have happened (``vip.core.future``: now plus the
    # clock-skew tolerance); a date or date-time after them is refused. None: not checked.
    latest_day: dt.date | None = None
    latest_moment: dt.datetime | None = None


def _empty_value(column: Column) -> Any:
    if column.kind == "team":
        return frozenset()
    return None if column.kind in {"date", "moment", "bool", "area", "ref", "category"} else ""


def _typed(column: Column, ctx: ParseContext) -> Callable[[str], Any]:
    """The parser of a non-empty cell of this column (raises ``CellError``)."""
    kind = column.kind
    if kind in {"key", "text", "ref"}:
        return str
    if kind == "date":
        latest_day = ctx.latest_day
        if latest_day is None:
            return parse_date

        def past_date(text: str) -> dt.date:
            value = parse_date(text)
            _refuse_future(value, None, latest_day, None, None)
            return value

        return past_date
    if kind == "moment":
        zone = ctx.zone
        if ctx.latest_day is None and ctx.latest_moment is None:
            return lambda text: parse_moment(text, zone)
        last_day, last_moment = ctx.latest_day, ctx.latest_moment

        def past_moment(text: str) -> tuple[dt.date, dt.datetime | None]:
            day, moment = parse_moment(text, zone)
            _refuse_future(day, moment, last_day, last_moment, zone)
            return day, moment

        return past_moment
    if kind == "bool":
        return parse_bool
    if kind in {"choice", "area", "category"}:
        allowed = {"choice": frozenset(column.choices), "area": ctx.areas, "category": ctx.categories}[kind]
        listed = ", ".join(column.choices if kind == "choice" else sorted(allowed))
        what = {
            "choice": f"unknown code {{!r}}; expected one of: {listed}",
            "area": f"unknown area code {{!r}}; configured areas: {listed}",
            "category": f"unknown service category {{!r}}; configured categories: {listed}",
        }[kind]

        def code(text: str) -> str:
            value = text.lower()
            if value not in allowed:
                raise CellError(what.format(text))
            return value

        return code
    if kind == "team":
        known = frozenset(TEAM_ORDER)

        def team(text: str) -> frozenset[str]:
            roles = frozenset(part.strip().lower() for part in text.split(";") if part.strip())
            unknown = sorted(roles - known)
            if unknown:
                raise CellError(f"unknown team role {unknown[0]!r}; expected: {', '.join(TEAM_ORDER)}")
            return roles

        return team
    raise AssertionError(f"unhandled column kind {kind}")


def _refuse_future(
    day: dt.date,
    moment: dt.datetime | None,
    latest_day: dt.date | None,
    latest_moment: dt.datetime | None,
    zone: ZoneInfo | None,
) -> None:
    """An event cannot have happened after now (the services refuse it the same way)."""
    if moment is not None and latest_moment is not None:
        if moment > latest_moment:
            shown = moment.astimezone(zone).isoformat() if zone is not None else moment.isoformat()
            latest = latest_moment.astimezone(zone).isoformat(timespec="minutes") if zone else latest_moment.isoformat()
            raise CellError(f"{shown} is in the future (latest allowed: {latest}): enter when it happened")
    elif latest_day is not None and day > latest_day:
        raise CellError(f"{day.isoformat()} is in the future (latest allowed: {latest_day}): enter when it happened")


def cell_parser(column: Column, ctx: ParseContext) -> Callable[[str], Any]:
    """A parser for one column's (stripped) cells: empty, length and type rules."""
    typed = _typed(column, ctx)
    empty = _empty_value(column)
    required = column.required
    limit = column.max_length

    def parse(text: str) -> Any:
        if not text:
            if required:
                raise CellError("required, but empty")
            return empty
        if limit is not None and len(text) > limit:
            raise CellError(f"longer than {limit} characters ({len(text)})")
        return typed(text)

    return parse


def parse_cell(column: Column, text: str, ctx: ParseContext) -> Any:
    return cell_parser(column, ctx)(text)


Sweep = Callable[[list[str], Callable[[str], Any]], list[Any]]


def _sweep(column: Column) -> Sweep:
    """How a whole column of stripped cells is parsed at once (raises ``CellError`` if any
    cell is refused: the caller then parses row by row for the messages)."""
    required = column.required
    limit = column.max_length

    def check_text(raw: list[str]) -> None:
        if required and "" in raw:
            raise CellError("required, but empty")
        if limit is not None and raw and max(map(len, raw)) > limit:
            raise CellError("too long")

    if column.kind in {"key", "text"}:

        def text(raw: list[str], parse: Callable[[str], Any]) -> list[Any]:
            check_text(raw)
            return raw  # the parser of a text cell returns it as it is ("" when empty)

        return text
    if column.kind == "ref":

        def ref(raw: list[str], parse: Callable[[str], Any]) -> list[Any]:
            check_text(raw)
            return [text or None for text in raw]

        return ref

    def by_value(raw: list[str], parse: Callable[[str], Any]) -> list[Any]:
        # Codes, days, flags and team lists repeat: each distinct cell is parsed once.
        table = {text: parse(text) for text in set(raw)}
        return list(map(table.__getitem__, raw))

    return by_value


class RowParser:
    """Parses the rows of one file, given its header: compiled once per file."""

    def __init__(self, spec: FileSpec, header: Header, ctx: ParseContext) -> None:
        self.spec = spec
        self.width = len(header.names)
        # A column kept when absent gives no value when the header lacks it (the stored one stays).
        columns = [c for c in spec.columns if not (c.keep_when_absent and c.name not in header.index)]
        self.plan = [(c.name, header.index.get(c.name), cell_parser(c, ctx)) for c in columns]
        self.sweeps = [_sweep(c) for c in columns]
        self.cross_checked = spec.name in CROSS_CHECKED

    def __call__(self, cells: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """``(values, [(column, message)])`` for one row."""
        if len(cells) != self.width:
            return {}, [("", f"row has {len(cells)} fields, the header has {self.width}")]
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for name, position, parse in self.plan:
            try:
                values[name] = parse(cells[position].strip() if position is not None else "")
            except CellError as exc:
                problems.append((name, str(exc)))
        if self.cross_checked and not problems:
            problems.extend(check_row(self.spec, values))
        return values, problems

    def many(self, rows: list[list[str]]) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
        """``self(cells)`` for each row of a batch, column by column.

        Each column of the batch is checked in one sweep: a cell value that repeats (a code,
        a day, a person's key) is parsed once, by the same parser a single row uses. If any
        cell of the batch fails, the batch is parsed again row by row, so that every problem
        is reported exactly as one row's parse reports it."""
        width = self.width
        if not rows:
            return []
        if any(len(cells) != width for cells in rows):
            return [self(cells) for cells in rows]
        count = len(rows)
        columns = list(zip(*rows, strict=True))
        names: list[str] = []
        typed: list[list[Any]] = []
        try:
            for (name, position, parse), sweep in zip(self.plan, self.sweeps, strict=True):
                raw = list(map(str.strip, columns[position])) if position is not None else [""] * count
                names.append(name)
                typed.append(sweep(raw, parse))
        except CellError:
            return [self(cells) for cells in rows]
        parsed: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
            (dict(zip(names, values, strict=True)), []) for values in zip(*typed, strict=True)
        ]
        if self.cross_checked:
            spec = self.spec
            for values, problems in parsed:
                problems.extend(check_row(spec, values))
        return parsed


def parse_row(
    spec: FileSpec, header: Header, cells: list[str], ctx: ParseContext
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parse every known column of a row (one-off use; files use ``RowParser``)."""
    return RowParser(spec, header, ctx)(cells)


def row_key(spec: FileSpec, values: dict[str, Any]) -> str:
    """The row's key as one string (involvements: the triple, joined)."""
    if len(spec.key) == 1:
        return str(values[spec.key[0]])
    return "\x1f".join(str(values[name]) for name in spec.key)


def show_key(key: str) -> str:
    return " / ".join(key.split("\x1f"))

"""Parsing a whole row of a file: each cell by its column's kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from vip.interchange.formats import CellError, parse_bool, parse_date, parse_moment
from vip.interchange.reader import Header
from vip.interchange.schema import TEAM_ORDER, Column, FileSpec, check_row


@dataclass(frozen=True)
class ParseContext:
    zone: ZoneInfo
    areas: frozenset[str]
    categories: frozenset[str]


def parse_cell(column: Column, text: str, ctx: ParseContext) -> Any:
    kind = column.kind
    if text == "":
        if column.required:
            raise CellError("required, but empty")
        return frozenset() if kind == "team" else (None if kind in {"date", "moment", "bool", "area", "ref"} else "")
    if column.max_length is not None and len(text) > column.max_length:
        raise CellError(f"longer than {column.max_length} characters ({len(text)})")
    if kind in {"key", "text", "ref"}:
        return text
    if kind == "date":
        return parse_date(text)
    if kind == "moment":
        return parse_moment(text, ctx.zone)
    if kind == "choice":
        value = text.lower()
        if value not in column.choices:
            raise CellError(f"unknown code {text!r}; expected one of: {', '.join(column.choices)}")
        return value
    if kind == "area":
        value = text.lower()
        if value not in ctx.areas:
            raise CellError(f"unknown area code {text!r}; configured areas: {', '.join(sorted(ctx.areas))}")
        return value
    if kind == "category":
        value = text.lower()
        if value not in ctx.categories:
            raise CellError(
                f"unknown service category {text!r}; configured categories: {', '.join(sorted(ctx.categories))}"
            )
        return value
    if kind == "bool":
        return parse_bool(text)
    if kind == "team":
        roles = frozenset(part.strip().lower() for part in text.split(";") if part.strip())
        unknown = sorted(roles - set(TEAM_ORDER))
        if unknown:
            raise CellError(f"unknown team role {unknown[0]!r}; expected: {', '.join(TEAM_ORDER)}")
        return roles
    raise AssertionError(f"unhandled column kind {kind}")


def parse_row(
    spec: FileSpec, header: Header, cells: list[str], ctx: ParseContext
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parse every known column of a row: ``(values, [(column, message)])``."""
    if len(cells) != len(header.names):
        return {}, [("", f"row has {len(cells)} fields, the header has {len(header.names)}")]
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for column in spec.columns:
        position = header.index.get(column.name)
        text = cells[position].strip() if position is not None else ""
        try:
            values[column.name] = parse_cell(column, text, ctx)
        except CellError as exc:
            problems.append((column.name, str(exc)))
    if not problems:
        problems.extend(check_row(spec, values))
    return values, problems


def row_key(spec: FileSpec, values: dict[str, Any]) -> str:
    """The row's key as one string (involvements: the triple, joined)."""
    if len(spec.key) == 1:
        return str(values[spec.key[0]])
    return "\x1f".join(str(values[name]) for name in spec.key)


def show_key(key: str) -> str:
    return " / ".join(key.split("\x1f"))

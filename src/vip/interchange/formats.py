"""Cell formats of the interchange bundle: parse a cell, or write one canonically.

Parsers take the stripped cell text and raise ``CellError`` with a message a
person can act on. Writers produce the canonical form that export uses (and
that the demo city writes), so export(import(bundle)) reproduces a canonical
bundle byte for byte up to row and column order.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
BOOLEANS = {"yes": True, "no": False}


class CellError(ValueError):
    """A cell that does not hold what its column requires."""


def parse_date(text: str) -> dt.date:
    if not DATE_RE.match(text):
        raise CellError(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"{text!r} is not a real calendar date") from None


def parse_moment(text: str, zone: ZoneInfo) -> tuple[dt.date, dt.datetime | None]:
    """A date, or a date-time (with offset, or local to the program's time zone).

    Returns the local calendar date and the aware moment (None for a bare date).
    """
    if DATE_RE.match(text):
        return parse_date(text), None
    if not DATETIME_RE.match(text):
        raise CellError(f"{text!r} is not a date (YYYY-MM-DD) or a date-time (e.g. 2022-11-03T14:05:00-07:00)")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CellError(f"{text!r} is not a real date-time") from None
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=zone)
        # A wall-clock time skipped by a daylight-saving change does not exist.
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise CellError(f"{text!r} does not exist in {zone.key} (skipped by daylight saving)")
        moment = local
    return moment.astimezone(zone).date(), moment.astimezone(dt.UTC)


def parse_bool(text: str) -> bool | None:
    if text == "":
        return None
    value = BOOLEANS.get(text.lower())
    if value is None:
        raise CellError(f"{text!r} is not yes, no or empty")
    return value


def format_date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def format_moment(day: dt.date, moment: dt.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return day.isoformat()
    return moment.astimezone(zone).isoformat()


def format_bool(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")

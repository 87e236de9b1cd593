"""Calendar logic of the program: fiscal years, report periods, local dates, ages.

This module is the only place that logic lives. Everything here is a pure
function of its arguments (the program's time zone and fiscal-year start month
are passed in), so it can be property-tested without a database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MONTH_NAMES = [calendar.month_name[i].upper() for i in range(1, 13)]

# The days the program takes from anyone (a form, the API, an address): a date of birth in 1900
# and a plan for 2199 are possible; year 0, year 99999 and the calendar's own ends, where one
# day more or less overflows, are not (security row 45).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def out_of_range(day: dt.date) -> str:
    """Why ``day`` is not taken as input ("" when it is)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if EARLIEST <= day <= LATEST:
        return ""
    return f"{day.isoformat()} is outside {EARLIEST.isoformat()} to {LATEST.isoformat()}"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2022, 11)``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, not {self.month}")
        if not dt.MINYEAR <= self.year <= dt.MAXYEAR:
            raise ValueError(f"year must be {dt.MINYEAR}-{dt.MAXYEAR}, not {self.year}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2022-11"`` -> ``Month(2022, 11)``; a month outside the years the program takes
        (``EARLIEST`` to ``LATEST``) is refused like a malformed one."""
        try:
            year_text, month_text = text.strip().split("-")
            digits = year_text + month_text
            if len(year_text) != 4 or len(month_text) != 2 or not (digits.isascii() and digits.isdigit()):
                raise ValueError
            month = cls(int(year_text), int(month_text))
            if not EARLIEST.year <= month.year <= LATEST.year:
                raise ValueError
            return month
        except ValueError:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM") from None

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def period(self) -> Period:
        return Period(self.first_day, self.last_day)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def title(self) -> str:
        """``NOVEMBER 2022``."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year, named by the calendar year in which it ends (FY2023 = Jul 2022-Jun 2023
    when the start month is July; when it starts in January, FY2023 is calendar 2023)."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"FY{self.end.year}"

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


def fiscal_year(day: dt.date, start_month: int) -> FiscalYear:
    """The fiscal year containing ``day`` for a fiscal year beginning on the 1st of ``start_month``."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal-year start month must be 1-12, not {start_month}")
    start_year = day.year if day.month >= start_month else day.year - 1
    start = dt.date(start_year, start_month, 1)
    end = Month(start_year, start_month).shift(11).last_day
    return FiscalYear(start, end)


def fiscal_year_to_date(month: Month, start_month: int) -> Period:
    """FYTD for a report month: first day of its fiscal year through the month's last day."""
    return Period(fiscal_year(month.first_day, start_month).start, month.last_day)


def report_columns(month: Month, start_month: int) -> list[tuple[str, Period]]:
    """The area-table columns: M, M-1, M-2 and FYTD, as (key, period)."""
    return [
        ("m", month.period),
        ("m1", month.shift(-1).period),
        ("m2", month.shift(-2).period),
        ("fytd", fiscal_year_to_date(month, start_month)),
    ]


def month_label(month: Month, labels: list[str]) -> str:
    """The configured short label (AP style by default: NOV, SEPT, MARCH)."""
    return labels[month.month - 1]


def local_date(moment: dt.datetime, tz: str | ZoneInfo) -> dt.date:
    """The calendar date of an aware moment in the program's time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return moment.astimezone(zone).date()


def make_aware_local(naive: dt.datetime, tz: str | ZoneInfo) -> dt.datetime:
    """Attach the program's time zone to a wall-clock time without an offset."""
    if naive.tzinfo is not None:
        raise ValueError("make_aware_local needs a naive datetime")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return naive.replace(tzinfo=zone)


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``.

    Someone born on 29 February has their birthday on 1 March in common years
    (the day after 28 February), the rule most US jurisdictions follow.
    """
    if day < born:
        raise ValueError(f"{day} is before the date of birth {born}")
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive."""
    out: list[Month] = []
    current = first
    while current <= last:
        out.append(current)
        current = current.shift(1)
    return out

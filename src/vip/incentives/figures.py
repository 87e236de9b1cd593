"""What the incentives' pages, services and export share: the profile's milestones, the fiscal
year a day falls in (through ``vip.core.dates``, where that logic lives), and amounts in dollars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from vip.core.config import Milestone, program_config
from vip.core.dates import FiscalYear, fiscal_year
from vip.core.models import in_language


def milestones() -> dict[str, Milestone]:
    """The profile's milestones, by code, in the profile's order."""
    return dict(program_config().field_work.milestones)


def milestone_name(code: str, known: dict[str, Milestone] | None = None) -> str:
    """The milestone's name in the active language (Spanish from the profile's ``name_es``);
    the code itself for a milestone the profile no longer has."""
    found = (milestones() if known is None else known).get(code)
    return in_language(found.name, found.name_es) if found is not None else code


def start_month() -> int:
    return program_config().fiscal_year_start_month


def fiscal_year_of(day: dt.date, month: int | None = None) -> int:
    """The fiscal year ``day`` falls in, named by the calendar year it starts in (a budget's
    ``fiscal_year``)."""
    return fiscal_year(day, month or start_month()).start.year


def fiscal_year_span(year: int, month: int | None = None) -> FiscalYear:
    """The fiscal year starting in calendar year ``year``: its first and last days and label."""
    first = month or start_month()
    return fiscal_year(dt.date(year, first, 1), first)


def fiscal_year_label(year: int, month: int | None = None) -> str:
    """``FY2023`` for the fiscal year starting in July 2022 (the program's own name for it)."""
    return fiscal_year_span(year, month).label


def dollars(cents: int, *, signed: bool = False) -> str:
    """``2500`` -> ``$25.00``; ``-2500`` -> ``-$25.00``; ``signed`` also marks positives (+$25.00)."""
    sign = "-" if cents < 0 else ("+" if signed and cents > 0 else "")
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{part:02d}"


def plain_dollars(cents: int) -> str:
    """``-2500`` -> ``-25.00``: a spreadsheet's number (the finance export)."""
    return str((Decimal(int(cents)) / 100).quantize(Decimal("0.01")))


def to_cents(amount: Decimal) -> int:
    """Dollars as typed in a form (at most two decimals) -> cents."""
    return int((amount * 100).to_integral_value())

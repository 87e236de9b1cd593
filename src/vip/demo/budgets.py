"""The demo city's incentive budgets: one per fiscal year of its data, set as the operator."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vip.core.config import program_config
from vip.core.dates import fiscal_year
from vip.incentives.models import IncentiveBudget
from vip.incentives.services import budget_set, committed_cents

STEP_CENTS = 500_000  # budgets are round sums: $5,000 steps
MARGIN = 1.2  # a program budgets a fifth more than it ends up committing


def set_demo_budgets(first_day: dt.date, last_day: dt.date) -> dict[int, int]:
    """Set a budget for each fiscal year from ``first_day`` to ``last_day`` that has none: what the
    city committed in it plus a fifth, rounded up to $5,000. Returns {fiscal year: cents} set."""
    start_month = program_config().fiscal_year_start_month
    first = fiscal_year(first_day, start_month).start.year
    last = fiscal_year(last_day, start_month).start.year
    have = set(IncentiveBudget.objects.values_list("fiscal_year", flat=True))
    done: dict[int, int] = {}
    previous = 0
    with transaction.atomic():
        for year in range(first, last + 1):
            if year in have:
                previous = 0
                continue
            committed = committed_cents(year)
            amount = max(STEP_CENTS, -(-int(committed * MARGIN) // STEP_CENTS) * STEP_CENTS)
            if year == last and previous:
                amount = max(amount, previous)  # the year under way: budgeted whole, like the one before
            previous = amount
            budget_set(actor=None, fiscal_year=year, amount_cents=amount, note="Demo city budget")
            done[year] = amount
    return done

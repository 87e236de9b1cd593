"""The demo city's incentive budgets: one per fiscal year of its data, above what it committed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vip.audit.models import AuditEvent
from vip.core.config import program_config
from vip.demo.budgets import STEP_CENTS, set_demo_budgets
from vip.demo.generator import generate_bundle
from vip.incentives.models import IncentiveBudget
from vip.incentives.services import committed_cents
from vip.interchange.services import bundle_import

pytestmark = pytest.mark.django_db


def test_each_fiscal_year_gets_a_round_budget_above_what_it_committed(program, tmp_path: Path) -> None:
    config = program_config()
    end = dt.date(2022, 9, 30)
    generate_bundle(
        tmp_path,
        scale=0.1,
        end=end,
        areas=list(config.areas),
        service_categories=list(config.service_categories),
        time_zone=config.time_zone,
        field_work={code: m.amount_cents for code, m in config.field_work.milestones.items()},
    )
    assert bundle_import(actor=None, path=tmp_path).written

    done = set_demo_budgets(dt.date(2020, 3, 1), end)
    # A July fiscal year: FY2020 (2019-07 to 2020-06) to FY2023 (2022-07 to 2023-06), the one under way.
    assert sorted(done) == [2019, 2020, 2021, 2022]
    budgets = {b.fiscal_year: b for b in IncentiveBudget.objects.all()}
    assert set(budgets) == set(done)
    for year, budget in budgets.items():
        assert budget.amount_cents == done[year]
        assert budget.amount_cents % STEP_CENTS == 0
        assert budget.amount_cents >= committed_cents(year) * 1.2
        assert budget.set_by is None and budget.note == "Demo city budget"
    # The year under way is budgeted whole: no less than the year before it.
    assert budgets[2022].amount_cents >= budgets[2021].amount_cents
    assert AuditEvent.objects.filter(action="incentive.budget").count() == 4

    # Run again (a second `vip demo` on the same database): a year with a budget keeps it.
    assert set_demo_budgets(dt.date(2020, 3, 1), end) == {}
    assert IncentiveBudget.objects.count() == 4

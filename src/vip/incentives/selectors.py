"""Reading incentives, as the access policy lets the reader see them (``vip.core.access.policy``):

- a participant's incentives and payments: their peer support worker (the peer's note about the
  milestone is casework, theirs alone) and the program's managers; nobody else;
- the budgets: peer support workers and managers, as figures (the program's sums against each
  fiscal year's budget, never a person);
- the finance export: managers (``incentive.finance_export``), audited as a read where it is sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet, Sum

from vip.core.access import require, selects, visible
from vip.core.dates import Month
from vip.incentives.choices import IncentiveStatus
from vip.incentives.figures import (
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_span,
    milestone_name,
    milestones,
    start_month,
)
from vip.incentives.models import Incentive, IncentiveBudget, IncentivePayment

By = Literal["person", "month", "fiscal_year"]


@selects(Incentive)
def incentive_list(*, user: Any) -> QuerySet[Incentive]:
    """The incentives the reader sees (with their person, proposer and decider loaded)."""
    return visible(Incentive.objects.select_related("person", "recorded_by", "decided_by", "withdrawn_by"), user)


@selects(IncentivePayment)
def payment_list(*, user: Any) -> QuerySet[IncentivePayment]:
    """The payments and reversals the reader sees, oldest first."""
    return visible(
        IncentivePayment.objects.select_related("incentive", "incentive__person", "recorded_by").order_by(
            "paid_on", "pk"
        ),
        user,
    )


@selects(IncentiveBudget)
def budget_list(*, user: Any) -> QuerySet[IncentiveBudget]:
    """The fiscal years' budgets (figures), newest year first."""
    return visible(IncentiveBudget.objects.select_related("set_by"), user)


def _payments(user: Any, start: dt.date | None, end: dt.date | None) -> QuerySet[IncentivePayment]:
    found = payment_list(user=user)
    if start is not None:
        found = found.filter(paid_on__gte=start)
    if end is not None:
        found = found.filter(paid_on__lte=end)
    return found


def totals(
    *, user: Any, by: By, start: dt.date | None = None, end: dt.date | None = None, person_id: int | None = None
) -> dict[Any, int]:
    """Net paid (payments and reversals together), in cents, of the payments the reader sees, paid
    from ``start`` to ``end``: by person (their id), by month paid (``YYYY-MM``), or by the fiscal year
    of the budget the incentive draws on (the year its milestone was reached in, as its start year).
    The sums of the finance export's rows for the same days, by the same columns."""
    found = _payments(user, start, end)
    if person_id is not None:
        found = found.filter(incentive__person_id=person_id)
    out: dict[Any, int] = defaultdict(int)
    if by == "person":
        for row in found.order_by().values("incentive__person_id").annotate(total=Sum("amount_cents")):
            out[row["incentive__person_id"]] += int(row["total"])
    elif by == "month":
        for day, cents in found.values_list("paid_on", "amount_cents"):
            out[str(Month.of(day))] += cents
    elif by == "fiscal_year":
        month = start_month()
        for day, cents in found.values_list("incentive__reached_on", "amount_cents"):
            out[fiscal_year_of(day, month)] += cents
    else:
        raise ValueError(f"totals by person, month or fiscal_year, not {by!r}")
    return dict(out)


def net_paid(*, user: Any, incentive_ids: list[int]) -> dict[int, int]:
    """Net paid of each of these incentives (those the reader sees), in cents."""
    rows = (
        payment_list(user=user)
        .filter(incentive_id__in=incentive_ids)
        .order_by()
        .values("incentive_id")
        .annotate(total=Sum("amount_cents"))
    )
    return {row["incentive_id"]: int(row["total"]) for row in rows}


@dataclass(frozen=True)
class FinanceRow:
    """One line of the finance export: a payment or a reversal."""

    payment_id: int
    paid_on: dt.date
    fiscal_year: str  # the budget's, e.g. FY2023
    month: str  # the month paid, YYYY-MM
    person_key: str
    person_name: str
    milestone: str
    amount_cents: int  # signed
    method: str
    reference: str
    reverses: int | None
    reason: str
    proposed_by: str
    approved_by: str
    paid_by: str


def finance_rows(*, user: Any, start: dt.date, end: dt.date) -> list[FinanceRow]:
    """Every payment and reversal paid from ``start`` to ``end`` (managers: the finance export)."""
    require(user, "incentive.finance_export")
    known = milestones()
    month = start_month()
    rows = []
    for p in _payments(user, start, end).select_related("incentive__recorded_by", "incentive__decided_by"):
        incentive = p.incentive
        person = incentive.person
        rows.append(
            FinanceRow(
                payment_id=p.pk,
                paid_on=p.paid_on,
                fiscal_year=fiscal_year_label(fiscal_year_of(incentive.reached_on, month), month),
                month=str(Month.of(p.paid_on)),
                person_key=person.key,
                person_name=f"{person.first_name} {person.last_name}".strip(),
                milestone=milestone_name(incentive.milestone, known),
                amount_cents=p.amount_cents,
                method=p.get_method_display(),
                reference=p.reference,
                reverses=p.reversal_of_id,
                reason=p.reason,
                proposed_by=str(incentive.recorded_by or ""),
                approved_by=str(incentive.decided_by or ""),
                paid_by=str(p.recorded_by or ""),
            )
        )
    return rows


@dataclass(frozen=True)
class BudgetLine:
    """A fiscal year's budget and the program's sums against it, in cents."""

    fiscal_year: int
    label: str
    start: dt.date
    end: dt.date
    budget: IncentiveBudget | None
    approved_unpaid: int  # approved, and not paid net
    paid: int  # paid net (payments and reversals)
    proposed: int  # proposals waiting for a decision

    @property
    def amount(self) -> int | None:
        return self.budget.amount_cents if self.budget is not None else None

    @property
    def remaining(self) -> int | None:
        """What is left to approve: the budget less every approved amount, paid or not."""
        if self.budget is None:
            return None
        return self.budget.amount_cents - self.approved_unpaid - self.paid


def budget_lines(*, user: Any, years: list[int] | None = None) -> list[BudgetLine]:
    """Each fiscal year with a budget or an incentive (and ``years``), newest first: its budget, what
    is approved and not yet paid, paid net, and left. The sums are the whole program's (figures,
    no person): what the budget is spent on, for whoever sees budgets."""
    budgets = {b.fiscal_year: b for b in budget_list(user=user)}
    month = start_month()
    approved: dict[int, int] = defaultdict(int)
    proposed: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    approved_ids: dict[int, int] = {}
    # Sums over every incentive of the program, read as figures only (amounts, days, status).
    for pk, day, status, cents in Incentive.objects.values_list("pk", "reached_on", "status", "amount_cents"):
        year = fiscal_year_of(day, month)
        if status == IncentiveStatus.APPROVED:
            approved[year] += cents
            approved_ids[pk] = year
        elif status == IncentiveStatus.PROPOSED:
            proposed[year] += cents
    for incentive_id, cents in IncentivePayment.objects.values_list("incentive_id", "amount_cents"):
        if incentive_id in approved_ids:
            paid[approved_ids[incentive_id]] += cents
    wanted = set(budgets) | set(approved) | set(proposed) | set(years or ())
    lines = []
    for year in sorted(wanted, reverse=True):
        span = fiscal_year_span(year, month)
        lines.append(
            BudgetLine(
                fiscal_year=year,
                label=span.label,
                start=span.start,
                end=span.end,
                budget=budgets.get(year),
                approved_unpaid=approved[year] - paid[year],
                paid=paid[year],
                proposed=proposed[year],
            )
        )
    return lines


def budget_line(*, user: Any, fiscal_year: int) -> BudgetLine:
    """One fiscal year's line (its budget may be unset)."""
    return next(line for line in budget_lines(user=user, years=[fiscal_year]) if line.fiscal_year == fiscal_year)


def proposals(*, user: Any) -> QuerySet[Incentive]:
    """The proposals waiting for a decision, oldest milestone first (the managers' queue)."""
    return incentive_list(user=user).filter(status=IncentiveStatus.PROPOSED).order_by("reached_on", "pk")

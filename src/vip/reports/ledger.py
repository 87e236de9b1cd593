"""The Monthly Informational Report in the release ledger.

A public edition's cells are written in terms of named monthly counts, so that the ledger
(:mod:`vip.releases.ledger`) sees what a reader of every report sees: the M-1 column of one
report is the M column of the month before, FYTD is a sum of months, totals are sums of rows,
the running success rate's denominators are cumulative counts. Names:

``area:<code>:<YYYY-MM>``         notifications delivered (person-days) in an area command in a month
``ageN:<band>:<YYYY-MM>``         people notified in the month, by age band (definition 7)
``ageE:<band>:<YYYY-MM>``         people newly engaged in the month, by age band (definitions 4, 7)
``svc:<category>:<YYYY-MM>``      service referrals connected in the month
``ref:<source>:<YYYY-MM>``        referrals received in the month
``out:<type>:<YYYY-MM>``          outcomes after notification in the month
``cumN:<YYYY-MM>``                people ever notified by the month's end (definition 5's denominator)
``cumE:<YYYY-MM>``                of those, engaged by the month's end (its numerator)
``cumH:<YYYY-MM>``                of those, with a violent outcome after notification (definition 6)
``med:<outcome>:<YYYY-MM>``       mediations held in the month, by outcome (an optional section)
``inc:<payments|reversals>:<YYYY-MM>`` incentive payments made and payments reversed (optional)
``cin:<call_ins|invited|attended>:<YYYY-MM>`` group call-ins held, people invited, people who came (optional)

The incentives' dollars are not counts: they are left out of the ledger, shown in a public edition
rounded to the nearest hundred, and withheld wherever the payments (or reversals) they sum are.

Besides the published cells each edition records what the definitions tell every reader
(``known``: cumulative counts never fall, engaged and hurt are at most notified, a month's
newly notified are at most the people notified that month, who are at most the deliveries)
and the counts a reader could try to work out (``derived``: monthly changes of the cumulative
counts, notified minus engaged, notified minus hurt).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from vip.core.dates import Month, Period, report_columns
from vip.releases.ledger import Cell
from vip.reports.facts import Facts
from vip.reports.metrics import (
    OPTIONAL_TABLES,
    VIOLENT_OUTCOMES,
    area_command_table,
    enforcement,
    further_violence,
    no_further_violence,
    notifications,
    referrals_by_source,
    running_success_rate,
    services_connected,
    summary_by_age_group,
)
from vip.stats.tables import COMPLEMENTARY, PERCENT, PRIMARY, ROUNDED, ROUNDING_BASE, PublishedTable

COUNT_TABLES = {
    "area_command": "area",
    "services_connected": "svc",
    "referrals_by_source": "ref",
    "enforcement": "out",
    "further_violence": "out",
    "mediations": "med",
    "incentives_paid": "inc",
    "call_in_attendance": "cin",
}
# A row of an optional section that is not a count (its public treatment: ``apply``).
NOT_COUNTED = {("incentives_paid", "dollars_paid"), ("incentives_paid", "dollars_reversed")}
# Each of them follows the count it sums: withheld wherever that count is.
FOLLOWS = {"dollars_paid": "payments", "dollars_reversed": "reversals"}


def _months(period: Period) -> list[str]:
    first, last = Month.of(period.start), Month.of(period.end)
    out = []
    while first <= last:
        out.append(str(first))
        first = first.shift(1)
    return out


def _periods(month: Month, facts: Facts) -> dict[str, Period]:
    return dict(report_columns(month, facts.fiscal_year_start_month))


def monthly_months(month: Month, facts: Facts) -> list[Month]:
    """The months whose monthly counts a report of ``month`` is made of (M-2 or the fiscal year's start, to M)."""
    periods = _periods(month, facts)
    first = min(Month.of(p.start) for p in periods.values())
    months = []
    while first <= month:
        months.append(first)
        first = first.shift(1)
    return months


def truths(facts: Facts, month: Month) -> dict[str, int]:
    """The exact value of every named count a public report of ``month`` is made of."""
    delivered = notifications(facts)
    out: dict[str, int] = {}
    for k in monthly_months(month, facts):
        ym = str(k)
        for table, prefix in (
            (area_command_table(facts, k, delivered), "area"),
            (services_connected(facts, k), "svc"),
            (referrals_by_source(facts, k), "ref"),
            (enforcement(facts, k, delivered), "out"),
            (further_violence(facts, k, delivered), "out"),
        ):
            c = table.col_keys.index("m")
            for row, cells in zip(table.row_keys, table.cells, strict=True):
                if row != "total":
                    out[f"{prefix}:{row}:{ym}"] = cells[c]
        for code in facts.category_codes:  # categories no longer shown hold no connections
            out.setdefault(f"svc:{code}:{ym}", 0)
        if facts.field is not None:
            for name in facts.field.sections:
                table = OPTIONAL_TABLES[name](facts, facts.field, k)
                prefix = COUNT_TABLES[table.id]
                c = table.col_keys.index("m")
                for row, cells in zip(table.row_keys, table.cells, strict=True):
                    if row != "total" and (table.id, row) not in NOT_COUNTED:
                        out[f"{prefix}:{row}:{ym}"] = cells[c]
        ages = summary_by_age_group(facts, k, delivered)
        for row, (notified, engaged) in zip(ages.row_keys, ages.cells, strict=True):
            if row != "total":
                out[f"ageN:{row}:{ym}"] = notified
                out[f"ageE:{row}:{ym}"] = engaged
    series = running_success_rate(facts, month, delivered)
    for row, (engaged, notified) in zip(series.row_keys, series.cells, strict=True):
        k = Month.parse(row)
        safe = no_further_violence(facts, k, delivered)
        out[f"cumN:{row}"] = notified
        out[f"cumE:{row}"] = engaged
        out[f"cumH:{row}"] = safe.denominator - safe.numerator
    return out


def _names(truth: dict[str, int], prefix: str, ym: str) -> list[str]:
    return sorted(n for n in truth if n.startswith(prefix + ":") and n.endswith(":" + ym))


def cells(tables: dict[str, PublishedTable], month: Month, facts: Facts, truth: dict[str, int]) -> list[Cell]:
    """Every cell of a public edition with its meaning, then the reader's identities and derived counts."""
    periods = _periods(month, facts)
    out: list[Cell] = []
    for tid, published in tables.items():
        t = published.table
        for r, row in enumerate(t.row_keys):
            if (tid, row) in NOT_COUNTED:
                continue
            for c, col in enumerate(t.col_keys):
                cell: Cell = {"table": tid, "row": row, "col": col}
                kind = published.suppressed.get((r, c))
                value = t.cells[r][c]
                cell["kind"] = {PRIMARY: "primary", COMPLEMENTARY: "withheld"}.get(kind or "", "count")
                cell["value"] = None if kind else value
                column_kind = published.kind(c)
                if tid in ("running_success_rate", "headline_rates"):
                    ym = row if tid == "running_success_rate" else str(month)
                    den = {f"cumN:{ym}": 1}
                    if col in ("notified", "denominator"):
                        cell["terms"] = den
                        if column_kind == ROUNDED and not kind:
                            cell["kind"], cell["base"] = "rounded", ROUNDING_BASE
                    else:
                        if row == "no_further_violence_rate":
                            num = {f"cumN:{ym}": 1, f"cumH:{ym}": -1}
                        else:
                            num = {f"cumE:{ym}": 1}
                        if column_kind == PERCENT:
                            cell["num"], cell["den"] = num, den
                            cell["kind"] = "percent" if not kind else "withheld"
                        else:
                            cell["terms"] = num
                    out.append(cell)
                    continue
                cell["terms"] = _terms(tid, row, col, t.row_keys, periods, month, truth)
                out.append(cell)
    out.extend(_known(truth))
    return out


def _terms(
    tid: str, row: str, col: str, rows: list[str], periods: dict[str, Period], month: Month, truth: dict[str, int]
) -> dict[str, int]:
    if tid == "summary_by_age_group":
        prefix = "ageN" if col == "notified" else "ageE"
        keys = [r for r in rows if r != "total"] if row == "total" else [row]
        return {f"{prefix}:{key}:{month}": 1 for key in keys}
    months = _months(periods[col])
    if tid == "people_engaged":
        return {n: 1 for ym in months for n in _names(truth, "ageE", ym)}
    prefix = COUNT_TABLES[tid]
    if row != "total":
        return {f"{prefix}:{row}:{ym}": 1 for ym in months}
    if tid == "services_connected":  # the total counts every category, shown or not
        return {n: 1 for ym in months for n in _names(truth, "svc", ym)}
    return {f"{prefix}:{key}:{ym}": 1 for key in rows if key != "total" for ym in months}


def _sum(names: Iterable[str], sign: int = 1) -> dict[str, int]:
    return dict.fromkeys(names, sign)


def _known(truth: dict[str, int]) -> list[Cell]:
    """What the definitions tell every reader, and the counts a reader could try to work out."""
    out: list[Cell] = []
    series = sorted(n.split(":", 1)[1] for n in truth if n.startswith("cumN:"))
    for ym in series:
        n, e, h = f"cumN:{ym}", f"cumE:{ym}", f"cumH:{ym}"
        out.append({"kind": "known", "row": ym, "col": "engaged<=notified", "terms": {n: 1, e: -1}, "lo": 0})
        out.append({"kind": "known", "row": ym, "col": "hurt<=notified", "terms": {n: 1, h: -1}, "lo": 0})
        out.append({"kind": "derived", "row": ym, "col": "notified-engaged", "terms": {n: 1, e: -1}})
        out.append({"kind": "derived", "row": ym, "col": "notified-hurt", "terms": {n: 1, h: -1}})
    for before, after in itertools.pairwise(series):
        for prefix in ("cumN", "cumE", "cumH"):
            change = {f"{prefix}:{after}": 1, f"{prefix}:{before}": -1}
            out.append({"kind": "known", "row": after, "col": f"{prefix} never falls", "terms": change, "lo": 0})
            out.append({"kind": "derived", "row": after, "col": f"{prefix} change", "terms": change})
        if Month.parse(before).shift(1) != Month.parse(after):
            continue
        people = _names(truth, "ageN", after)
        deliveries = _names(truth, "area", after)
        engaged = _names(truth, "ageE", after)
        violent = [n for n in _names(truth, "out", after) if n.split(":")[1] in VIOLENT_OUTCOMES]
        if people:
            out.append(
                {
                    "kind": "known",
                    "row": after,
                    "col": "newly<=notified",
                    "terms": {**_sum(people), f"cumN:{after}": -1, f"cumN:{before}": 1},
                    "lo": 0,
                }
            )
        if people and deliveries:
            out.append(
                {
                    "kind": "known",
                    "row": after,
                    "col": "people<=deliveries",
                    "terms": {**_sum(deliveries), **_sum(people, -1)},
                    "lo": 0,
                }
            )
        if engaged:
            terms = {**_sum(engaged), f"cumN:{after}": 1, f"cumN:{before}": -1}
            terms[f"cumE:{after}"] = terms.get(f"cumE:{after}", 0) - 1
            terms[f"cumE:{before}"] = terms.get(f"cumE:{before}", 0) + 1
            out.append({"kind": "known", "row": after, "col": "newly engaged<=...", "terms": terms, "lo": 0})
        if violent:
            terms = {**_sum(violent), f"cumH:{after}": -1, f"cumH:{before}": 1}
            out.append({"kind": "known", "row": after, "col": "hurt<=violent outcomes", "terms": terms, "lo": 0})
    for name in truth:
        if name.startswith("cin:attended:"):
            ym = name.rsplit(":", 1)[1]
            terms = {f"cin:invited:{ym}": 1, name: -1}
            out.append({"kind": "known", "row": ym, "col": "attended<=invited", "terms": terms, "lo": 0})
            out.append({"kind": "derived", "row": ym, "col": "invited-attended", "terms": terms})
    return out


_COLUMN_COST = {"fytd": 0, "m2": 1, "m1": 2, "m": 3, "notified": 1, "denominator": 1, "rate": 0}


def cost(cell: Cell) -> tuple[Any, ...]:
    """Cheapest to withhold first: fiscal-year-to-date and earlier months, non-totals, small values."""
    return (
        cell.get("row") == "total",
        _COLUMN_COST.get(str(cell.get("col")), 3),
        cell.get("value") if cell.get("value") is not None else 0,
        str(cell.get("table")),
        str(cell.get("row")),
    )


def apply(tables: dict[str, PublishedTable], withheld: list[Cell]) -> None:
    """Mark the cells the ledger withheld in the report's published tables."""
    for cell in withheld:
        published = tables[cell["table"]]
        r = published.table.row_keys.index(cell["row"])
        c = published.table.col_keys.index(cell["col"])
        published.suppressed[r, c] = COMPLEMENTARY
    follow_counts(tables)


def follow_counts(tables: dict[str, PublishedTable]) -> None:
    """A public edition's incentive dollars are withheld wherever the payments (or reversals) are."""
    published = tables.get("incentives_paid")
    if published is None or not published.threshold:
        return
    rows = published.table.row_keys
    for money, count in FOLLOWS.items():
        for c in range(len(published.table.col_keys)):
            if (rows.index(count), c) in published.suppressed:
                published.suppressed[rows.index(money), c] = COMPLEMENTARY

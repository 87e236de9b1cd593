"""An attacker who holds every public Monthly Informational Report (security row 40).

Written from the reader's side, apart from the release ledger's own model: it reads only what
was published (each edition's JSON: displays, not internal cells) and what every reader knows
from the published definitions (monthly-report.md): a month's figure is the same in every
report that shows it (M, M-1, M-2), FYTD is the sum of the fiscal year's months, a total is the
sum of its rows, "People newly engaged" is the age table's engaged total, the running success
rate's denominators are cumulative counts that never fall and its rates are whole percentages of
them (rounded halves up), "<11" is 1..10, counts are non-negative integers. It then asks an
integer program (vip.stats.ledger.attack, scipy's milp) how narrowly it can pin each monthly
count, each cumulative count and each month-to-month change of a cumulative count. The true
values come from the official edition, so that the test can say which counts are small.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from vip.core.dates import Month, fiscal_year_to_date
from vip.stats.ledger import Exposure, Knowledge, attack

MONTHLY_TABLES = (
    "area_command",
    "services_connected",
    "referrals_by_source",
    "enforcement",
    "further_violence",
    # The optional sections of the field work (a profile's report_sections).
    "mediations",
    "incentives_paid",
    "call_in_attendance",
)
# Rows that are not counts of people or events (dollars: the public edition rounds them).
NOT_COUNTS = {("incentives_paid", "dollars_paid"), ("incentives_paid", "dollars_reversed")}


def _months_between(first: Month, last: Month) -> list[str]:
    out = []
    while first <= last:
        out.append(str(first))
        first = first.shift(1)
    return out


def _column_months(month: Month, col: str, fiscal_start: int) -> list[str]:
    if col == "fytd":
        period = fiscal_year_to_date(month, fiscal_start)
        return _months_between(Month.of(period.start), month)
    return [str(month.shift(-{"m": 0, "m1": 1, "m2": 2}[col]))]


def _number(display: str) -> int | None:
    text = display.replace(",", "").rstrip("%")
    return int(text) if re.fullmatch(r"\d+", text) else None


class Reader:
    """The attacker's knowledge, built edition by edition from published JSON."""

    def __init__(self, fiscal_start: int, threshold: int) -> None:
        self.k = Knowledge()
        self.fiscal_start = fiscal_start
        self.threshold = threshold
        self.truth: dict[str, int] = {}
        self.cumulative: set[str] = set()

    def var(self, name: str) -> int:
        return self.k.var(name, self.truth[name])

    def learn_truth(self, official: dict[str, Any]) -> None:
        """The true monthly and cumulative counts, from one month's official edition (JSON)."""
        month = Month.parse(official["month"])
        for table in official["tables"]:
            tid = table["id"]
            cols = [c["key"] for c in table["columns"]]
            for row in table["rows"]:
                values = [cell["value"] for cell in row["cells"]]
                if (tid, row["key"]) in NOT_COUNTS:
                    continue
                if tid in MONTHLY_TABLES and row["key"] != "total":
                    self.truth[f"{tid}:{row['key']}:{month}"] = values[cols.index("m")]
                elif tid == "summary_by_age_group" and row["key"] != "total":
                    self.truth[f"ageN:{row['key']}:{month}"] = values[0]
                    self.truth[f"ageE:{row['key']}:{month}"] = values[1]
                elif tid == "running_success_rate":
                    self.truth[f"engaged:{row['key']}"] = values[0]
                    self.truth[f"notified:{row['key']}"] = values[1]
                elif tid == "headline_rates" and row["key"] == "no_further_violence_rate":
                    self.truth[f"safe:{month}"] = values[0]

    def read(self, public: dict[str, Any]) -> None:
        month = Month.parse(public["month"])
        for table in public["tables"]:
            tid = table["id"]
            rows = [r["key"] for r in table["rows"] if r["key"] != "total"]
            for row in table["rows"]:
                if (tid, row["key"]) in NOT_COUNTS:
                    continue
                for column, cell in zip(table["columns"], row["cells"], strict=True):
                    terms = self._terms(tid, row["key"], column["key"], rows, month)
                    if terms is None:
                        continue
                    self._cell(terms, cell, column["key"], tid, row["key"], month)

    def _terms(self, tid: str, row: str, col: str, rows: list[str], month: Month) -> dict[int, float] | None:
        if tid in MONTHLY_TABLES:
            keys = rows if row == "total" else [row]
            names = [f"{tid}:{key}:{ym}" for key in keys for ym in _column_months(month, col, self.fiscal_start)]
            if tid == "services_connected" and row == "total":  # every category, shown or not
                months = _column_months(month, col, self.fiscal_start)
                names = [n for n in self.truth if n.startswith("services_connected:") and n.rsplit(":", 1)[1] in months]
            return {self.var(n): 1.0 for n in names if n in self.truth}
        if tid == "summary_by_age_group":
            prefix = "ageN" if col == "notified" else "ageE"
            keys = rows if row == "total" else [row]
            return {self.var(f"{prefix}:{key}:{month}"): 1.0 for key in keys}
        if tid == "people_engaged":
            months = _column_months(month, col, self.fiscal_start)
            return {self.var(n): 1.0 for n in self.truth if n.startswith("ageE:") and n.rsplit(":", 1)[1] in months}
        return None  # the rate tables are read in _rates

    def _cell(self, terms: dict[int, float], cell: dict[str, Any], col: str, tid: str, row: str, month: Month) -> None:
        display = cell["display"]
        value = _number(display)
        if display.startswith("<"):
            self.k.between(terms, 1, self.threshold)
        elif value is not None:
            self.k.equal(terms, value)
        self.k.protect(f"{month}:{tid}/{row}/{col}", terms)

    def read_rates(self, public: dict[str, Any]) -> None:
        month = Month.parse(public["month"])
        for table in public["tables"]:
            if table["id"] not in ("running_success_rate", "headline_rates"):
                continue
            for row in table["rows"]:
                ym = row["key"] if table["id"] == "running_success_rate" else str(month)
                notified = self.var(f"notified:{ym}")
                self.cumulative.add(ym)
                if row["key"] == "no_further_violence_rate":
                    safe = self.var(f"safe:{ym}")
                    numerator = {safe: 1.0}
                    self.k.between({notified: 1.0, safe: -1.0}, 0, float("inf"))
                else:
                    numerator = {self.var(f"engaged:{ym}"): 1.0}
                rate, denominator = (_number(c["display"]) for c in row["cells"])
                den_display = row["cells"][1]["display"]
                if den_display.startswith("<"):
                    self.k.between({notified: 1.0}, 1, self.threshold)
                elif denominator is not None:
                    self.k.between({notified: 1.0}, max(0, denominator - 2), denominator + 2)
                if rate is not None:
                    low = {i: 200 * c for i, c in numerator.items()}
                    high = dict(low)
                    low[notified] = low.get(notified, 0.0) - (2 * rate - 1)
                    high[notified] = high.get(notified, 0.0) - (2 * rate + 1)
                    self.k.between(low, 0, float("inf"))
                    self.k.between(high, float("-inf"), -1)
                    self.k.between({notified: 1.0}, 1, float("inf"))

    def finish(self) -> None:
        """Cumulative counts never fall; every named count and each monthly change is protected."""
        series = sorted(self.cumulative)
        for ym in series:
            self.k.between({self.var(f"notified:{ym}"): 1.0, self.var(f"engaged:{ym}"): -1.0}, 0, float("inf"))
        for before, after in itertools.pairwise(series):
            for prefix in ("notified", "engaged"):
                change = {self.var(f"{prefix}:{after}"): 1.0, self.var(f"{prefix}:{before}"): -1.0}
                self.k.between(change, 0, float("inf"))
                self.k.protect(f"change of {prefix} {before}..{after}", change)
        for name, index in self.k.index.items():
            self.k.protect(name, {index: 1.0})


def attack_releases(
    official: list[dict[str, Any]], public: list[dict[str, Any]], *, fiscal_start: int, threshold: int, width: int
) -> list[Exposure]:
    reader = Reader(fiscal_start, threshold)
    for edition in official:
        reader.learn_truth(edition)
    for edition in public:
        reader.read(edition)
        reader.read_rates(edition)
    reader.finish()
    return attack(reader.k, threshold=threshold, width=width)

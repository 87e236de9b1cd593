"""The report's metrics: pure functions of the facts and the report month.

Nothing here touches the database; the same facts give the same numbers
wherever they came from. Each function implements one definition of
definitions.py (version 2022.1) and returns plain tables (tables.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vip.core.dates import Month, Period, age_on, month_label, report_columns
from vip.reports.definitions import CURRENT_VERSION
from vip.reports.facts import (
    MEDIATION_OUTCOMES,
    NO_AREA,
    NO_DATE,
    OUTCOME_TYPES,
    REFERRAL_SOURCES,
    Facts,
    FieldFacts,
    day_from_number,
    day_number,
)
from vip.stats.tables import ColumnSum, Table

NEVER = np.iinfo(np.int32).max
VIOLENT_OUTCOMES = ("arrest_violent", "arrest_firearm", "shot", "killed")
ARREST_TYPES = ("arrest_violent", "arrest_firearm", "arrest_other")
FURTHER_VIOLENCE_TYPES = ("shot", "killed")
SOURCE_LABELS = {
    "shooting_review": "Shooting review",
    "law_enforcement_data": "Law-enforcement data",
    "hospital": "Hospital",
    "school": "School",
    "community": "Community",
    "self_or_family": "Self or family",
    "other": "Other",
}
OUTCOME_LABELS = {
    "arrest_violent": "Arrests: violent offence",
    "arrest_firearm": "Arrests: firearm offence",
    "arrest_other": "Arrests: other",
    "shot": "Shot (not fatal)",
    "killed": "Killed",
}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


@dataclass
class ReportNumbers:
    month: Month
    definitions_version: str
    tables: dict[str, Table]
    fingerprint: str

    def table(self, table_id: str) -> Table:
        return self.tables[table_id]


# ---- building blocks -------------------------------------------------------------------


def _in(days: np.ndarray, period: Period) -> np.ndarray:
    return (days >= day_number(period.start)) & (days <= day_number(period.end))


def _first_of_groups(*keys: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal keys (rows already sorted by the keys)."""
    n = len(keys[0])
    mask = np.ones(n, dtype=bool)
    if n > 1:
        change = np.zeros(n - 1, dtype=bool)
        for key in keys:
            change |= key[1:] != key[:-1]
        mask[1:] = change
    return mask


@dataclass(frozen=True)
class Notifications:
    """Custom notifications delivered: one row per (person, day), with its area (definitions 1 and 2)."""

    person: np.ndarray
    day: np.ndarray
    area: np.ndarray  # index into the areas, NO_AREA for N/A


def notifications(facts: Facts) -> Notifications:
    first = _first_of_groups(facts.delivery_person, facts.delivery_day)
    area = np.where(facts.delivery_area != NO_AREA, facts.delivery_area, facts.delivery_person_area)
    return Notifications(facts.delivery_person[first], facts.delivery_day[first], area[first])


def first_days(person: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's first day (rows sorted by person, then day)."""
    first = _first_of_groups(person)
    return person[first], day[first]


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, missing: int) -> np.ndarray:
    """``values`` of ``wanted`` keys in the sorted ``keys``; ``missing`` where absent."""
    if len(keys) == 0:
        return np.full(len(wanted), missing, dtype=np.int64)
    index = np.searchsorted(keys, wanted)
    index = np.minimum(index, len(keys) - 1)
    found = keys[index] == wanted
    return np.where(found, values[index], missing)


def _columns(month: Month, facts: Facts, keys: tuple[str, ...]) -> tuple[list[str], list[str], list[Period]]:
    periods = dict(report_columns(month, facts.fiscal_year_start_month))
    labels = {
        "m": month_label(month, list(facts.month_labels)),
        "m1": month_label(month.shift(-1), list(facts.month_labels)),
        "m2": month_label(month.shift(-2), list(facts.month_labels)),
        "fytd": "FYTD",
    }
    return list(keys), [labels[k] for k in keys], [periods[k] for k in keys]


def _fytd_sum(col_keys: list[str], periods: list[Period]) -> list[ColumnSum]:
    """FYTD = the shown months inside the fiscal year (+ the months not shown, when there are any)."""
    if "fytd" not in col_keys:
        return []
    fytd = periods[col_keys.index("fytd")]
    parts = [(k, p) for k, p in zip(col_keys, periods, strict=True) if k != "fytd" and p.start >= fytd.start]
    if not parts:
        return []
    exact = min(p.start for _, p in parts) == fytd.start
    # The months of FYTD not shown were published in the earlier months' reports.
    return [ColumnSum("fytd", tuple(k for k, _ in parts), exact, remainder_known=not exact)]


def _count_table(
    table_id: str,
    title: str,
    row_keys: list[str],
    row_labels: list[str],
    index: np.ndarray,
    days: np.ndarray,
    month: Month,
    facts: Facts,
    col_keys: tuple[str, ...],
) -> Table:
    """Counts of ``index`` values (positions in ``row_keys``) per period, with a Total row."""
    keys, labels, periods = _columns(month, facts, col_keys)
    n = len(row_keys)
    if len(index) and (index.min() < 0 or index.max() >= n):
        raise ValueError(f"table {table_id}: a fact has no row")
    cells = [[0] * len(keys) for _ in range(n + 1)]
    for c, period in enumerate(periods):
        counts = np.bincount(index[_in(days, period)], minlength=n)
        for r in range(n):
            cells[r][c] = int(counts[r])
        cells[n][c] = int(counts.sum())
    return Table(
        table_id,
        title,
        [*row_keys, "total"],
        [*row_labels, "Total"],
        keys,
        labels,
        cells,
        total_row="total",
        column_sums=_fytd_sum(keys, periods),
    )


# ---- the definitions ---------------------------------------------------------------------


def area_command_table(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """Definition 3: custom notifications delivered by area, for M, M-1, M-2 and FYTD."""
    delivered = delivered or notifications(facts)
    na = len(facts.area_codes)
    index = np.where(delivered.area == NO_AREA, na, delivered.area)
    return _count_table(
        "area_command",
        "Custom notifications by area command",
        [*facts.area_codes, "na"],
        [*facts.area_names, "N/A"],
        index,
        delivered.day,
        month,
        facts,
        ("m", "m1", "m2", "fytd"),
    )


def _first_delivery_and_connection(facts: Facts, delivered: Notifications) -> tuple[np.ndarray, np.ndarray]:
    """For each notified person (sorted): the day of their first delivery and of their first connection."""
    people, first_delivery = first_days(delivered.person, delivered.day)
    c_people, c_first = first_days(facts.connection_person, facts.connection_day)
    first_connection = _lookup(c_people, c_first, people, NEVER)
    return first_delivery, first_connection


def running_success_rate(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """Definition 5: for each of the 12 months ending with M, engaged and notified by the month's end."""
    delivered = delivered or notifications(facts)
    first_delivery, first_connection = _first_delivery_and_connection(facts, delivered)
    months = [month.shift(-i) for i in range(11, -1, -1)]
    cells = []
    for m in months:
        end = day_number(m.last_day)
        notified = first_delivery <= end
        cells.append([int((notified & (first_connection <= end)).sum()), int(notified.sum())])
    return Table(
        "running_success_rate",
        "VIP running success rate",
        [str(m) for m in months],
        [f"{month_label(m, list(facts.month_labels))} {m.year}" for m in months],
        ["engaged", "notified"],
        ["Engaged with services", "Notified"],
        cells,
    )


def no_further_violence(facts: Facts, month: Month, delivered: Notifications | None = None) -> Rate:
    """Definition 6: notified by the end of M with no violent outcome after their first delivery."""
    delivered = delivered or notifications(facts)
    end = day_number(month.last_day)
    people, first_delivery = first_days(delivered.person, delivered.day)
    notified = first_delivery <= end
    violent = np.isin(facts.outcome_type, [OUTCOME_TYPES.index(t) for t in VIOLENT_OUTCOMES])
    o_first = _lookup(people, first_delivery, facts.outcome_person, NEVER)
    after = violent & (facts.outcome_day > o_first) & (facts.outcome_day <= end) & (o_first <= end)
    hurt = len(np.unique(facts.outcome_person[after]))
    total = int(notified.sum())
    return Rate(total - hurt, total)


def _age_band(facts: Facts, born: int, on_day: int) -> int:
    """Index of the age band for someone born on day ``born`` (NO_DATE: Unknown, the last band)."""
    if born == NO_DATE:
        return len(facts.age_bands)
    born_day, day = day_from_number(born), day_from_number(on_day)
    if day < born_day:
        return len(facts.age_bands)
    age = age_on(born_day, day)
    for i, (_, low, high) in enumerate(facts.age_bands):
        if age >= low and (high is None or age <= high):
            return i
    return len(facts.age_bands)


def summary_by_age_group(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """Definition 7: people notified in M and people newly engaged in M, by age group."""
    delivered = delivered or notifications(facts)
    period = month.period
    in_month = _in(delivered.day, period)
    notified_people, notified_day = first_days(delivered.person[in_month], delivered.day[in_month])
    c_people, c_first = first_days(facts.connection_person, facts.connection_day)
    engaged = _in(c_first, period)
    engaged_people, engaged_day = c_people[engaged], c_first[engaged]

    n_bands = len(facts.age_bands) + 1  # + Unknown
    cells = [[0, 0] for _ in range(n_bands + 1)]
    for column, (people, days) in enumerate(((notified_people, notified_day), (engaged_people, engaged_day))):
        born = _lookup(facts.person_id, facts.person_born, people, NO_DATE)
        for b, d in zip(born.tolist(), days.tolist(), strict=True):
            band = _age_band(facts, b, d)
            cells[band][column] += 1
            cells[n_bands][column] += 1
    name = month.title().split()[0]
    return Table(
        "summary_by_age_group",
        f"{name.title()} summary by age group",
        [*(f"band{i}" for i in range(len(facts.age_bands))), "unknown", "total"],
        [*(label for label, _, _ in facts.age_bands), "Unknown", "Total"],
        ["notified", "engaged"],
        ["People notified", "People newly engaged"],
        cells,
        total_row="total",
    )


def people_engaged(facts: Facts, month: Month) -> Table:
    """People newly engaged (first-ever connection) in M and in FYTD."""
    _people, c_first = first_days(facts.connection_person, facts.connection_day)
    keys, labels, periods = _columns(month, facts, ("m", "fytd"))
    cells = [[int(_in(c_first, p).sum()) for p in periods]]
    return Table(
        "people_engaged",
        "People newly engaged with services",
        ["people"],
        ["People newly engaged"],
        keys,
        labels,
        cells,
        column_sums=_fytd_sum(keys, periods),
    )


def services_connected(facts: Facts, month: Month) -> Table:
    """Definition 8: service referrals connected in M and FYTD, by category.

    Rows: the active categories in report order, then any category no longer offered
    that still has connections in the period (history is never dropped).
    """
    table = _count_table(
        "services_connected",
        "Services connected to",
        list(facts.category_codes),
        list(facts.category_names),
        facts.connection_category.astype(np.int64),
        facts.connection_day,
        month,
        facts,
        ("m", "fytd"),
    )
    keep = [
        r
        for r in range(len(table.row_keys))
        if r == len(table.row_keys) - 1 or facts.category_active[r] or any(table.cells[r])
    ]
    table.row_keys = [table.row_keys[r] for r in keep]
    table.row_labels = [table.row_labels[r] for r in keep]
    table.cells = [table.cells[r] for r in keep]
    return table


def referrals_by_source(facts: Facts, month: Month) -> Table:
    """Definition 9: referrals received in M, M-1, M-2 and FYTD, by source."""
    return _count_table(
        "referrals_by_source",
        "Referrals by source",
        list(REFERRAL_SOURCES),
        [SOURCE_LABELS[s] for s in REFERRAL_SOURCES],
        facts.referral_source.astype(np.int64),
        facts.referral_day,
        month,
        facts,
        ("m", "m1", "m2", "fytd"),
    )


def _outcomes_after_notification(
    facts: Facts, month: Month, delivered: Notifications, types: tuple[str, ...], table_id: str, title: str
) -> Table:
    people, first_delivery = first_days(delivered.person, delivered.day)
    o_first = _lookup(people, first_delivery, facts.outcome_person, NEVER)
    codes = [OUTCOME_TYPES.index(t) for t in types]
    selected = np.isin(facts.outcome_type, codes) & (facts.outcome_day > o_first)
    position = {code: i for i, code in enumerate(codes)}
    index = np.array([position.get(int(t), 0) for t in facts.outcome_type[selected]], dtype=np.int64)
    return _count_table(
        table_id,
        title,
        list(types),
        [OUTCOME_LABELS[t] for t in types],
        index,
        facts.outcome_day[selected],
        month,
        facts,
        ("m", "fytd"),
    )


def enforcement(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """Definition 10: arrests of people notified before the arrest's day, in M and FYTD."""
    delivered = delivered or notifications(facts)
    return _outcomes_after_notification(facts, month, delivered, ARREST_TYPES, "enforcement", "Enforcement")


def further_violence(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """Definition 10: shootings and killings of people notified before that day, in M and FYTD."""
    delivered = delivered or notifications(facts)
    return _outcomes_after_notification(
        facts, month, delivered, FURTHER_VIOLENCE_TYPES, "further_violence", "Further violence"
    )


def headline_rates(facts: Facts, month: Month, delivered: Notifications | None = None) -> Table:
    """The two headline rates at the end of M, as numerator and denominator."""
    delivered = delivered or notifications(facts)
    success = running_success_rate(facts, month, delivered).cells[-1]
    safe = no_further_violence(facts, month, delivered)
    return Table(
        "headline_rates",
        "Rates at the end of the month",
        ["running_success_rate", "no_further_violence_rate"],
        ["VIP running success rate", "No further violence"],
        ["numerator", "denominator"],
        ["People", "Of people notified"],
        [[success[0], success[1]], [safe.numerator, safe.denominator]],
    )


# ---- the optional sections (the profile's report_sections; docs/report-definitions.md) -------

MEDIATION_LABELS = {"resolved": "Resolved", "ongoing": "Ongoing", "escalated": "Escalated"}


def mediations_by_outcome(facts: Facts, field: FieldFacts, month: Month) -> Table:
    """Mediations held in M, M-1, M-2 and FYTD, by their outcome as recorded."""
    return _count_table(
        "mediations",
        "Mediations by outcome",
        list(MEDIATION_OUTCOMES),
        [MEDIATION_LABELS[o] for o in MEDIATION_OUTCOMES],
        field.mediation_outcome.astype(np.int64),
        field.mediation_day,
        month,
        facts,
        ("m", "m1", "m2", "fytd"),
    )


def incentives_paid(facts: Facts, field: FieldFacts, month: Month) -> Table:
    """Incentives paid in M and FYTD: the payments and the reversals made, and their dollars (whole
    dollars, halves up; each row a sum over the months, never negative)."""
    keys, labels, periods = _columns(month, facts, ("m", "fytd"))
    cells: list[list[int]] = [[], [], [], []]
    for period in periods:
        cents = field.payment_cents[_in(field.payment_day, period)]
        cells[0].append(int((cents > 0).sum()))
        cells[1].append(int((cents < 0).sum()))
        cells[2].append((int(cents[cents > 0].sum()) + 50) // 100)
        cells[3].append((-int(cents[cents < 0].sum()) + 50) // 100)
    return Table(
        "incentives_paid",
        "Incentives paid",
        ["payments", "reversals", "dollars_paid", "dollars_reversed"],
        ["Payments", "Payments reversed", "Dollars paid", "Dollars reversed"],
        keys,
        labels,
        cells,
        column_sums=_fytd_sum(keys, periods),
    )


def call_in_attendance(facts: Facts, field: FieldFacts, month: Month) -> Table:
    """Group call-ins held in M and FYTD, the people invited to them and the people who came."""
    keys, labels, periods = _columns(month, facts, ("m", "fytd"))
    cells: list[list[int]] = [[], [], []]
    for period in periods:
        inside = _in(field.call_in_day, period)
        cells[0].append(int(inside.sum()))
        cells[1].append(int(field.call_in_invited[inside].sum()))
        cells[2].append(int(field.call_in_attended[inside].sum()))
    return Table(
        "call_in_attendance",
        "Group call-ins",
        ["call_ins", "invited", "attended"],
        ["Call-ins held", "People invited", "People who attended"],
        keys,
        labels,
        cells,
        column_sums=_fytd_sum(keys, periods),
    )


OPTIONAL_TABLES = {
    "mediations": mediations_by_outcome,
    "incentives": incentives_paid,
    "call_ins": call_in_attendance,
}


def compute(facts: Facts, month: Month) -> ReportNumbers:
    """Every figure of the report for ``month``."""
    if facts.through != month.last_day:
        raise ValueError(f"facts run through {facts.through}, the report month ends {month.last_day}")
    delivered = notifications(facts)
    tables = [
        area_command_table(facts, month, delivered),
        people_engaged(facts, month),
        headline_rates(facts, month, delivered),
        running_success_rate(facts, month, delivered),
        summary_by_age_group(facts, month, delivered),
        services_connected(facts, month),
        referrals_by_source(facts, month),
        enforcement(facts, month, delivered),
        further_violence(facts, month, delivered),
    ]
    if facts.field is not None:
        tables += [OPTIONAL_TABLES[name](facts, facts.field, month) for name in facts.field.sections]
    return ReportNumbers(month, CURRENT_VERSION, {t.id: t for t in tables}, facts.fingerprint())

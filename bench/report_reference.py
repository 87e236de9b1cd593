"""The reference computation of the report's numbers, written directly in DuckDB SQL.

An independent second implementation of every figure of every table that
``vip.reports.metrics.compute`` produces, written from the definitions
(docs: /work/shared/spec/monthly-report.md, version 2022.1) and not from
metrics.py, which it never imports. It reads the same ``Facts`` (the facts
layer is the common input): :func:`load` copies the facts' columns into DuckDB
tables through pyarrow (timed separately by the benchmark), :func:`compute`
runs the SQL and returns plain tables keyed like metrics' (ids, row keys,
column keys) so that the two can be compared cell by cell.

Only presentation happens in Python: the report periods (calendar arithmetic
on the report month) are passed in as a small table, and the query results are
laid out as grids. Every count, including the Total rows, comes from SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from vip.reports.facts import NO_AREA, NO_DATE, OUTCOME_TYPES, REFERRAL_SOURCES, Facts

# Outcome types of the definitions (6 and 10), by name.
VIOLENT = ("arrest_violent", "arrest_firearm", "shot", "killed")
ARRESTS = ("arrest_violent", "arrest_firearm", "arrest_other")
FURTHER_VIOLENCE = ("shot", "killed")


@dataclass(frozen=True)
class RefTable:
    """One table of the reference: keys as in the report, every cell a count."""

    id: str
    row_keys: list[str]
    col_keys: list[str]
    cells: list[list[int]]


@dataclass(frozen=True)
class Loaded:
    """The facts as DuckDB tables, ready for :func:`compute`."""

    con: duckdb.DuckDBPyConnection
    facts: Facts
    rows: dict[str, int]


# ---- loading --------------------------------------------------------------------------------------


def load(facts: Facts, threads: int | None = None) -> Loaded:
    """Copy the facts' columns into DuckDB tables (via zero-copy pyarrow tables)."""
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    n_delivery = len(facts.delivery_person)
    columns: dict[str, dict[str, np.ndarray]] = {
        # seq keeps the facts' order of attempts (person, day, time with timed first, id):
        # the first attempt of a day is the one whose area the notification takes.
        "delivery": {
            "seq": np.arange(n_delivery, dtype=np.int64),
            "person": facts.delivery_person,
            "day": facts.delivery_day,
            "area": facts.delivery_area,
            "person_area": facts.delivery_person_area,
        },
        "person": {"id": facts.person_id, "born": facts.person_born},
        "connection": {
            "person": facts.connection_person,
            "day": facts.connection_day,
            "category": facts.connection_category,
        },
        "referral": {"day": facts.referral_day, "source": facts.referral_source},
        "outcome": {"person": facts.outcome_person, "day": facts.outcome_day, "type": facts.outcome_type},
        # Dimensions: the codes behind the facts' indexes.
        "outcome_type": {
            "i": np.arange(len(OUTCOME_TYPES), dtype=np.int16),
            "name": np.array(OUTCOME_TYPES, dtype=object),
        },
        "source": {
            "i": np.arange(len(REFERRAL_SOURCES), dtype=np.int16),
            "name": np.array(REFERRAL_SOURCES, dtype=object),
        },
    }
    rows = {}
    for name, cols in columns.items():
        table = pa.table({key: pa.array(value) for key, value in cols.items()})
        con.register("incoming", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")  # fixed table names
        con.unregister("incoming")
        rows[name] = table.num_rows
    bands = facts.age_bands
    con.execute("CREATE TABLE band (i INTEGER, low INTEGER, high INTEGER)")
    if bands:
        con.executemany("INSERT INTO band VALUES (?, ?, ?)", [(i, low, high) for i, (_, low, high) in enumerate(bands)])
    return Loaded(con, facts, rows)


# ---- periods (calendar arithmetic on the report month) ----------------------------------------


def _day(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _month_days(year: int, month: int) -> tuple[int, int]:
    last = calendar.monthrange(year, month)[1]
    return _day(dt.date(year, month, 1)), _day(dt.date(year, month, last))


def periods(year: int, month: int, fiscal_start: int) -> dict[str, tuple[int, int]]:
    """M, M-1, M-2 and FYTD as inclusive day-number ranges."""
    fy_year = year if month >= fiscal_start else year - 1
    m_first, m_last = _month_days(year, month)
    return {
        "m": (m_first, m_last),
        "m1": _month_days(*_shift(year, month, -1)),
        "m2": _month_days(*_shift(year, month, -2)),
        "fytd": (_day(dt.date(fy_year, fiscal_start, 1)), m_last),
    }


def _period_table(con: duckdb.DuckDBPyConnection, spans: dict[str, tuple[int, int]]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE period (key VARCHAR, first_day INTEGER, last_day INTEGER)")
    con.executemany("INSERT INTO period VALUES (?, ?, ?)", [(k, a, b) for k, (a, b) in spans.items()])


# ---- the queries ----------------------------------------------------------------------------------

# Definitions 1 and 2: one custom notification per (person, day) with a delivery; its area is the
# area of that day's first delivered attempt, else the person's area, else N/A (NULL here).
NOTIFICATION = f"""
CREATE OR REPLACE TEMP VIEW notification AS
SELECT person, day,
       NULLIF(arg_min(CASE WHEN area <> {NO_AREA} THEN area ELSE person_area END, seq), {NO_AREA}) AS area
FROM delivery
GROUP BY person, day
"""

FIRST_DELIVERY = """
CREATE OR REPLACE TEMP VIEW first_delivery AS
SELECT person, min(day) AS day FROM delivery GROUP BY person
"""

FIRST_CONNECTION = """
CREATE OR REPLACE TEMP VIEW first_connection AS
SELECT person, min(day) AS day FROM connection GROUP BY person
"""

# Definition 3: notifications by area, per period, with the Total row (area grouped away).
AREA_COMMAND = """
SELECT p.key, n.area, GROUPING(n.area) AS is_total, count(*) AS n
FROM notification n JOIN period p ON n.day BETWEEN p.first_day AND p.last_day
GROUP BY GROUPING SETS ((p.key, n.area), (p.key))
"""

# People whose first-ever connection falls in the period.
PEOPLE_ENGAGED = """
SELECT p.key, count(*) AS n
FROM first_connection f JOIN period p ON f.day BETWEEN p.first_day AND p.last_day
WHERE p.key IN ('m', 'fytd')
GROUP BY p.key
"""

# Definition 5, at the end of each month: notified by then, and of them engaged by then.
RUNNING_SUCCESS = """
SELECT e.key,
       count(*) FILTER (WHERE c.day <= e.last_day) AS engaged,
       count(*) AS notified
FROM month_end e
JOIN first_delivery d ON d.day <= e.last_day
LEFT JOIN first_connection c ON c.person = d.person
GROUP BY e.key
"""

# Definition 6: notified by the end of M, minus those with a violent outcome after their first
# delivery and on or before the end of M.
NO_FURTHER_VIOLENCE = """
WITH notified AS (SELECT person, day FROM first_delivery WHERE day <= $end),
hurt AS (
    SELECT DISTINCT o.person
    FROM outcome o
    JOIN outcome_type t ON t.i = o.type
    JOIN notified n ON n.person = o.person
    WHERE t.name IN ('arrest_violent', 'arrest_firearm', 'shot', 'killed')
      AND o.day > n.day AND o.day <= $end
)
SELECT (SELECT count(*) FROM notified) - (SELECT count(*) FROM hurt) AS safe,
       (SELECT count(*) FROM notified) AS notified
"""

# Definition 7: people notified in M (age on their first delivery in M) and people whose first-ever
# connection is in M (age on that day), by age band; Unknown: no date of birth (or a day before it)
# or no band that fits. Whole years: the birthday in a common year of someone born on 29 February
# is 1 March.
AGE_GROUPS = f"""
WITH who AS (
    SELECT 'notified' AS col, person, min(day) AS day
    FROM delivery WHERE day BETWEEN $first AND $last GROUP BY person
    UNION ALL
    SELECT 'engaged', person, day FROM first_connection WHERE day BETWEEN $first AND $last
),
dated AS (
    SELECT w.col, w.person,
           DATE '1970-01-01' + w.day AS on_day,
           CASE WHEN p.born IS NULL OR p.born = {NO_DATE} THEN NULL ELSE DATE '1970-01-01' + p.born END AS born
    FROM who w LEFT JOIN person p ON p.id = w.person
),
birthday AS (
    SELECT col, person, on_day, born,
           CASE
               WHEN month(born) = 2 AND dayofmonth(born) = 29
                    AND NOT ((year(on_day) % 4 = 0 AND year(on_day) % 100 <> 0) OR year(on_day) % 400 = 0)
               THEN make_date(year(on_day), 3, 1)
               ELSE make_date(year(on_day), month(born), dayofmonth(born))
           END AS birthday_this_year
    FROM dated
),
aged AS (
    SELECT col, person,
           CASE WHEN born IS NULL OR on_day < born THEN NULL
                ELSE year(on_day) - year(born) - CASE WHEN on_day < birthday_this_year THEN 1 ELSE 0 END
           END AS age
    FROM birthday
),
banded AS (
    SELECT a.col, a.person, coalesce(min(b.i), $unknown) AS band
    FROM aged a LEFT JOIN band b ON a.age >= b.low AND (b.high IS NULL OR a.age <= b.high)
    GROUP BY a.col, a.person
)
SELECT col, band, GROUPING(band) AS is_total, count(*) AS n
FROM banded
GROUP BY GROUPING SETS ((col, band), (col))
"""

# Definition 8: service referrals connected in the period, by category (Total: all of them).
SERVICES = f"""
SELECT p.key, c.category, GROUPING(c.category) AS is_total, count(*) AS n
FROM (SELECT day, NULLIF(category, {NO_AREA}) AS category FROM connection) c
JOIN period p ON c.day BETWEEN p.first_day AND p.last_day
WHERE p.key IN ('m', 'fytd')
GROUP BY GROUPING SETS ((p.key, c.category), (p.key))
"""

# Definition 9: referrals received in the period, by source.
REFERRALS = """
SELECT p.key, s.name, GROUPING(s.name) AS is_total, count(*) AS n
FROM referral r
JOIN source s ON s.i = r.source
JOIN period p ON r.day BETWEEN p.first_day AND p.last_day
GROUP BY GROUPING SETS ((p.key, s.name), (p.key))
"""

# Definition 10: outcomes of the given types in the period, of people first notified before the
# outcome's day, by type.
OUTCOMES_AFTER_NOTIFICATION = """
SELECT p.key, t.name, GROUPING(t.name) AS is_total, count(*) AS n
FROM outcome o
JOIN outcome_type t ON t.i = o.type
JOIN first_delivery d ON d.person = o.person AND d.day < o.day
JOIN period p ON o.day BETWEEN p.first_day AND p.last_day
WHERE p.key IN ('m', 'fytd') AND list_contains($types, t.name)
GROUP BY GROUPING SETS ((p.key, t.name), (p.key))
"""


# ---- layout --------------------------------------------------------------------------------------


def _grid(
    table_id: str,
    rows: Sequence[tuple[object, str]],
    cols: list[str],
    found: Sequence[tuple[Any, ...]],
) -> RefTable:
    """Lay out (column, row value, is total, count) results; ``rows`` are (row value, row key)."""
    values: dict[tuple[str, object], int] = {}
    for col, row, is_total, n in found:
        values[(col, "total" if is_total else row)] = int(n)
    cells = [[values.get((c, value), 0) for c in cols] for value, _key in rows]
    return RefTable(table_id, [key for _, key in rows], cols, cells)


def compute(loaded: Loaded, year: int, month: int) -> dict[str, RefTable]:
    """Every table of the report for the month, from the loaded facts, in SQL."""
    con, facts = loaded.con, loaded.facts
    spans = periods(year, month, facts.fiscal_year_start_month)
    _period_table(con, spans)
    ends = []
    for back in range(11, -1, -1):
        y, m = _shift(year, month, -back)
        ends.append((f"{y:04d}-{m:02d}", _month_days(y, m)[1]))
    con.execute("CREATE OR REPLACE TEMP TABLE month_end (key VARCHAR, last_day INTEGER)")
    con.executemany("INSERT INTO month_end VALUES (?, ?)", ends)
    for view in (NOTIFICATION, FIRST_DELIVERY, FIRST_CONNECTION):
        con.execute(view)
    m_first, m_last = spans["m"]
    four, two = ["m", "m1", "m2", "fytd"], ["m", "fytd"]
    tables: dict[str, RefTable] = {}

    areas = [(i, code) for i, code in enumerate(facts.area_codes)] + [(None, "na"), ("total", "total")]
    tables["area_command"] = _grid("area_command", areas, four, con.execute(AREA_COMMAND).fetchall())

    engaged = dict(con.execute(PEOPLE_ENGAGED).fetchall())
    tables["people_engaged"] = RefTable("people_engaged", ["people"], two, [[int(engaged.get(k, 0)) for k in two]])

    success = {key: (int(e), int(n)) for key, e, n in con.execute(RUNNING_SUCCESS).fetchall()}
    month_keys = [key for key, _ in ends]
    success_cells = [list(success.get(key, (0, 0))) for key in month_keys]
    safe_row = con.execute(NO_FURTHER_VIOLENCE, {"end": m_last}).fetchone()
    assert safe_row is not None
    tables["headline_rates"] = RefTable(
        "headline_rates",
        ["running_success_rate", "no_further_violence_rate"],
        ["numerator", "denominator"],
        [success_cells[-1], [int(safe_row[0]), int(safe_row[1])]],
    )
    tables["running_success_rate"] = RefTable(
        "running_success_rate", month_keys, ["engaged", "notified"], success_cells
    )

    n_bands = len(facts.age_bands)
    bands = [(i, f"band{i}") for i in range(n_bands)] + [(n_bands, "unknown"), ("total", "total")]
    ages = con.execute(AGE_GROUPS, {"first": m_first, "last": m_last, "unknown": n_bands}).fetchall()
    tables["summary_by_age_group"] = _grid("summary_by_age_group", bands, ["notified", "engaged"], ages)

    categories = [(i, code) for i, code in enumerate(facts.category_codes)] + [("total", "total")]
    services = _grid("services_connected", categories, two, con.execute(SERVICES).fetchall())
    # Rows: every active category; a category no longer offered only when it has connections.
    keep = [
        r
        for r, key in enumerate(services.row_keys)
        if key == "total" or facts.category_active[r] or any(services.cells[r])
    ]
    tables["services_connected"] = RefTable(
        "services_connected",
        [services.row_keys[r] for r in keep],
        services.col_keys,
        [services.cells[r] for r in keep],
    )

    sources = [(code, code) for code in REFERRAL_SOURCES] + [("total", "total")]
    tables["referrals_by_source"] = _grid("referrals_by_source", sources, four, con.execute(REFERRALS).fetchall())

    for table_id, types in (("enforcement", ARRESTS), ("further_violence", FURTHER_VIOLENCE)):
        found = con.execute(OUTCOMES_AFTER_NOTIFICATION, {"types": list(types)}).fetchall()
        tables[table_id] = _grid(table_id, [(t, t) for t in types] + [("total", "total")], two, found)
    return tables

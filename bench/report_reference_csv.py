"""The reference for the whole report: a DuckDB program that reads the program's data from a CSV
bundle and computes every figure of every table of the Monthly Informational Report.

Independent of vip: it never imports the project (run it with any Python that has DuckDB). It
reads the bundle as ``vip export`` writes it (docs/interchange.md: notifications.csv,
people.csv, service_referrals.csv, referrals.csv, outcomes.csv) and the program's configuration
from a small JSON file (areas and service categories in report order, age bands, fiscal year
start, time zone), and follows the definitions (docs/report-definitions.md,
/work/shared/spec/monthly-report.md, version 2022.1), all in DuckDB SQL. Python does the
calendar arithmetic of the report periods and lays the query results out as tables.

As a process::

    python bench/report_reference_csv.py --bundle DIR --config config.json --month 2026-10

prints one JSON object: ``tables`` (id -> row keys, column keys, cells, keyed like vip's JSON
report) and ``seconds`` (reading the CSV files, computing). The benchmark (report_bench.py)
times the whole process and compares every cell with ``vip report --format json``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

# The definitions' codes (docs/interchange.md), in the report's order.
REFERRAL_SOURCES = (
    "shooting_review",
    "law_enforcement_data",
    "hospital",
    "school",
    "community",
    "self_or_family",
    "other",
)
ARRESTS = ("arrest_violent", "arrest_firearm", "arrest_other")
FURTHER_VIOLENCE = ("shot", "killed")


@dataclass(frozen=True)
class RefTable:
    """One table: keys as in the report, every cell a count."""

    id: str
    row_keys: list[str]
    col_keys: list[str]
    cells: list[list[int]]


@dataclass(frozen=True)
class Config:
    """The program's configuration the figures depend on."""

    time_zone: str
    fiscal_year_start_month: int
    areas: list[str]  # codes in report order
    categories: list[tuple[str, bool]]  # (code, active): the active ones in report order, then the others
    age_bands: list[tuple[int, int | None]]  # (min age, max age or None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        return cls(
            time_zone=data["time_zone"],
            fiscal_year_start_month=int(data["fiscal_year_start_month"]),
            areas=list(data["areas"]),
            categories=[(code, bool(active)) for code, active in data["categories"]],
            age_bands=[(int(low), None if high is None else int(high)) for low, high in data["age_bands"]],
        )


# ---- reading the bundle -------------------------------------------------------------------------

# Every file is read as text and typed here, so that an unexpected cell fails loudly. Moments
# (attempted_at) are local days in the program's time zone: the session's TimeZone is set to it,
# so a date-time with an offset is converted and one without is taken as local; a bare date is
# its own day (and sorts after the timed attempts of that day).
READ = {
    "attempt": """
        SELECT attempt_key, person_key, outcome, NULLIF(area, '') AS area,
               CASE WHEN length(attempted_at) = 10 THEN NULL ELSE CAST(attempted_at AS TIMESTAMPTZ) END AS moment,
               CASE WHEN length(attempted_at) = 10 THEN CAST(attempted_at AS DATE)
                    ELSE CAST(CAST(attempted_at AS TIMESTAMPTZ) AS DATE) END AS day
        FROM read_csv('{dir}/notifications.csv', header = true, all_varchar = true)
    """,
    "person": """
        SELECT person_key, CAST(NULLIF(date_of_birth, '') AS DATE) AS born, NULLIF(area, '') AS area
        FROM read_csv('{dir}/people.csv', header = true, all_varchar = true)
    """,
    "service_referral": """
        SELECT person_key, category, CAST(NULLIF(connected_on, '') AS DATE) AS connected_on
        FROM read_csv('{dir}/service_referrals.csv', header = true, all_varchar = true)
    """,
    "referral": """
        SELECT CAST(received_on AS DATE) AS received_on, source
        FROM read_csv('{dir}/referrals.csv', header = true, all_varchar = true)
    """,
    "outcome": """
        SELECT person_key, CAST(occurred_on AS DATE) AS occurred_on, type
        FROM read_csv('{dir}/outcomes.csv', header = true, all_varchar = true)
    """,
}


def connect(config: Config, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = '{config.time_zone}'")  # a configured IANA zone name
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(con: duckdb.DuckDBPyConnection, bundle: Path) -> None:
    """Read the five files the report needs into tables."""
    folder = str(bundle).replace("'", "''")
    for name, sql in READ.items():
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql.format(dir=folder)}")  # fixed table names


# ---- periods (calendar arithmetic on the report month) --------------------------------------------


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def periods(year: int, month: int, fiscal_start: int) -> dict[str, tuple[dt.date, dt.date]]:
    """M, M-1, M-2 and FYTD as inclusive date ranges."""
    fy_year = year if month >= fiscal_start else year - 1
    first, last = _month_span(year, month)
    return {
        "m": (first, last),
        "m1": _month_span(*_shift(year, month, -1)),
        "m2": _month_span(*_shift(year, month, -2)),
        "fytd": (dt.date(fy_year, fiscal_start, 1), last),
    }


# ---- the queries ----------------------------------------------------------------------------------

# Everything on or before the last day of the report month ($through).
FACTS = """
CREATE OR REPLACE TEMP TABLE delivery AS
SELECT a.person_key AS person, a.day, a.moment, a.attempt_key,
       -- Definition 2: the attempt's area, else the person's area, else N/A (NULL).
       CASE WHEN a.area IS NOT NULL THEN a.area ELSE p.area END AS area
FROM attempt a LEFT JOIN person p ON p.person_key = a.person_key
WHERE a.outcome = 'delivered' AND a.day <= $through;

-- Definition 1: one custom notification per (person, day) with a delivered attempt, its area
-- that of the day's first attempt (timed ones first, by time, then by key).
CREATE OR REPLACE TEMP TABLE notification AS
SELECT person, day, arg_min(area, (moment IS NULL, moment, attempt_key)) AS area
FROM delivery GROUP BY person, day;

CREATE OR REPLACE TEMP TABLE first_delivery AS
SELECT person, min(day) AS day FROM delivery GROUP BY person;

CREATE OR REPLACE TEMP TABLE connection AS
SELECT person_key AS person, connected_on AS day, category
FROM service_referral WHERE connected_on IS NOT NULL AND connected_on <= $through;

CREATE OR REPLACE TEMP TABLE first_connection AS
SELECT person, min(day) AS day FROM connection GROUP BY person;
"""

# Definition 3: notifications by area, per period, with the Total row (area grouped away).
AREA_COMMAND = """
SELECT p.key, CASE WHEN list_contains($areas, n.area) THEN n.area ELSE 'na' END AS row,
       count(*) AS n
FROM notification n JOIN period p ON n.day BETWEEN p.first_day AND p.last_day
GROUP BY ALL
"""

# People whose first-ever connection falls in the period.
PEOPLE_ENGAGED = """
SELECT p.key, count(*) AS n
FROM first_connection f JOIN period p ON f.day BETWEEN p.first_day AND p.last_day
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
WITH hurt AS (
    SELECT DISTINCT o.person_key
    FROM outcome o JOIN first_delivery d ON d.person = o.person_key
    WHERE o.type IN ('arrest_violent', 'arrest_firearm', 'shot', 'killed')
      AND o.occurred_on > d.day AND o.occurred_on <= $through
)
SELECT (SELECT count(*) FROM first_delivery) - (SELECT count(*) FROM hurt),
       (SELECT count(*) FROM first_delivery)
"""

# Definition 7: people notified in M (age on their first delivery in M) and people whose first-ever
# connection is in M (age on that day), by age band (the first that fits); Unknown: no date of
# birth, a day before it, or no band that fits. Whole years: someone born on 29 February has their
# birthday on 1 March in a common year.
AGE_GROUPS = """
WITH who AS (
    SELECT 'notified' AS col, person, min(day) AS day
    FROM delivery WHERE day BETWEEN $first AND $through GROUP BY person
    UNION ALL
    SELECT 'engaged', person, day FROM first_connection WHERE day BETWEEN $first AND $through
),
dated AS (
    SELECT w.col, w.person, w.day, p.born,
           CASE
               WHEN p.born IS NULL THEN NULL
               WHEN month(p.born) = 2 AND day(p.born) = 29
                    AND NOT ((year(w.day) % 4 = 0 AND year(w.day) % 100 <> 0) OR year(w.day) % 400 = 0)
               THEN make_date(year(w.day), 3, 1)
               ELSE make_date(year(w.day), month(p.born), day(p.born))
           END AS birthday
    FROM who w LEFT JOIN person p ON p.person_key = w.person
),
aged AS (
    SELECT col, person,
           CASE WHEN born IS NULL OR day < born THEN NULL
                ELSE year(day) - year(born) - CASE WHEN day < birthday THEN 1 ELSE 0 END
           END AS age
    FROM dated
)
SELECT a.col, coalesce(min(b.i), -1) AS band, a.person
FROM aged a LEFT JOIN band b ON a.age >= b.low AND (b.high IS NULL OR a.age <= b.high)
GROUP BY a.col, a.person
"""

AGE_COUNTS = f"SELECT col, band, count(*) FROM ({AGE_GROUPS}) GROUP BY ALL"

# Definition 8: service referrals connected in the period, by category.
SERVICES = """
SELECT p.key, c.category, count(*) AS n
FROM connection c JOIN period p ON c.day BETWEEN p.first_day AND p.last_day
GROUP BY ALL
"""

# Definition 9: referrals received in the period, by source.
REFERRALS = """
SELECT p.key, r.source, count(*) AS n
FROM referral r JOIN period p ON r.received_on BETWEEN p.first_day AND p.last_day
GROUP BY ALL
"""

# Definition 10: outcomes of the given types in the period, of people first notified before the
# outcome's day, by type.
OUTCOMES_AFTER_NOTIFICATION = """
SELECT p.key, o.type, count(*) AS n
FROM outcome o
JOIN first_delivery d ON d.person = o.person_key AND d.day < o.occurred_on
JOIN period p ON o.occurred_on BETWEEN p.first_day AND p.last_day
WHERE list_contains($types, o.type)
GROUP BY ALL
"""


# ---- layout --------------------------------------------------------------------------------------


def _grid(table_id: str, rows: Sequence[str], cols: Sequence[str], found: Sequence[tuple[Any, ...]]) -> RefTable:
    """Lay (column, row, count) results out; the Total row is the sum of the column's rows."""
    values: dict[tuple[str, str], int] = {}
    for col, row, n in found:
        values[(col, row)] = values.get((col, row), 0) + int(n)
    cells = [[values.get((c, r), 0) for c in cols] for r in rows]
    totals = [sum(values.get((c, r), 0) for r in rows) for c in cols]
    unknown = {row for _col, row in values} - set(rows)
    if unknown:
        raise ValueError(f"{table_id}: values with no row: {sorted(unknown)}")
    return RefTable(table_id, [*rows, "total"], list(cols), [*cells, totals])


def compute(con: duckdb.DuckDBPyConnection, config: Config, year: int, month: int) -> dict[str, RefTable]:
    """Every table of the report for the month, from the loaded bundle."""
    spans = periods(year, month, config.fiscal_year_start_month)
    first, through = spans["m"]
    con.execute("CREATE OR REPLACE TEMP TABLE period (key VARCHAR, first_day DATE, last_day DATE)")
    con.executemany("INSERT INTO period VALUES (?, ?, ?)", [(k, a, b) for k, (a, b) in spans.items()])
    ends = []
    for back in range(11, -1, -1):
        y, m = _shift(year, month, -back)
        ends.append((f"{y:04d}-{m:02d}", _month_span(y, m)[1]))
    con.execute("CREATE OR REPLACE TEMP TABLE month_end (key VARCHAR, last_day DATE)")
    con.executemany("INSERT INTO month_end VALUES (?, ?)", ends)
    con.execute("CREATE OR REPLACE TEMP TABLE band (i INTEGER, low INTEGER, high INTEGER)")
    if config.age_bands:
        con.executemany(
            "INSERT INTO band VALUES (?, ?, ?)", [(i, lo, hi) for i, (lo, hi) in enumerate(config.age_bands)]
        )
    for statement in FACTS.split(";"):
        if statement.strip():
            con.execute(statement, {"through": through} if "$through" in statement else None)

    four, two = ["m", "m1", "m2", "fytd"], ["m", "fytd"]
    tables: dict[str, RefTable] = {}
    found = con.execute(AREA_COMMAND, {"areas": config.areas}).fetchall()
    tables["area_command"] = _grid("area_command", [*config.areas, "na"], four, found)

    engaged = dict(con.execute(PEOPLE_ENGAGED).fetchall())
    tables["people_engaged"] = RefTable("people_engaged", ["people"], two, [[int(engaged.get(k, 0)) for k in two]])

    success = {key: (int(e), int(n)) for key, e, n in con.execute(RUNNING_SUCCESS).fetchall()}
    month_keys = [key for key, _ in ends]
    success_cells = [list(success.get(key, (0, 0))) for key in month_keys]
    safe = con.execute(NO_FURTHER_VIOLENCE, {"through": through}).fetchone()
    assert safe is not None
    tables["headline_rates"] = RefTable(
        "headline_rates",
        ["running_success_rate", "no_further_violence_rate"],
        ["numerator", "denominator"],
        [success_cells[-1], [int(safe[0]), int(safe[1])]],
    )
    tables["running_success_rate"] = RefTable(
        "running_success_rate", month_keys, ["engaged", "notified"], success_cells
    )

    bands = [f"band{i}" for i in range(len(config.age_bands))]
    ages = [
        (col, "unknown" if band < 0 else bands[band], n)
        for col, band, n in con.execute(AGE_COUNTS, {"first": first, "through": through}).fetchall()
    ]
    tables["summary_by_age_group"] = _grid("summary_by_age_group", [*bands, "unknown"], ["notified", "engaged"], ages)

    services = _grid("services_connected", [c for c, _ in config.categories], two, con.execute(SERVICES).fetchall())
    # Rows: every active category; one no longer offered only when it has connections.
    active = dict(config.categories)
    keep = [r for r, key in enumerate(services.row_keys) if key == "total" or active[key] or any(services.cells[r])]
    tables["services_connected"] = RefTable(
        "services_connected", [services.row_keys[r] for r in keep], two, [services.cells[r] for r in keep]
    )

    tables["referrals_by_source"] = _grid(
        "referrals_by_source", REFERRAL_SOURCES, four, con.execute(REFERRALS).fetchall()
    )
    for table_id, types in (("enforcement", ARRESTS), ("further_violence", FURTHER_VIOLENCE)):
        found = con.execute(OUTCOMES_AFTER_NOTIFICATION, {"types": list(types)}).fetchall()
        tables[table_id] = _grid(table_id, types, two, found)
    return tables


def run(bundle: Path, config: Config, year: int, month: int, threads: int | None = None) -> dict[str, Any]:
    """Read the bundle and compute every table; with the seconds of each part."""
    start = time.perf_counter()
    con = connect(config, threads)
    load(con, bundle)
    loaded = time.perf_counter()
    tables = compute(con, config, year, month)
    done = time.perf_counter()
    con.close()
    return {
        "tables": {tid: asdict(table) for tid, table in tables.items()},
        "seconds": {"read": loaded - start, "compute": done - loaded},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, required=True, help="folder of the CSV bundle")
    parser.add_argument("--config", type=Path, required=True, help="the program's configuration (JSON)")
    parser.add_argument("--month", required=True, help="report month YYYY-MM")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = parser.parse_args(argv)
    year, month = (int(part) for part in args.month.split("-"))
    config = Config.from_json(json.loads(args.config.read_text(encoding="utf-8")))
    json.dump(run(args.bundle, config, year, month, args.threads), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""The reference for the evaluation's survival curve: DuckDB reads the program's data from a CSV
bundle, works out each notified person's time to violent re-involvement, and lifelines'
Kaplan-Meier estimator reads the curve at the definitions' days.

Independent of vip: it never imports the project. It reads the bundle as ``vip export`` writes it
(docs/interchange.md: notifications.csv, outcomes.csv, involvements.csv, incidents.csv) and
follows the definitions (docs/evaluation.md, /work/shared/spec/evaluation.md, version eval-1)
in DuckDB SQL: the origin is the local day of a person's first delivered custom notification,
the event the first violent outcome, or violent involvement (victim, suspect or arrestee of an
incident of a violent type), strictly after it and on or before the as-of day.

As a process::

    python bench/evaluation_reference.py --bundle DIR --config config.json --as-of 2026-10-31

prints one JSON object: ``notified``, ``events``, ``points`` (day, survival, ci_low, ci_high,
at_risk, events) and ``seconds`` (reading and computing; the curve).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from lifelines import KaplanMeierFitter

DAYS = (90, 180, 365, 545, 730)
VIOLENT_OUTCOMES = ("arrest_violent", "arrest_firearm", "shot", "killed")
VIOLENT_ROLES = ("victim", "suspect", "arrestee")


def _quoted(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def durations(bundle: Path, config: dict[str, Any], as_of: dt.date) -> tuple[np.ndarray, np.ndarray, float]:
    """Each notified person's (time, event), and the seconds DuckDB took."""
    start = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = '{config['time_zone']}'")  # the program's configured IANA zone
    folder = str(bundle).replace("'", "''")

    def csv(name: str) -> str:
        return f"read_csv('{folder}/{name}.csv', header = true, all_varchar = true)"

    day = "CASE WHEN length({c}) = 10 THEN CAST({c} AS DATE) ELSE CAST(CAST({c} AS TIMESTAMPTZ) AS DATE) END"
    types = _quoted(config["violent_incident_types"])
    rows = con.execute(
        f"""
        WITH origin AS (
            SELECT person_key, MIN({day.format(c="attempted_at")}) AS origin
            FROM {csv("notifications")} WHERE outcome = 'delivered'
            GROUP BY person_key HAVING MIN({day.format(c="attempted_at")}) <= DATE '{as_of}'
        ),
        events AS (
            SELECT person_key, CAST(occurred_on AS DATE) AS day FROM {csv("outcomes")}
            WHERE type IN ({_quoted(VIOLENT_OUTCOMES)})
            UNION ALL
            SELECT v.person_key, {day.format(c="i.occurred_at")} AS day
            FROM {csv("involvements")} v JOIN {csv("incidents")} i USING (incident_key)
            WHERE v.role IN ({_quoted(VIOLENT_ROLES)}) AND i.type IN ({types})
        ),
        first AS (
            SELECT o.person_key, MIN(e.day) AS day FROM origin o JOIN events e
              ON e.person_key = o.person_key AND e.day > o.origin AND e.day <= DATE '{as_of}'
            GROUP BY o.person_key
        )
        SELECT date_diff('day', o.origin, COALESCE(f.day, DATE '{as_of}')) AS time, f.day IS NOT NULL AS event
        FROM origin o LEFT JOIN first f USING (person_key)
        """
    ).fetchnumpy()
    return rows["time"].astype(float), rows["event"].astype(bool), time.perf_counter() - start


def run(bundle: Path, config: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    times, events, read = durations(bundle, config, as_of)
    start = time.perf_counter()
    fitter = KaplanMeierFitter(alpha=0.05).fit(times, event_observed=events)
    bounds = fitter.confidence_interval_survival_function_
    points = []
    for day in DAYS:
        at_risk = int((times >= day).sum())
        band = bounds[bounds.index <= day].iloc[-1]
        points.append(
            {
                "day": day,
                "survival": float(fitter.predict(day)) if at_risk else None,
                "ci_low": float(band.iloc[0]) if at_risk else None,
                "ci_high": float(band.iloc[1]) if at_risk else None,
                "at_risk": at_risk,
                "events": int(((times <= day) & events).sum()),
            }
        )
    return {
        "notified": len(times),
        "events": int(events.sum()),
        "points": points,
        "seconds": {"read": read, "curve": time.perf_counter() - start},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--as-of", required=True)
    args = parser.parse_args()
    config = json.loads(args.config.read_text(encoding="utf-8"))
    print(json.dumps(run(args.bundle, config, dt.date.fromisoformat(args.as_of))))


if __name__ == "__main__":
    main()

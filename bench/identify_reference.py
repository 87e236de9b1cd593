"""The reference for the identification benchmark: the published criteria (version 1, defaults)
computed directly from a bundle's CSV files with DuckDB SQL and rustworkx.

Written from the criteria's text, not from vip's engine. Let D be the as-of date; "in the last
N days" is an incident whose local calendar date is in [D-(N-1), D]; S = {shooting, homicide};
R = {victim, suspect, arrestee, associate} (witnesses never count).

1. shot_recent: victim of an S incident in the last 90 days; incidents = all such incidents.
2. shooting_suspect: suspect or arrestee of an S incident in the last 180 days.
3. network_shot: the network joins two different people with a role in R in the same incident
   (any type) in the last 365 days; seeds = the people meeting 1; a person gets one finding per
   seed s (not themselves) within 1 or 2 steps; people = (s,), incidents = s's criterion-1 ones.
4. repeat_shootings: a role in R in at least 2 distinct S incidents in the last 365 days.

People with a ``killed`` outcome on or before D are never candidates (they stay seeds and
nodes). The result maps (person key, criterion) to the sorted incident keys (1, 2, 4) or the
sorted seed keys (3).

Run: ``python bench/identify_reference.py BUNDLE AS_OF OUT.json [--time-zone ZONE]``; prints
one JSON line with its timings; writes to OUT.json {"rows": [[person, criterion, [keys]], ...],
"seeds": {seed: [its criterion-1 incidents]}}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import rustworkx as rx

SHOT_RECENT, SUSPECT, NETWORK, REPEAT = "shot_recent", "shooting_suspect", "network_shot", "repeat_shootings"

Result = dict[tuple[str, str], tuple[str, ...]]


def _csv(bundle: Path, name: str) -> str:
    path = str(bundle / name).replace("'", "''")
    return f"read_csv('{path}', header = true, all_varchar = true)"


def _local_date(column: str, zone: str) -> str:
    """SQL for the local calendar date of an interchange date or date-time (offset: converted to
    the program's time zone; no offset: already local)."""
    zone = zone.replace("'", "''")
    text = f"trim({column})"
    return (
        f"CASE WHEN length({text}) = 10 THEN CAST({text} AS DATE) "
        f"WHEN regexp_matches({text}, '(Z|[+-]\\d\\d(:?\\d\\d)?)$') "
        f"THEN CAST(CAST({text} AS TIMESTAMPTZ) AT TIME ZONE '{zone}' AS DATE) "
        f"ELSE CAST(substr({text}, 1, 10) AS DATE) END"
    )


def compute(
    bundle: Path, as_of: dt.date, zone: str = "America/Denver"
) -> tuple[Result, dict[str, tuple[str, ...]], dict[str, float]]:
    """The candidate set of ``bundle`` as of ``as_of``, the seeds (with their criterion-1
    incidents, the dead included), and the seconds of each step."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    con = duckdb.connect()
    d = f"DATE '{as_of.isoformat()}'"
    # The incidents that can count for any criterion (the last 365 days), with their local date.
    con.execute(
        f"""
        CREATE TEMP TABLE inc AS
        SELECT incident_key AS i, type, day FROM (
            SELECT incident_key, lower(trim(type)) AS type, {_local_date("occurred_at", zone)} AS day
            FROM {_csv(bundle, "incidents.csv")}
        ) WHERE day BETWEEN {d} - 364 AND {d}
        """
    )
    # Their involvements with a role in R.
    con.execute(
        f"""
        CREATE TEMP TABLE inv AS
        SELECT v.person_key AS p, v.incident_key AS i, lower(trim(v.role)) AS role, inc.type, inc.day
        FROM {_csv(bundle, "involvements.csv")} v JOIN inc ON inc.i = v.incident_key
        WHERE lower(trim(v.role)) IN ('victim', 'suspect', 'arrestee', 'associate')
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE dead AS
        SELECT DISTINCT person_key AS p FROM {_csv(bundle, "outcomes.csv")}
        WHERE lower(trim(type)) = 'killed' AND CAST(trim(occurred_on) AS DATE) <= {d}
        """
    )
    timings["read"] = time.perf_counter() - start

    start = time.perf_counter()
    shooting = "type IN ('shooting', 'homicide')"
    queries = {
        SHOT_RECENT: f"role = 'victim' AND {shooting} AND day >= {d} - 89",
        SUSPECT: f"role IN ('suspect', 'arrestee') AND {shooting} AND day >= {d} - 179",
        REPEAT: shooting,
    }
    per_person: dict[str, dict[str, tuple[str, ...]]] = {}
    for criterion, where in queries.items():
        having = "HAVING count(DISTINCT i) >= 2" if criterion == REPEAT else ""
        rows = con.execute(
            f"SELECT p, list(DISTINCT i ORDER BY i) FROM inv WHERE {where} GROUP BY p {having}"
        ).fetchall()
        per_person[criterion] = {p: tuple(keys) for p, keys in rows}
    # The network: people with a role in R in the last 365 days, as numbered nodes, and the
    # distinct pairs of them sharing an incident.
    con.execute("CREATE TEMP TABLE pi AS SELECT DISTINCT i, p FROM inv")
    con.execute(
        "CREATE TEMP TABLE node AS SELECT p, CAST(row_number() OVER () - 1 AS BIGINT) AS n FROM (SELECT DISTINCT p FROM pi)"
    )
    nodes = [p for (p,) in con.execute("SELECT p FROM node ORDER BY n").fetchall()]
    edges = con.execute(
        """
        SELECT DISTINCT na.n, nb.n
        FROM pi a JOIN pi b ON a.i = b.i AND a.p < b.p
        JOIN node na ON na.p = a.p JOIN node nb ON nb.p = b.p
        """
    ).fetchnumpy()
    dead = {p for (p,) in con.execute("SELECT p FROM dead").fetchall()}
    con.close()
    timings["sql"] = time.perf_counter() - start

    start = time.perf_counter()
    sources, targets = list(edges.values())
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(nodes)
    graph.add_edges_from_no_data(list(zip(sources.tolist(), targets.tolist(), strict=True)))
    index = {p: n for n, p in enumerate(nodes)}
    reached: dict[str, set[str]] = defaultdict(set)
    for seed in per_person[SHOT_RECENT]:
        n = index.get(seed)
        if n is None:  # a seed always has an R role in the window, so a node; kept for safety
            continue
        near = set(graph.neighbors(n))
        around = set(near)
        for m in near:
            around.update(graph.neighbors(m))
        around.discard(n)
        for m in around:
            reached[nodes[m]].add(seed)
    timings["graph"] = time.perf_counter() - start

    result: Result = {}
    for criterion, people in per_person.items():
        for p, keys in people.items():
            if p not in dead:
                result[(p, criterion)] = keys
    for p, seeds in reached.items():
        if p not in dead:
            result[(p, NETWORK)] = tuple(sorted(seeds))
    timings["graph_nodes"], timings["graph_edges"] = float(graph.num_nodes()), float(graph.num_edges())
    return result, per_person[SHOT_RECENT], timings


def save(result: Result, seeds: dict[str, tuple[str, ...]], path: Path) -> None:
    rows = sorted([p, c, list(keys)] for (p, c), keys in result.items())
    path.write_text(json.dumps({"rows": rows, "seeds": {s: list(k) for s, k in seeds.items()}}), encoding="utf-8")


def load(path: Path) -> tuple[Result, dict[str, list[str]]]:
    saved = json.loads(path.read_text(encoding="utf-8"))
    return {(p, c): tuple(keys) for p, c, keys in saved["rows"]}, saved["seeds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("as_of", type=dt.date.fromisoformat)
    parser.add_argument("out", type=Path)
    parser.add_argument("--time-zone", default="America/Denver")
    args = parser.parse_args()
    start = time.perf_counter()
    result, seeds, timings = compute(args.bundle, args.as_of, args.time_zone)
    timings["total"] = time.perf_counter() - start
    save(result, seeds, args.out)
    print(json.dumps({"seconds": timings, "findings": len(result)}))


if __name__ == "__main__":
    main()

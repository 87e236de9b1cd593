"""Benchmark: writing the proposals of `vip identify` (issue 15, item 3), in minutes rather than hours.

The full identification benchmark (bench/identify_bench.py) imports a 9-million-row city with
`vip import`, which takes about an hour. The write does not need all of it: the criteria look
back at most 365 days, so this benchmark takes the same city (bench/identify_data.py, the same
seed and size, cached under var/bench/), keeps the incidents of the last 365 days before the
as-of date (and the few after it), their involvements, the people involved and those people's
outcomes, and bulk-loads only those rows straight into the tables (``BulkInserter``, not
`vip import`: no matching, no audit; the incidents carry their date, not their time). The engine
then finds exactly what it finds on the whole city (about 66,000 people to propose), and the
write is measured on it, on a copy of the loaded database each time:

- **in-process**: ``identify_propose`` as `vip identify` calls it (one transaction, committed),
  run by a program manager account (so that every proposal also gets its proposer row), timed
  wall-clock and on the processor; against the **reference**, measured in the same process right
  after: a plain bulk load of the very rows it wrote (candidates, reasons, proposer rows: the
  same number of rows, the same values) into bare tables (no index, no constraint), one
  ``executemany`` per table on SQLite, ``COPY`` on PostgreSQL, committed. The ratio is what to
  compare on this shared machine;
- **whole process**: `vip identify --as-of D --as <manager>`, with its own measure of the write.

It runs on PostgreSQL too when the server of PG_URL answers (database vip_bench_identify_write,
dropped and created again; `--postgresql URL` names another, `--no-postgresql` skips it);
`--no-write` leaves docs/benchmarks.md alone; `--profile` prints where the write's time goes.
`--small` checks, on a tiny city, that the last year loaded gives the engine the same findings as
the whole city imported with `vip import`, then runs the write (tests/test_identify_write_bench_small.py).
Results go to the "identify-write" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BIN, PG_ADMIN_URL, ROOT, machine, measured, postgres_available, run, write_section
from identify_bench import AS_OF, CACHE, FULL, TARGET_WRITE_SECONDS, ensure_bundle, fingerprint

HERE = Path(__file__).resolve().parent
MANAGER = "bench-identify-manager"
WINDOW_DAYS = 365  # the longest look-back of the criteria in force (version 1)
# Bump when the rows loaded change (the cached database is keyed by it).
LOAD_VERSION = 1


def _key(url_name: str) -> str:
    return hashlib.sha256(f"{fingerprint(FULL)}-{LOAD_VERSION}-{url_name}".encode()).hexdigest()[:12]


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["VIP_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---- the city's last year, bulk-loaded (in its own process) --------------------------------------


def load_child(url: str, bundle: Path) -> None:
    """Load the last year of the bundle into the (set-up, empty) database at ``url``."""
    import numpy as np
    import pyarrow.csv as pacsv

    _django(url)
    from django.db import connection, transaction
    from django.utils import timezone

    from vip.accounts.services import user_create
    from vip.core.config import program_config
    from vip.identification.models import Incident, Involvement
    from vip.interchange.bulk import BulkInserter
    from vip.outcomes.models import Outcome
    from vip.people.models import Person

    def read(name: str) -> dict[str, np.ndarray]:
        options = pacsv.ConvertOptions(strings_can_be_null=False, column_types=None)
        table = pacsv.read_csv(bundle / name, convert_options=options)
        return {c: np.array(table.column(c).cast("string").to_pylist(), dtype=object) for c in table.column_names}

    zone = program_config().zone

    def local_day(text: str) -> str:
        """The incident's local date, as the importer reads it (a time with an offset is moved to
        the program's zone; a date, or a time without offset, is the program's own)."""
        if len(text) <= 19:
            return text[:10]
        return dt.datetime.fromisoformat(text).astimezone(zone).date().isoformat()

    start = time.perf_counter()
    since = (AS_OF - dt.timedelta(days=WINDOW_DAYS - 1)).isoformat()
    incidents = read("incidents.csv")
    days = np.array([local_day(s) for s in incidents["occurred_at"]], dtype=object)
    keep = days >= since
    incident_keys, incident_days, incident_types = incidents["incident_key"][keep], days[keep], incidents["type"][keep]
    involvements = read("involvements.csv")
    wanted = set(incident_keys.tolist())
    keep = np.fromiter((k in wanted for k in involvements["incident_key"]), dtype=bool)
    inv_incident, inv_person, inv_role = (involvements[c][keep] for c in ("incident_key", "person_key", "role"))
    involved = set(inv_person.tolist())
    people = read("people.csv")
    keep = np.fromiter((k in involved for k in people["person_key"]), dtype=bool)
    people = {c: v[keep] for c, v in people.items()}
    outcomes = read("outcomes.csv")
    keep = np.fromiter((k in involved for k in outcomes["person_key"]), dtype=bool)
    outcomes = {c: v[keep] for c, v in outcomes.items()}
    now = timezone.now()

    def day(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    def ids(table: str) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key, id FROM {table}")
            return dict(cursor.fetchall())

    def insert(inserter: BulkInserter, rows: list[tuple[Any, ...]]) -> None:
        for at in range(0, len(rows), 50_000):
            inserter.insert(rows[at : at + 50_000])

    with transaction.atomic():
        user_create(actor=None, username=MANAGER, role="manager")
        insert(
            BulkInserter(
                Person, ["key", "first_name", "last_name", "date_of_birth", "sex", "race", "search_name"], now
            ),
            [
                (k, f, last, day(b), s, r, f"{f} {last}".lower())
                for k, f, last, b, s, r in zip(
                    *(people[c] for c in ("person_key", "first_name", "last_name", "date_of_birth", "sex", "race")),
                    strict=True,
                )
            ],
        )
        person_id = ids("people_person")
        insert(
            BulkInserter(Incident, ["key", "occurred_on", "type"], now),
            [(k, day(d), t) for k, d, t in zip(incident_keys, incident_days, incident_types, strict=True)],
        )
        incident_id = ids("identification_incident")
        insert(
            BulkInserter(Involvement, ["incident_id", "person_id", "role"], now),
            [(incident_id[i], person_id[p], r) for i, p, r in zip(inv_incident, inv_person, inv_role, strict=True)],
        )
        insert(
            BulkInserter(Outcome, ["key", "person_id", "occurred_on", "type"], now),
            [
                (k, person_id[p], day(d), t)
                for k, p, d, t in zip(
                    *(outcomes[c] for c in ("outcome_key", "person_key", "occurred_on", "type")), strict=True
                )
            ],
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {
        "people": len(people["person_key"]),
        "incidents": len(incident_keys),
        "involvements": len(inv_person),
        "outcomes": len(outcomes["outcome_key"]),
        "seconds": time.perf_counter() - start,
    }
    print(json.dumps(counts))


# ---- the write, and its reference (in its own process) --------------------------------------------

TABLES = {
    # table: the columns copied (every column of the real table)
    "identification_candidate": None,
    "identification_candidatereason": None,
    "identification_candidatehand": None,
}


def write_child(url: str, out: Path, profile: bool) -> None:
    _django(url)
    from django.db import connection, transaction

    from vip.accounts.models import User
    from vip.identification.engine import identify
    from vip.identification.services import identify_propose

    actor = User.objects.get(username=MANAGER)
    started = time.perf_counter()
    result = identify(as_of=AS_OF)
    identify_seconds = time.perf_counter() - started
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        summary = identify_propose(actor=actor, result=result)
    write_seconds, write_cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)

    # The reference: the same rows, as stored, bulk-loaded into bare tables.
    rows: dict[str, list[tuple[Any, ...]]] = {}
    columns: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            columns[table] = [c[0] for c in cursor.description]
            rows[table] = cursor.fetchall()
            kinds = {c.name: c.type_code for c in connection.introspection.get_table_description(cursor, table)}
            bare = [f"{c} {_bare_type(connection, kinds[c])}" for c in columns[table]]
            cursor.execute(f"DROP TABLE IF EXISTS bench_{table}")
            cursor.execute(f"CREATE TABLE bench_{table} ({', '.join(bare)})")
    if connection.vendor == "postgresql":  # psycopg sends a list as an array: JSON goes as JSON
        from psycopg.types.json import Jsonb

        for table, values in rows.items():
            rows[table] = [tuple(Jsonb(v) if isinstance(v, list | dict) else v for v in row) for row in values]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            names = ", ".join(columns[table])
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY bench_{table} ({names}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns[table]))
                cursor.executemany(f"INSERT INTO bench_{table} ({names}) VALUES ({marks})", rows[table])
    reference_seconds, reference_cpu = time.perf_counter() - started, time.process_time() - cpu
    payload = {
        "identify_seconds": identify_seconds,
        "people": len(result.findings),
        "proposed": summary.proposed,
        "write_seconds": write_seconds,
        "write_cpu": write_cpu,
        "reference_seconds": reference_seconds,
        "reference_cpu": reference_cpu,
        "rows": {table: len(rows[table]) for table in TABLES},
    }
    out.write_text(json.dumps(payload), encoding="utf-8")


def _bare_type(connection: Any, code: Any) -> str:
    """A column type for the bare copy: SQLite takes the declared type's name; PostgreSQL its type."""
    if connection.vendor == "sqlite":
        return str(code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT format_type(%s, NULL)", [code])
        return str(cursor.fetchone()[0])


# ---- the parent ----------------------------------------------------------------------------------


def ensure_sqlite(bundle: Path, cache: Path, fresh: bool) -> tuple[str, dict[str, Any]]:
    path = cache / f"identify-write-{_key('sqlite')}.sqlite3"
    marker = path.with_suffix(".json")
    url = f"sqlite:///{path}"
    if path.exists() and marker.exists() and not fresh:
        return url, json.loads(marker.read_text(encoding="utf-8"))
    for old in cache.glob(f"{path.name}*"):
        old.unlink()
    return url, _load(url, bundle, marker)


def ensure_postgres(bundle: Path, cache: Path, fresh: bool, url: str) -> tuple[str, dict[str, Any]]:
    from identify_bench import _pg_admin, _pg_recreate

    marker = cache / f"identify-write-{_key(_pg_admin(url)[1])}-pg.json"
    if marker.exists() and not fresh:
        return url, json.loads(marker.read_text(encoding="utf-8"))
    marker.unlink(missing_ok=True)
    _pg_recreate(url)
    return url, _load(url, bundle, marker)


def _load(url: str, bundle: Path, marker: Path) -> dict[str, Any]:
    env = {"DATABASE_URL": url, "VIP_DEBUG": "0"}
    run([str(BIN / "vip"), "setup"], env)
    done = run([sys.executable, str(HERE / "identify_write_bench.py"), "--load-child", url, str(bundle)], env)
    counts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    marker.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def copy_of(url: str, scratch: Path, name: str) -> str:
    """A copy of the loaded database (SQLite file; PostgreSQL from it as a template)."""
    if url.startswith("sqlite:///"):
        copy = scratch / f"{name}.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    from identify_bench import _pg_admin, _pg_recreate

    copy_url = f"{url}_{name}"
    _pg_recreate(copy_url, template=_pg_admin(url)[1])
    return copy_url


def drop_copy(url: str) -> None:
    if url.startswith("sqlite:///"):
        for path in Path(url.removeprefix("sqlite:///")).parent.glob(Path(url).name + "*"):
            path.unlink()
        return
    from identify_bench import _pg_drop

    _pg_drop(url)


def measure(url: str, scratch: Path, profile: bool, cli: bool) -> dict[str, Any]:
    database = "sqlite" if url.startswith("sqlite") else "postgresql"
    copy = copy_of(url, scratch, "write")
    try:
        out = scratch / "write.json"
        cmd = [sys.executable, str(HERE / "identify_write_bench.py"), "--write-child", copy, str(out)]
        done = run([*cmd, "--profile"] if profile else cmd)
        if profile:
            print(done.stdout)
        found: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    finally:
        drop_copy(copy)
    found["database"] = database
    found["ratio"] = found["write_seconds"] / found["reference_seconds"]
    found["load"] = os.getloadavg()[0]
    print(
        f"{database}: {found['proposed']:,} proposals written in {found['write_seconds']:.2f} s "
        f"({found['write_cpu']:.2f} s processor); reference {found['reference_seconds']:.2f} s "
        f"({found['reference_cpu']:.2f} s); ratio {found['ratio']:.2f}x; rows {found['rows']}; "
        f"load {found['load']:.1f}",
        flush=True,
    )
    if cli:
        copy = copy_of(url, scratch, "cli")
        try:
            env = {"DATABASE_URL": copy, "VIP_DEBUG": "0"}
            process = run(measured([str(BIN / "vip"), "identify", "--as-of", AS_OF.isoformat(), "--as", MANAGER]), env)
        finally:
            drop_copy(copy)
        said = re.search(
            r"Proposed ([\d,]+) for review.*\(([\d.]+) s to write, ([\d.]+) s of it on the processor\)",
            process.stdout,
            flags=re.S,
        )
        if said is None:
            raise SystemExit(f"`vip identify` did not say how many it proposed and how long it took:\n{process.stdout}")
        found["cli"] = {
            "seconds": process.seconds,
            "peak_rss_mb": process.peak_rss_mb,
            "proposed": int(said.group(1).replace(",", "")),
            "write_seconds": float(said.group(2)),
            "write_cpu": float(said.group(3)),
        }
        print(f"{database}: vip identify {process.seconds:.1f} s, of which writing {said.group(2)} s", flush=True)
    return found


def report(loaded: dict[str, Any], results: list[dict[str, Any]], load: float) -> str:
    lines = [
        "## Writing the proposals of `vip identify` (issue 15)",
        "",
        "`python bench/identify_write_bench.py` (part of `make bench`; on PostgreSQL too when its server "
        "answers; `--profile` prints where the write's time goes). The city of the identification benchmark above "
        "(`bench/identify_data.py`, the same seed and size), cut to what the criteria look at: the incidents of "
        f"the last {WINDOW_DAYS} days before {AS_OF} (and the few after it), their involvements, the people "
        "involved and their outcomes, bulk-loaded straight into the tables (cached under var/bench/). The "
        "criteria look back at most 365 days, so the engine finds on it what it finds on the whole city "
        f"(here {results[0]['people']:,} people to propose: compare the section above). Measured on a copy of that database each time: "
        "`identify_propose` in-process, as `vip identify` calls it (run by a program manager, so every "
        "proposal also gets its proposer row; one transaction, committed), against the reference measured "
        "in the same process right after it: the very rows it wrote (candidates, reasons, proposer rows), "
        "bulk-loaded into bare tables (no index, no constraint) with one `executemany` per table on SQLite, "
        "`COPY` on PostgreSQL, committed. Then `vip identify --as-of D --as <manager>` as a whole process.",
        "",
        f"Machine: {machine()}. The machine is shared (2 cores, other sessions at work): its 1-minute load "
        f"average was {load:.1f} at the end of this run (2.0 is both cores busy); compare the ratios, which "
        "both sides suffer alike, more than single times.",
        "",
        f"Data loaded: {loaded['people']:,} people, {loaded['incidents']:,} incidents, "
        f"{loaded['involvements']:,} involvements, {loaded['outcomes']:,} outcomes.",
        "",
        "| database | proposals | rows written (candidates, reasons, proposers) | `identify_propose` | of it on the processor | reference bulk load | ratio | load average (1 min) | `vip identify` process (its own measure of the write) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows = r["rows"]
        cli = r.get("cli")
        lines.append(
            f"| {r['database']} | {r['proposed']:,} | {rows['identification_candidate']:,}, "
            f"{rows['identification_candidatereason']:,}, {rows['identification_candidatehand']:,} | "
            f"{r['write_seconds']:.2f} s | {r['write_cpu']:.2f} s | {r['reference_seconds']:.2f} s | "
            f"**{r['ratio']:.2f}x** | {r['load']:.1f} | "
            + (f"{cli['seconds']:.1f} s ({cli['write_seconds']:.1f} s) |" if cli else "not run |")
        )
    lines.append("")
    for r in results:
        lines.append(
            f"Target (issue 15, {r['database']}): the proposals written in under {TARGET_WRITE_SECONDS:g} s: "
            f"**{r['proposed']:,} in {r['write_seconds']:.1f} s, "
            f"{'met' if r['write_seconds'] < TARGET_WRITE_SECONDS else 'NOT MET'}** (in-process)."
        )
    lines += [
        "",
        "Before issue 15's rewrite of the write (commit 735b714, measured with this benchmark on this machine, "
        "1-minute load average about 4): SQLite 9.6 s, of which 8.9 s on the processor, 4.74x its reference "
        "(27.8 s and 5.50x in an earlier run at load 6.8); PostgreSQL 37.3 s, 13.6x its reference. Before "
        "commit 735b714, `vip identify` failed on PostgreSQL for any run of more than about thirty proposals "
        "(the audit event's object id was longer than its column).",
    ]
    text = "\n".join(lines)
    print(text)
    return text


def small(cache: Path) -> None:
    """On a tiny city: the last year bulk-loaded gives the engine exactly what the whole city
    imported with `vip import` gives it (else exit 1); then the write, measured as above."""
    from identify_bench import SMALL, _future_allowed, run_engine

    cache.mkdir(parents=True, exist_ok=True)
    bundle, counts, _ = ensure_bundle(SMALL, cache, False)
    cut, full = cache / "identify-write-small-cut.sqlite3", cache / "identify-write-small-full.sqlite3"
    for path in (cut, full):
        for old in cache.glob(f"{path.name}*"):
            old.unlink()
    loaded = _load(f"sqlite:///{cut}", bundle, cache / "identify-write-small-cut.json")
    env = {"DATABASE_URL": f"sqlite:///{full}", "VIP_DEBUG": "0", "VIP_FUTURE_TOLERANCE_MINUTES": _future_allowed()}
    run([str(BIN / "vip"), "setup"], env)
    run([str(BIN / "vip"), "import", str(bundle)], env)
    _, ours = run_engine(f"sqlite:///{cut}", cache / "engine-cut.json", False)
    _, whole = run_engine(f"sqlite:///{full}", cache / "engine-full.json", False)
    if ours["rows"] != whole["rows"] or ours["seed_incidents"] != whole["seed_incidents"] or ours["problems"]:
        raise SystemExit(f"the last year loaded gives the engine other findings than the whole city: {loaded}")
    print(f"small: {counts}; loaded {loaded}; the same {len(ours['rows']):,} (person, criterion) pairs", flush=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        measure(f"sqlite:///{cut}", Path(tmp), False, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="generate and load again even when cached")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where the bundle and databases live ({CACHE})")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="the PostgreSQL database to run on too (dropped and created again; default: "
        "vip_bench_identify_write on the server of PG_URL, when it answers)",
    )
    parser.add_argument("--no-postgresql", action="store_true", help="run on SQLite only")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `vip identify` as a whole process")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of identify_propose")
    parser.add_argument(
        "--small", action="store_true", help="a tiny city: checks the cut against a full import, writes no docs"
    )
    parser.add_argument("--load-child", nargs=2, metavar=("URL", "BUNDLE"), help=argparse.SUPPRESS)
    parser.add_argument("--write-child", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_child:
        load_child(args.load_child[0], Path(args.load_child[1]))
        return
    if args.write_child:
        write_child(args.write_child[0], Path(args.write_child[1]), args.profile)
        return
    if args.small:
        small(args.cache)
        return

    args.cache.mkdir(parents=True, exist_ok=True)
    bundle, counts, generated = ensure_bundle(FULL, args.cache, args.fresh)
    print(f"bundle {bundle.name}: {counts} ({generated:.0f} s to generate)", flush=True)
    databases = [ensure_sqlite(bundle, args.cache, args.fresh)]
    if not args.no_postgresql and (args.postgresql or postgres_available()):
        url = args.postgresql or PG_ADMIN_URL.rsplit("/", 1)[0] + "/vip_bench_identify_write"
        databases.append(ensure_postgres(bundle, args.cache, args.fresh, url))
    for url, loaded in databases:
        print(f"{url.split(':')[0]}: loaded {loaded}", flush=True)
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        results = [measure(url, Path(tmp), args.profile, not args.no_cli) for url, _ in databases]
    load = os.getloadavg()[0]
    text = report(databases[0][1], results, load)
    if not args.no_write:
        write_section("identify-write", text)


if __name__ == "__main__":
    main()

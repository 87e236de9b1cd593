"""Benchmark: identification over a city's law-enforcement data (issue 6).

A city of at least 1,500,000 people, 2,000,000 incidents and 5,000,000 involvements over ten
years (bench/identify_data.py, deterministic) is written as an interchange bundle and imported
with `vip setup` + `vip import` into a fresh SQLite database (timed, with its peak memory). Both
are cached under var/bench/ keyed by their parameters (and the generator's source), so that a
re-run reuses them (`--fresh` rebuilds). Then, each in its own process, timed with its peak
resident memory:

- the engine: `vip.identification.engine.identify(as_of=D)` (the criteria's defaults), its
  findings written out for the comparison;
- `vip identify --as-of D`, which also writes the proposals (on a copy of the database, so that
  the cached one stays as imported);
- the reference (bench/identify_reference.py): the same criteria written independently in
  DuckDB SQL over the bundle's CSV files, with the network's 1- and 2-step neighbourhoods found
  with rustworkx.

The two candidate sets must agree (the same (person, criterion) pairs; for each the same
incidents, or for the network criterion the same seeds), or the run fails and prints the first
differences. Targets: identification within 1.5x of the reference, under 60 s, peak memory under
4 GB. Results go to the "identify" section of docs/benchmarks.md (`--no-write` leaves it alone).

`--small` runs the whole pipeline on a tiny city (a few seconds; tests/test_identify_bench_small.py).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import BIN, ROOT, Run, machine, measured, run, write_section
from identify_data import VERSION, Size, generate, parameters

HERE = Path(__file__).resolve().parent

AS_OF = dt.date(2026, 11, 28)  # fixed, so that every run measures the same city
FULL = Size()
SMALL = Size(people=3_000, incidents=4_000, involvements=10_000, years=2.0, utc_share=0.2)
MIN_PEOPLE, MIN_INCIDENTS, MIN_INVOLVEMENTS = 1_500_000, 2_000_000, 5_000_000
TARGET_RATIO, TARGET_SECONDS, TARGET_MB = 1.5, 60.0, 4096.0
TARGET_WRITE_SECONDS = 10.0  # issue 15: the proposals written (and committed) in under 10 s
CACHE = ROOT / "var" / "bench"

# A comparable result: (person key, criterion) -> the incident keys (criteria 1, 2, 4) or the
# seed keys (criterion 3), as sorted lists (JSON).
Comparable = dict[tuple[str, str], tuple[str, ...]]


def fingerprint(size: Size) -> str:
    """What the bundle (and the database imported from it) depends on: the sizes, the seed, the
    as-of date and the generator's version (bump ``identify_data.VERSION`` when its output changes)."""
    wanted = {**parameters(size, AS_OF), "generator": VERSION}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:12]


def ensure_bundle(size: Size, cache: Path, fresh: bool) -> tuple[Path, dict[str, int], float]:
    """The bundle for ``size`` (generated unless cached); its row counts and generation seconds."""
    folder = cache / f"identify-bundle-{fingerprint(size)}"
    marker = folder / "counts.json"
    if marker.exists() and not fresh:
        saved = json.loads(marker.read_text(encoding="utf-8"))
        return folder, saved["counts"], saved["seconds"]
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    counts = generate(folder, size, AS_OF)
    seconds = time.perf_counter() - start
    marker.write_text(json.dumps({"counts": counts, "seconds": seconds}, indent=2) + "\n", encoding="utf-8")
    return folder, counts, seconds


@dataclass
class Imported:
    database: str  # sqlite or postgresql
    url: str
    seconds: float
    peak_rss_mb: float
    reused: bool
    load: float | None = None  # the machine's 15-minute load average when the import ended


def _future_allowed() -> str:
    """The city holds, on purpose, incidents and deaths reported up to 60 days after its as-of date
    (the engine must not count them). While those days are still ahead of the clock, the importer
    (which refuses future dates) is told to allow them: VIP_FUTURE_TOLERANCE_MINUTES."""
    latest = dt.datetime.combine(AS_OF + dt.timedelta(days=61), dt.time(0), tzinfo=dt.UTC)
    ahead = (latest - dt.datetime.now(dt.UTC)).total_seconds() / 60
    return str(max(10, int(ahead) + 1440))


def _import(bundle: Path, url: str, marker: Path, database: str) -> Imported:
    env = {"DATABASE_URL": url, "VIP_DEBUG": "0", "VIP_FUTURE_TOLERANCE_MINUTES": _future_allowed()}
    run([str(BIN / "vip"), "setup"], env)
    imported = run(measured([str(BIN / "vip"), "import", str(bundle)]), env)
    marker.write_text(
        json.dumps(
            {"url": url, "seconds": imported.seconds, "peak_rss_mb": imported.peak_rss_mb, "load": os.getloadavg()[2]},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return Imported(database, url, imported.seconds, imported.peak_rss_mb, reused=False, load=os.getloadavg()[2])


def _reuse(marker: Path, url: str, database: str) -> Imported | None:
    if not marker.exists():
        return None
    saved = json.loads(marker.read_text(encoding="utf-8"))
    if saved.get("url") != url:
        return None
    run([str(BIN / "vip"), "setup"], {"DATABASE_URL": url, "VIP_DEBUG": "0"})  # the schema up to date
    return Imported(database, url, saved["seconds"], saved["peak_rss_mb"], reused=True, load=saved.get("load"))


def ensure_sqlite(size: Size, bundle: Path, cache: Path, fresh: bool) -> Imported:
    """A SQLite database with the bundle imported (`vip setup` + `vip import`), reused when cached."""
    path = cache / f"identify-{fingerprint(size)}.sqlite3"
    marker = cache / f"identify-{fingerprint(size)}.json"
    url = f"sqlite:///{path}"
    if path.exists() and not fresh and (reused := _reuse(marker, url, "sqlite")):
        return reused
    marker.unlink(missing_ok=True)
    for old in cache.glob(f"{path.name}*"):
        old.unlink()
    return _import(bundle, url, marker, "sqlite")


def _pg_admin(url: str) -> tuple[str, str]:
    """The server's maintenance database URL and the database's name, from a database URL."""
    base, name = url.rsplit("/", 1)
    return f"{base}/postgres", name


def _pg_recreate(url: str, template: str | None = None) -> None:
    import psycopg

    admin, name = _pg_admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _pg_drop(url: str) -> None:
    import psycopg

    admin, name = _pg_admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_postgres(size: Size, bundle: Path, cache: Path, fresh: bool, url: str) -> Imported:
    """The PostgreSQL database at ``url`` (dropped and created again) with the bundle imported,
    reused when the marker says it was built from the same bundle."""
    marker = cache / f"identify-{fingerprint(size)}-{_pg_admin(url)[1]}.json"
    if not fresh and (reused := _reuse(marker, url, "postgresql")):
        return reused
    marker.unlink(missing_ok=True)
    _pg_recreate(url)
    return _import(bundle, url, marker, "postgresql")


# ---- the engine, in its own process ----------------------------------------------------------


def engine_child(url: str, as_of: dt.date, out: Path, profile: bool) -> None:
    """Run ``identify`` on ``url`` and write its findings as comparable rows (``--engine-child``)."""
    os.environ["DATABASE_URL"] = url
    os.environ["VIP_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from vip.identification.engine import identify

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    result = identify(as_of=as_of)
    seconds = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(45)
    rows: dict[tuple[str, str], set[str]] = {}
    problems: list[str] = []
    seed_incidents: dict[str, list[str]] = {}
    for person, findings in result.findings.items():
        for finding in findings:
            pair = (str(person), finding.criterion)
            if finding.criterion == "network_shot":
                if len(finding.people) != 1:
                    problems.append(f"{person}: a network finding rests on {finding.people}, not one seed")
                seed = str(finding.people[0]) if finding.people else ""
                if seed in rows.get(pair, set()):
                    problems.append(f"{person}: two network findings for the seed {seed}")
                rows.setdefault(pair, set()).add(seed)
                incidents = sorted(map(str, finding.incidents))
                if seed_incidents.setdefault(seed, incidents) != incidents:
                    problems.append(f"{person}: the seed {seed}'s incidents differ between findings")
            else:
                if pair in rows:
                    problems.append(f"{person}: more than one {finding.criterion} finding")
                rows.setdefault(pair, set()).update(map(str, finding.incidents))
    payload = {
        "seconds": seconds,
        "rows": sorted([p, c, sorted(keys)] for (p, c), keys in rows.items()),
        "seed_incidents": seed_incidents,
        "problems": problems,
    }
    out.write_text(json.dumps(payload), encoding="utf-8")


@dataclass
class Measured:
    """A step run in its own process: its wall time (process start to exit), the time of the
    computation itself as the process measured it, and its peak resident memory."""

    process: Run
    seconds: float


def run_engine(url: str, out: Path, profile: bool) -> tuple[Measured, dict[str, Any]]:
    cmd = [sys.executable, str(HERE / "identify_bench.py"), "--engine-child", url, str(out)]
    if profile:
        cmd.append("--profile")
    process = run(measured(cmd))
    if profile:
        print(process.stdout)
    payload = json.loads(out.read_text(encoding="utf-8"))
    return Measured(process, payload["seconds"]), payload


def run_cli(imported: Imported, scratch: Path) -> tuple[Measured, str]:
    """`vip identify --as-of D` (which writes the proposals) on a copy of the database, so that
    the cached one stays as imported."""
    if imported.database == "sqlite":
        source = Path(imported.url.removeprefix("sqlite:///"))
        copy = scratch / "identify-cli.sqlite3"
        shutil.copyfile(source, copy)
        wal = Path(f"{source}-wal")
        if wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        url = f"sqlite:///{copy}"
    else:
        url = f"{imported.url}_cli"
        _pg_recreate(url, template=_pg_admin(imported.url)[1])
    try:
        env = {"DATABASE_URL": url, "VIP_DEBUG": "0"}
        process = run(measured([str(BIN / "vip"), "identify", "--as-of", AS_OF.isoformat()]), env)
    finally:
        if imported.database == "sqlite":
            for path in scratch.glob("identify-cli.sqlite3*"):
                path.unlink()
        else:
            _pg_drop(url)
    return Measured(process, process.seconds), process.stdout.strip()


def run_reference(bundle: Path, out: Path) -> tuple[Measured, dict[str, Any]]:
    process = run(
        measured([sys.executable, str(HERE / "identify_reference.py"), str(bundle), AS_OF.isoformat(), str(out)])
    )
    report = json.loads(process.stdout.strip().splitlines()[-1])
    return Measured(process, report["seconds"]["total"]), report


# ---- agreement -------------------------------------------------------------------------------


def differences(engine: dict[str, Any], reference: Path) -> list[str]:
    """Every way the engine's candidate set differs from the reference's (engine problems first)."""
    from identify_reference import load

    problems = list(engine["problems"])
    ours = {(p, c): tuple(keys) for p, c, keys in engine["rows"]}
    theirs, reference_seeds = load(reference)
    for pair in sorted(ours.keys() - theirs.keys()):
        problems.append(f"{pair[0]} {pair[1]}: found by the engine ({', '.join(ours[pair][:5])}), not the reference")
    for pair in sorted(theirs.keys() - ours.keys()):
        problems.append(f"{pair[0]} {pair[1]}: found by the reference ({', '.join(theirs[pair][:5])}), not the engine")
    for pair in sorted(ours.keys() & theirs.keys()):
        if ours[pair] != theirs[pair]:
            only_ours = sorted(set(ours[pair]) - set(theirs[pair]))[:5]
            only_theirs = sorted(set(theirs[pair]) - set(ours[pair]))[:5]
            problems.append(f"{pair[0]} {pair[1]}: engine only {only_ours}, reference only {only_theirs}")
    for seed, incidents in sorted(engine["seed_incidents"].items()):
        if reference_seeds.get(seed) != incidents:
            problems.append(
                f"network findings resting on {seed} cite {incidents[:5]}, its shootings are {reference_seeds.get(seed)}"
            )
    return problems


# ---- the benchmark ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


@dataclass
class Outcome:
    """What one database's run gave."""

    imported: Imported
    engine: Measured
    cli: Measured | None
    rows: int
    write_seconds: float | None = None  # `vip identify`'s own measure of writing the proposals
    proposed: int | None = None
    write_cpu: float | None = None  # of which on the processor (the machine is shared)


def run_on(imported: Imported, scratch: Path, reference_out: Path, args: argparse.Namespace) -> Outcome:
    """The engine (and `vip identify`) on one database, compared with the reference's result."""
    engine, engine_out = run_engine(imported.url, scratch / f"engine-{imported.database}.json", args.profile)
    print(
        f"{imported.database}: identify() {engine.seconds:.2f} s, peak {engine.process.peak_rss_mb:.0f} MB",
        flush=True,
    )
    problems = differences(engine_out, reference_out)
    if problems:
        print(
            f"DISAGREEMENT between the engine on {imported.database} and the reference ({len(problems)}):",
            file=sys.stderr,
        )
        for problem in problems[:30]:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(1)
    print(f"{imported.database}: agreement on {len(engine_out['rows']):,} (person, criterion) pairs", flush=True)
    cli: Measured | None = None
    write_seconds: float | None = None
    write_cpu: float | None = None
    proposed: int | None = None
    if not args.no_cli:
        cli, cli_out = run_cli(imported, scratch)
        print(
            f"{imported.database}: vip identify {cli.seconds:.1f} s, peak {cli.process.peak_rss_mb:.0f} MB", flush=True
        )
        print(f"  {cli_out}", flush=True)
        said = re.search(
            r"Proposed ([\d,]+) for review.*\(([\d.]+) s to write, ([\d.]+) s of it on the processor\)",
            cli_out,
            flags=re.S,
        )
        if said is None:
            raise SystemExit(f"`vip identify` did not say how many it proposed and how long it took:\n{cli_out}")
        proposed, write_seconds = int(said.group(1).replace(",", "")), float(said.group(2))
        write_cpu = float(said.group(3))
    return Outcome(imported, engine, cli, len(engine_out["rows"]), write_seconds, proposed, write_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a tiny city: checks the agreement only, writes no docs")
    parser.add_argument("--fresh", action="store_true", help="generate and import again even when cached")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where the bundle and database live ({CACHE})")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="also run on this PostgreSQL database (dropped and created again, unless it holds this city)",
    )
    parser.add_argument("--no-cli", action="store_true", help="skip timing `vip identify` (the proposals)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the engine's identify()")
    parser.add_argument("--engine-child", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_child:
        engine_child(args.engine_child[0], AS_OF, Path(args.engine_child[1]), args.profile)
        return

    size = SMALL if args.small else FULL
    args.cache.mkdir(parents=True, exist_ok=True)
    bundle, counts, generated_s = ensure_bundle(size, args.cache, args.fresh)
    print(f"bundle {bundle.name}: {counts} ({generated_s:.0f} s to generate)", flush=True)
    if not args.small and (
        counts["people.csv"] < MIN_PEOPLE
        or counts["incidents.csv"] < MIN_INCIDENTS
        or counts["involvements.csv"] < MIN_INVOLVEMENTS
    ):
        raise SystemExit(f"the city is too small for the benchmark: {counts}")
    databases = [ensure_sqlite(size, bundle, args.cache, args.fresh)]
    if args.postgresql:
        databases.append(ensure_postgres(size, bundle, args.cache, args.fresh, args.postgresql))
    rows = sum(counts.values())
    for imported in databases:
        print(
            f"{imported.database} import: {imported.seconds:.0f} s, {rows / imported.seconds:,.0f} rows/s, "
            f"peak {imported.peak_rss_mb:.0f} MB"
            + (" (from the run that built the cached database)" if imported.reused else ""),
            flush=True,
        )

    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        scratch = Path(tmp)
        reference_out = scratch / "reference.json"
        reference, reference_report = run_reference(bundle, reference_out)
        print(f"reference: {reference.seconds:.2f} s, peak {reference.process.peak_rss_mb:.0f} MB", flush=True)
        outcomes = [run_on(imported, scratch, reference_out, args) for imported in databases]
        from identify_reference import load

        result, _ = load(reference_out)
    findings = dict.fromkeys(("shot_recent", "shooting_suspect", "network_shot", "repeat_shootings"), 0)
    for _, criterion in result:
        findings[criterion] += 1
    candidates = len({person for person, _ in result})
    print(f"agreement: {candidates:,} candidates, {len(result):,} (person, criterion) pairs", flush=True)
    if args.small or args.no_write:
        return
    load = os.getloadavg()[1]
    write_section("identify", report(size, counts, outcomes, reference, reference_report, candidates, findings, load))


def report(
    size: Size,
    counts: dict[str, int],
    outcomes: list[Outcome],
    reference: Measured,
    reference_report: dict[str, Any],
    candidates: int,
    findings: dict[str, int],
    load: float,
) -> str:
    import duckdb
    import rustworkx

    rows = sum(counts.values())
    steps = reference_report["seconds"]
    main_run = outcomes[0]  # SQLite
    engine, cli = main_run.engine, main_run.cli
    ratio = engine.seconds / reference.seconds
    peak = max(engine.process.peak_rss_mb, cli.process.peak_rss_mb if cli else 0.0)
    met = {"ratio": ratio <= TARGET_RATIO, "time": engine.seconds < TARGET_SECONDS, "memory": peak < TARGET_MB}
    lines = [
        "## Identification over a city's law-enforcement data (issue 6)",
        "",
        "`python bench/identify_bench.py` (part of `make bench`; the bundle and the imported database are "
        "cached under var/bench/ by their parameters, `--fresh` rebuilds them; `--profile` prints where the "
        "engine's time goes; `--postgresql URL` runs on PostgreSQL too). A city generated by "
        f"`bench/identify_data.py` (seed {size.seed}, {size.years:g} years to the as-of date {AS_OF}, a few "
        "incidents after it; repeat people in groups with rival groups, about 7% shootings and homicides, a few "
        "incidents of 10 to 25 people, killed outcomes before, on and after the as-of date) imported with "
        "`vip setup` + `vip import`. Then, each in its own process: the engine's `identify(as_of=D)` "
        "(criteria version 1, defaults); `vip identify --as-of D`, which also writes the proposals (on a copy "
        "of the database); and the reference, the same criteria written independently from their text in "
        "DuckDB SQL reading the bundle's CSV files directly, with the network's 1- and 2-step neighbourhoods "
        "found with rustworkx (`bench/identify_reference.py`). *Computation* is the time measured inside the "
        "process from the data (database or CSV files) to the findings, without the interpreter's start and "
        "imports; *process* is the whole command, wall-clock; memory is each process's peak resident set.",
        "",
        f"Machine: {machine()}; DuckDB {duckdb.__version__}; rustworkx {rustworkx.__version__}. The machine "
        f"is shared: its 5-minute load average was {load:.1f} at the end of this run (2.0 is both cores busy); "
        "compare the ratio, which both sides suffer alike, more than single times.",
        "",
        f"Data: {counts['people.csv']:,} people, {counts['incidents.csv']:,} incidents, "
        f"{counts['involvements.csv']:,} involvements, {counts['outcomes.csv']:,} outcomes ({rows:,} rows). "
        f"Network of the last 365 days (reference): {steps['graph_nodes']:,.0f} people with a counted role, {steps['graph_edges']:,.0f} links. "
        f"Candidates: {candidates:,} people, {sum(findings.values()):,} (person, criterion) pairs: "
        + ", ".join(f"{name} {n:,}" for name, n in findings.items())
        + ".",
        "",
        "| database | step | computation | process | peak memory |",
        "|---|---|---:|---:|---:|",
    ]
    for outcome in outcomes:
        imported, db = outcome.imported, outcome.imported.database
        lines.append(
            f"| {db} | `vip setup` + `vip import` ({rows / imported.seconds:,.0f} rows/s"
            + (", from the run that built the cached database" if imported.reused else "")
            + (f"; 15-minute load average {imported.load:.1f} at its end" if imported.load is not None else "")
            + f") | | {imported.seconds:.0f} s | {imported.peak_rss_mb:.0f} MB |"
        )
        lines.append(
            f"| {db} | engine: `identify()` | {outcome.engine.seconds:.2f} s | {outcome.engine.process.seconds:.1f} s "
            f"| {outcome.engine.process.peak_rss_mb:.0f} MB |"
        )
        if outcome.cli:
            lines.append(
                f"| {db} | `vip identify` (identification and the proposals written; of which writing "
                f"{outcome.proposed:,} proposals, their reasons and the run's audit event, committed) | "
                f"{outcome.write_seconds:.2f} s | {outcome.cli.seconds:.1f} s | {outcome.cli.process.peak_rss_mb:.0f} MB |"
            )
    lines += [
        f"| CSV files | reference: DuckDB + rustworkx (read {steps['read']:.1f} s, SQL {steps['sql']:.1f} s, "
        f"graph {steps['graph']:.1f} s) | {reference.seconds:.2f} s | {reference.process.seconds:.1f} s | "
        f"{reference.process.peak_rss_mb:.0f} MB |",
        "",
        f"Agreement: the engine ({', '.join(o.imported.database for o in outcomes)}) and the reference give the "
        f"same {sum(findings.values()):,} (person, criterion) pairs, each resting on the same incidents "
        "(criteria 1, 2, 4) or the same seeds (the network), and every network finding cites its seed's recent "
        "shootings.",
        "",
        f"Targets (SQLite): identification within {TARGET_RATIO:g}x of the reference: **{ratio:.2f}x, "
        f"{verdict(met['ratio'])}**; under {TARGET_SECONDS:g} s: **{engine.seconds:.1f} s, {verdict(met['time'])}**; "
        f"peak memory under {TARGET_MB / 1024:g} GB: **{peak:,.0f} MB, {verdict(met['memory'])}** (the larger "
        "of `identify()` and `vip identify`).",
    ]
    for outcome in outcomes:
        if outcome.write_seconds is not None:
            lines.append("")
            lines.append(
                f"Target (issue 15, {outcome.imported.database}): `vip identify` writes the proposals in under "
                f"{TARGET_WRITE_SECONDS:g} s: **{outcome.proposed:,} proposals in {outcome.write_seconds:.1f} s, "
                f"{verdict(outcome.write_seconds < TARGET_WRITE_SECONDS)}**, of which {outcome.write_cpu:.1f} s on "
                "the processor (the rest waiting for a core on this shared machine, or for the disk; measured by "
                "`vip identify` itself, "
                "from the findings to the commit: the words of each reason, the candidates, their reasons and "
                "proposers, and one audit event listing them; the identification it follows is the row above). "
                "Before issue 15 (the same city, with the machine nearly idle): `vip identify` 108.1 s, of "
                "which about 100 s writing the proposals."
            )
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()

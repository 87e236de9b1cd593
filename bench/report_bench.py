"""Benchmark: the Monthly Informational Report's metrics over a 10-year program.

A demo city of ten years (2016-12-01 to 2026-11-28; at least 200,000 people and
2,000,000 other rows) is generated with ``generate_bundle`` and loaded with
``vip setup`` + ``vip import`` into a SQLite database under bench/out/ (kept,
with a marker file of the parameters it was built from, so that re-runs reuse
it). Then, in this one process, for the latest complete month (2026-10):

- the facts are read from the database (``load_facts``);
- the metrics are computed from them (``compute``: best and median of 5 runs);
- the official report is built and rendered to PDF (``build`` + ``to_pdf``, best of 3);
- the reference, an independent computation of every figure of every table
  written directly in DuckDB SQL over the same facts (bench/report_reference.py),
  loads the facts into DuckDB (timed apart) and runs its queries (best and
  median of 5); every cell must equal the metrics' cell, or the run fails.

Targets (the report issue): the metrics within 2x of the reference and under
2 s; the PDF under 5 s. Results go to the "report" section of docs/benchmarks.md.

Runnable as ``python bench/report_bench.py`` from the project root or from bench/.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import json
import os
import pstats
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from common import BIN, OUT, ROOT, machine, run, write_section

if TYPE_CHECKING:  # the project's modules are imported once Django is set up
    from report_reference import RefTable

    from vip.core.dates import Month
    from vip.reports.facts import Facts
    from vip.reports.metrics import ReportNumbers

SEED = 2020
START = dt.date(2016, 12, 1)
END = dt.date(2026, 11, 28)  # fixed, so that every run measures the same city
# The smallest whole scale that gives both sizes below over these ten years (scale 57 gives
# 304,884 people but only 1,961,108 other rows; 58 gives 316,040 and 2,048,195).
SCALE = 58.0
MIN_PEOPLE = 200_000
MIN_EVENTS = 2_000_000
GENERATED_AT = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)  # stamped on the PDF: fixed, for determinism

DATABASE = OUT / "report.sqlite3"
MARKER = OUT / "report.json"  # the parameters the database was built from, and its row counts
BUNDLE = OUT / "report-bundle"
GENERATOR = ROOT / "src" / "vip" / "demo" / "generator.py"

METRICS_RUNS, PDF_RUNS, REFERENCE_RUNS, FACTS_RUNS = 5, 3, 5, 3
TARGET_RATIO, TARGET_METRICS_S, TARGET_PDF_S = 2.0, 2.0, 5.0

T = TypeVar("T")


@dataclass
class Timing:
    """Wall-clock seconds of repeated runs of one step."""

    runs: list[float]

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def timed(runs: int, step: Callable[[], T]) -> tuple[Timing, T]:
    """Run ``step`` ``runs`` times; return the timings and the last result."""
    seconds: list[float] = []
    result: T | None = None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - start)
    assert result is not None
    return Timing(seconds), result


# ---- the database ----------------------------------------------------------------------------


def parameters(scale: float) -> dict[str, Any]:
    """What the database is built from: re-used only when all of it is the same."""
    return {
        "seed": SEED,
        "scale": scale,
        "start": START.isoformat(),
        "end": END.isoformat(),
        "generator_sha256": hashlib.sha256(GENERATOR.read_bytes()).hexdigest(),
    }


def database_url() -> str:
    """The benchmark's SQLite database, for Django."""
    return f"sqlite:///{DATABASE}"


def ensure_database(scale: float) -> dict[str, int]:
    """Build the 10-year city's database unless the one in bench/out was built the same way.

    Returns the rows of each bundle file. Django must already be set up (on ``DATABASE``).
    """
    wanted = parameters(scale)
    env = {"DATABASE_URL": database_url(), "VIP_DEBUG": "0"}
    if MARKER.exists() and DATABASE.exists():
        marker = json.loads(MARKER.read_text(encoding="utf-8"))
        if marker.get("parameters") == wanted:
            print(f"re-using {DATABASE.relative_to(ROOT)} (built from the same parameters)", flush=True)
            run([str(BIN / "vip"), "setup"], env)  # brings the schema up to date, if it moved on
            return {name: int(n) for name, n in marker["counts"].items()}

    MARKER.unlink(missing_ok=True)
    for path in OUT.glob(f"{DATABASE.name}*"):
        path.unlink()
    run([str(BIN / "vip"), "setup"], env)

    from vip.core.config import program_config
    from vip.demo.generator import generate_bundle

    config = program_config()
    if BUNDLE.exists():
        shutil.rmtree(BUNDLE)
    start = time.perf_counter()
    counts = generate_bundle(
        BUNDLE,
        seed=SEED,
        scale=scale,
        start=START,
        end=END,
        areas=list(config.areas),
        service_categories=list(config.service_categories),
        time_zone=config.time_zone,
    )
    print(f"generated the city at scale {scale:g} in {time.perf_counter() - start:.0f} s: {counts}", flush=True)
    people, events = counts["people.csv"], sum(counts.values()) - counts["people.csv"]
    if people < MIN_PEOPLE or events < MIN_EVENTS:
        raise SystemExit(
            f"scale {scale:g} is too small: {people:,} people (need {MIN_PEOPLE:,}), "
            f"{events:,} other rows (need {MIN_EVENTS:,})"
        )
    imported = run([str(BIN / "vip"), "import", str(BUNDLE)], env)
    print(f"imported {sum(counts.values()):,} rows in {imported.seconds:.0f} s", flush=True)
    shutil.rmtree(BUNDLE)
    MARKER.write_text(json.dumps({"parameters": wanted, "counts": counts}, indent=2) + "\n", encoding="utf-8")
    return {name: int(n) for name, n in counts.items()}


def setup_django() -> None:
    """Django in this process, on the benchmark's database, without debug (no SQL log)."""
    os.environ["DATABASE_URL"] = database_url()
    os.environ["VIP_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---- agreement -------------------------------------------------------------------------------


def differences(numbers: ReportNumbers, reference: dict[str, RefTable]) -> list[str]:
    """Every way the metrics' tables and the reference's differ: tables, keys, then cells."""
    problems: list[str] = []
    ours, theirs = set(numbers.tables), set(reference)
    if ours != theirs:
        problems.append(f"tables: metrics only {sorted(ours - theirs)}, reference only {sorted(theirs - ours)}")
    for table_id in sorted(ours & theirs):
        table, ref = numbers.tables[table_id], reference[table_id]
        if table.row_keys != ref.row_keys:
            problems.append(f"{table_id}: rows {table.row_keys} != reference {ref.row_keys}")
            continue
        if table.col_keys != ref.col_keys:
            problems.append(f"{table_id}: columns {table.col_keys} != reference {ref.col_keys}")
            continue
        for r, row in enumerate(table.row_keys):
            for c, col in enumerate(table.col_keys):
                if table.cells[r][c] != ref.cells[r][c]:
                    problems.append(
                        f"{table_id}[{row}, {col}]: metrics {table.cells[r][c]}, reference {ref.cells[r][c]}"
                    )
    return problems


def cell_count(reference: dict[str, RefTable]) -> int:
    """How many figures the tables hold."""
    return sum(len(row) for table in reference.values() for row in table.cells)


# ---- the benchmark ---------------------------------------------------------------------------


def profile_metrics(facts: Facts, month: Month) -> None:
    """Print where ``compute`` spends its time (``--profile``)."""
    from vip.reports.metrics import compute

    profiler = cProfile.Profile()
    profiler.enable()
    compute(facts, month)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--report-scale", type=float, default=SCALE, help=f"demo city scale (default {SCALE:g}: the smallest that fits)"
    )
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one metrics run")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    setup_django()
    counts = ensure_database(args.report_scale)

    import duckdb
    import report_reference

    from vip.core.config import program_config
    from vip.core.dates import Month
    from vip.reports.facts import load_facts
    from vip.reports.metrics import compute
    from vip.reports.render import build, to_pdf

    config = program_config()
    month = Month.of(END + dt.timedelta(days=1)).shift(-1)  # the latest month complete by END

    facts_time, facts = timed(FACTS_RUNS, lambda: load_facts(config, month))
    metrics_time, numbers = timed(METRICS_RUNS, lambda: compute(facts, month))
    if args.profile:
        profile_metrics(facts, month)

    def pdf() -> bytes:
        report = build(numbers, "official", config, facts.as_of, GENERATED_AT)
        document: bytes = to_pdf(report)
        return document

    pdf_time, pdf_bytes = timed(PDF_RUNS, pdf)
    (OUT / f"report-{month}.pdf").write_bytes(pdf_bytes)

    load_start = time.perf_counter()
    loaded = report_reference.load(facts)
    load_seconds = time.perf_counter() - load_start
    reference_time, reference = timed(REFERENCE_RUNS, lambda: report_reference.compute(loaded, month.year, month.month))

    problems = differences(numbers, reference)
    if problems:
        print(f"DISAGREEMENT between metrics.py and the reference ({len(problems)}):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(1)
    cells = cell_count(reference)

    people = counts["people.csv"]
    events = {name.removesuffix(".csv"): n for name, n in counts.items() if name != "people.csv"}
    ratio = metrics_time.best / reference_time.best
    met = {
        "ratio": ratio <= TARGET_RATIO,
        "metrics": metrics_time.best < TARGET_METRICS_S,
        "pdf": pdf_time.best < TARGET_PDF_S,
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    facts_rows = (
        f"{len(facts.delivery_person):,} delivered attempts, {len(facts.person_id):,} people, "
        f"{len(facts.connection_person):,} connected service referrals, {len(facts.referral_day):,} referrals "
        f"(the fiscal year and the two months before), {len(facts.outcome_person):,} outcomes"
    )
    lines = [
        "## Report metrics over a 10-year program (the report issue)",
        "",
        "`python bench/report_bench.py`. A demo city generated for ten years "
        f"({START} to {END}, seed {SEED}, scale {args.report_scale:g}) and loaded with `vip setup` + "
        f"`vip import` into SQLite; the report month is {month} ({month.title().title()}), the latest "
        "complete month. In one process: the facts read from the database (`load_facts`), the metrics "
        "computed from them (`compute`), the official report built and rendered to PDF, and, in the same "
        "run, the reference: every figure of every table computed again directly in DuckDB SQL over the "
        "same facts (`bench/report_reference.py`, written from the definitions, not from metrics.py).",
        "",
        f"Machine: {machine()}; DuckDB {duckdb.__version__}.",
        "",
        f"Data: {people:,} people and {sum(events.values()):,} other rows ("
        + ", ".join(f"{name} {n:,}" for name, n in events.items())
        + f"). Facts of the month: {facts_rows}.",
        "",
        "| step | best | median | runs |",
        "|---|---:|---:|---:|",
        f"| facts from the database (`load_facts`) | {facts_time.best:.2f} s | {facts_time.median:.2f} s | "
        f"{FACTS_RUNS} |",
        f"| metrics (`compute`) | {metrics_time.best:.3f} s | {metrics_time.median:.3f} s | {METRICS_RUNS} |",
        f"| reference: loading the facts into DuckDB | {load_seconds:.3f} s | | 1 |",
        f"| reference: the SQL queries | {reference_time.best:.3f} s | {reference_time.median:.3f} s | "
        f"{REFERENCE_RUNS} |",
        f"| PDF (`build` + `to_pdf`) | {pdf_time.best:.2f} s | {pdf_time.median:.2f} s | {PDF_RUNS} |",
        "",
        f"Agreement: all {len(reference)} tables, {cells} cells, equal between metrics.py and the reference.",
        "",
        f"Targets: metrics within {TARGET_RATIO:g}x of the reference: **{ratio:.2f}x, {verdict(met['ratio'])}**; "
        f"metrics under {TARGET_METRICS_S:g} s: **{metrics_time.best:.3f} s, {verdict(met['metrics'])}**; "
        f"PDF under {TARGET_PDF_S:g} s: **{pdf_time.best:.2f} s, {verdict(met['pdf'])}**.",
        "",
        "What each time includes: *facts* is `load_facts` for the month (the queries on SQLite and the "
        "conversion of their rows to numpy columns); *metrics* is `compute(facts, month)`, every table "
        "of the report and the facts' fingerprint, from facts already in memory; *reference* is its SQL "
        "queries and the laying out of their results as tables, from facts already loaded into DuckDB "
        "tables (that copy, through pyarrow, is timed apart and not counted); *PDF* is `build` (disclosure "
        "control, a no-op for the official audience) plus `to_pdf` (charts, HTML template and WeasyPrint), "
        "from the computed numbers. Ratios are best against best.",
    ]
    write_section("report", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Benchmark: importing a large interchange bundle, on SQLite and PostgreSQL.

For each database: a fresh database, `vip setup`, then `vip import BUNDLE` (all
rows new), then the same import again (all rows unchanged: the idempotent
path), each timed with its peak resident memory; and in the same run the
reference plain bulk load of the same files (bench/reference_load.py). Memory
is measured at two bundle sizes to show it does not grow with the bundle.

Targets (issue 15, item 3): at least 100,000 rows/s on SQLite and on PostgreSQL
at 1M+ rows; peak memory under 500 MB whatever the bundle size. (Issue 2 asked
for 20,000 rows/s on SQLite.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass

from common import BIN, OUT, Run, fresh_postgres_database, machine, measured, postgres_available, run, write_section

END = "2026-11-28"  # fixed, so that every run measures the same city


@dataclass
class Result:
    database: str
    scale: float
    rows: int
    fresh: Run
    again: Run
    reference: Run


def bundle(scale: float) -> tuple[str, int]:
    folder = OUT / f"bundle-{scale:g}"
    if folder.exists():
        shutil.rmtree(folder)
    result = run(
        [str(BIN / "vip"), "demo", "--scale", str(scale), "--end", END, "--no-field-records", "--bundle", str(folder)]
    )
    rows = int(result.stdout.split("(")[1].split(" rows")[0].replace(",", ""))
    return str(folder), rows


def import_on(database: str, url: str, folder: str, rows: int, scale: float, reference_target: str) -> Result:
    env = {"DATABASE_URL": url, "VIP_DEBUG": "0"}  # as in production: no SQL log kept
    run([str(BIN / "vip"), "setup"], env)
    fresh = run(measured([str(BIN / "vip"), "import", folder]), env)
    again = run(measured([str(BIN / "vip"), "import", folder]), env)
    if "unchanged" not in again.stdout:
        raise RuntimeError("the second import did not report its unchanged rows")
    reference = run(
        measured([sys.executable, str(OUT.parent / "reference_load.py"), database, folder, reference_target])
    )
    loaded = int(reference.stdout.strip())
    if loaded != rows:
        raise RuntimeError(f"reference loaded {loaded} rows, bundle has {rows}")
    return Result(database, scale, rows, fresh, again, reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=40, help="demo city scale of the main bundle (40: ~1.1M rows)")
    parser.add_argument("--memory-scale", type=float, default=80, help="a larger bundle, for memory (0: skip)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    results: list[Result] = []
    scales = [args.scale] + ([args.memory_scale] if args.memory_scale else [])
    for scale in scales:
        folder, rows = bundle(scale)
        print(f"bundle at scale {scale:g}: {rows:,} rows", flush=True)
        db = OUT / f"import-{scale:g}.sqlite3"
        ref = OUT / f"reference-{scale:g}.sqlite3"
        for path in OUT.glob(f"*-{scale:g}.sqlite3*"):
            path.unlink()
        results.append(import_on("sqlite", f"sqlite:///{db}", folder, rows, scale, str(ref)))
        print(f"  sqlite: {results[-1].fresh.seconds:.1f} s", flush=True)
        if scale == args.scale and postgres_available():
            url = fresh_postgres_database("vip_bench_import")
            ref_url = fresh_postgres_database("vip_bench_reference")
            results.append(import_on("postgresql", url, folder, rows, scale, ref_url))
            print(f"  postgresql: {results[-1].fresh.seconds:.1f} s", flush=True)
        shutil.rmtree(folder)
        for path in OUT.glob(f"*-{scale:g}.sqlite3*"):
            path.unlink()

    lines = [
        "## Import of an interchange bundle (issues 2 and 15)",
        "",
        "`make bench` (or `python bench/import_bench.py`). The demo city written as a bundle",
        f"(`vip demo --scale N --end {END} --no-field-records --bundle`: the files of format 1; the",
        "field records of format 2 are few next to them and held in memory, docs/interchange.md), then",
        "`vip import` into a fresh database",
        "(all rows new), the same import again (all rows unchanged: validated, compared, nothing",
        "written), and, in the same run, the reference: a plain bulk load of the same files into",
        "bare text tables with no validation (`bench/reference_load.py`: SQLite `executemany`,",
        "PostgreSQL `COPY`). Times are wall-clock and include starting the command (with",
        "`VIP_DEBUG=0`, as in production: no SQL log kept); memory is the process's peak resident set.",
        "",
        f"Machine: {machine()}.",
        "",
        "| database | rows | import (new) | rows/s | again (unchanged) | rows/s | reference load | import / reference | peak memory import | peak memory reference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.rows:,} | {r.fresh.seconds:.1f} s | {r.rows / r.fresh.seconds:,.0f} | "
            f"{r.again.seconds:.1f} s | {r.rows / r.again.seconds:,.0f} | {r.reference.seconds:.1f} s | "
            f"{r.fresh.seconds / r.reference.seconds:.1f}x | {r.fresh.peak_rss_mb:.0f} MB | {r.reference.peak_rss_mb:.0f} MB |"
        )
    sqlite = [r for r in results if r.database == "sqlite"]
    peak = max(max(r.fresh.peak_rss_mb, r.again.peak_rss_mb) for r in results)
    lines += [
        "",
        "Targets (issue 15): at least 100,000 rows/s on each database at 1M+ rows (new rows; the",
        "second, unchanged import in brackets); the machine is shared, so the ratio to the",
        "reference measured in the same run is the number to compare between runs:",
        "",
    ]
    for r in results:
        if r.scale != results[0].scale:
            continue
        rate = r.rows / r.fresh.seconds
        again = r.rows / r.again.seconds
        lines.append(
            f"- {r.database}: **{rate:,.0f} rows/s ({again:,.0f}), "
            f"{'met' if rate >= 100_000 else 'NOT MET'}**; "
            f"import / reference {r.fresh.seconds / r.reference.seconds:.1f}x"
        )
    lines += [
        "",
        f"Peak memory under 500 MB whatever the bundle size: **{peak:.0f} MB at most, "
        f"{'met' if peak < 500 else 'NOT MET'}**"
        + (
            f" (SQLite: {sqlite[0].fresh.peak_rss_mb:.0f} MB for {sqlite[0].rows:,} rows, "
            f"{sqlite[1].fresh.peak_rss_mb:.0f} MB for {sqlite[1].rows:,} rows)."
            if len(sqlite) > 1
            else "."
        ),
        "",
        "Memory is bounded by design: rows are read and written a batch at a time and the keys",
        "seen during validation live in an on-disk SQLite store (docs/adr/0002-keys-on-disk.md);",
        "what remains is the interpreter and Django (about 50 MB) and the SQLite page caches,",
        "which are capped (64 MB for the database, 32 MB for the key store).",
        "",
        "How (issue 15): the first import goes into a new database, which holds no records, so",
        "it is the staged load (docs/adr/0006-import-through-staging-tables.md): each file's",
        "cells into a temporary table, each distinct value through the cell parser once, keys",
        "and references checked with joins, one `INSERT ... SELECT` per file. The second import",
        "(every row unchanged) is the row import: the bundle read once, each batch validated",
        "and its accepted rows written at once, in one transaction rolled back if the bundle is",
        "refused; cells parsed column by column (a repeated value once), keys looked up with one",
        "array parameter (PostgreSQL `= ANY`, SQLite `json_each`).",
    ]
    write_section("import", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

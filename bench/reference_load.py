"""The reference for the import benchmark: the fastest plain load of the same CSV files.

No validation, no keys resolved, no upserts, no audit: each file goes into a bare
table of text columns with the database's own bulk path (SQLite: one executemany
per file in one transaction; PostgreSQL: COPY FROM STDIN). It is what a load costs
when nothing is checked, the floor vip's import is compared with.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path


def load_sqlite(bundle: Path, path: Path) -> int:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    total = 0
    with db:
        for csv_path in sorted(bundle.glob("*.csv")):
            with open(csv_path, encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                table = csv_path.stem
                db.execute(f'DROP TABLE IF EXISTS "{table}"')
                db.execute(f'CREATE TABLE "{table}" ({", ".join(f"{c} TEXT" for c in header)})')
                marks = ",".join("?" * len(header))
                before = db.total_changes
                db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', reader)
                total += db.total_changes - before
    db.close()
    return total


def load_postgres(bundle: Path, url: str) -> int:
    import psycopg

    total = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for csv_path in sorted(bundle.glob("*.csv")):
            with open(csv_path, encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle))
            table = csv_path.stem
            cur.execute(f'DROP TABLE IF EXISTS "{table}"')
            cur.execute(f'CREATE TABLE "{table}" ({", ".join(f"{c} TEXT" for c in header)})')
            with open(csv_path, "rb") as raw, cur.copy(f'COPY "{table}" FROM STDIN (FORMAT csv, HEADER true)') as copy:
                while chunk := raw.read(1 << 20):
                    copy.write(chunk)
            total += cur.rowcount
    return total


if __name__ == "__main__":
    kind, bundle, target = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    rows = load_sqlite(bundle, Path(target)) if kind == "sqlite" else load_postgres(bundle, target)
    print(rows)

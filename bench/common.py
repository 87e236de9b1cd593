"""Shared pieces of the benchmarks: the machine, timed subprocesses, the results page."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "docs" / "benchmarks.md"
PG_ADMIN_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command; return its wall time and, when wrapped by ``measured``, its peak memory."""
    full_env = {**os.environ, **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout}\n{stderr}")
    match = re.search(r"PEAK_RSS_KB=(\d+)", stderr)
    peak = int(match.group(1)) / 1024 if match else float("nan")
    return Run(seconds, peak, stdout)


def measured(cmd: list[str]) -> list[str]:
    """Wrap a command so that it reports its own peak RSS on stderr (``PEAK_RSS_KB=``)."""
    return [sys.executable, str(ROOT / "bench" / "peak_rss.py"), *cmd]


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception:
        return False
    return True


def fresh_postgres_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    pg = "not available"
    if postgres_available():
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg = row[0] if row else "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; PostgreSQL {pg}"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section between ``<!-- bench:name -->`` markers in docs/benchmarks.md."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")

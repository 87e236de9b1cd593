"""The identification benchmark at a tiny size: guards, in CI, that the engine and the
benchmark's reference (DuckDB + rustworkx) agree, and that the reference agrees with a third,
plain-Python reading of the criteria.

The full benchmark (bench/identify_bench.py) takes many minutes; these take seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
AS_OF = dt.date(2026, 11, 28)

pytest.importorskip("duckdb")
pytest.importorskip("rustworkx")


@pytest.fixture(scope="module")
def bench_modules():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        import identify_bench
        import identify_data
        import identify_reference

        yield identify_data, identify_reference, identify_bench
    finally:
        sys.path.remove(str(BENCH))


def plain_python(bundle: Path, as_of: dt.date, zone: str = "America/Denver") -> dict[tuple[str, str], tuple[str, ...]]:
    """The criteria (version 1, defaults) in the plainest Python: a third opinion."""
    tz = ZoneInfo(zone)

    def local_day(text: str) -> dt.date:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
        return moment.astimezone(tz).date() if moment.tzinfo else moment.date()

    def within(day: dt.date, days: int) -> bool:
        return as_of - dt.timedelta(days=days - 1) <= day <= as_of

    with open(bundle / "incidents.csv", encoding="utf-8") as f:
        incidents = {r["incident_key"]: (local_day(r["occurred_at"]), r["type"]) for r in csv.DictReader(f)}
    with open(bundle / "outcomes.csv", encoding="utf-8") as f:
        dead = {
            r["person_key"]
            for r in csv.DictReader(f)
            if r["type"] == "killed" and dt.date.fromisoformat(r["occurred_on"]) <= as_of
        }
    shootings, counted = {"shooting", "homicide"}, {"victim", "suspect", "arrestee", "associate"}
    shot: dict[str, set[str]] = defaultdict(set)
    suspect: dict[str, set[str]] = defaultdict(set)
    repeat: dict[str, set[str]] = defaultdict(set)
    together: dict[str, set[str]] = defaultdict(set)
    with open(bundle / "involvements.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key, person, role = r["incident_key"], r["person_key"], r["role"]
            day, kind = incidents[key]
            if role == "victim" and kind in shootings and within(day, 90):
                shot[person].add(key)
            if role in {"suspect", "arrestee"} and kind in shootings and within(day, 180):
                suspect[person].add(key)
            if role in counted and kind in shootings and within(day, 365):
                repeat[person].add(key)
            if role in counted and within(day, 365):
                together[key].add(person)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for people in together.values():
        for a in people:
            neighbours[a] |= people - {a}
    reached: dict[str, set[str]] = defaultdict(set)
    for seed in shot:
        near = set(neighbours[seed])
        for m in list(near):
            near |= neighbours[m]
        for person in near - {seed}:
            reached[person].add(seed)
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    for criterion, found in (("shot_recent", shot), ("shooting_suspect", suspect), ("network_shot", reached)):
        for person, keys in found.items():
            result[(person, criterion)] = tuple(sorted(keys))
    for person, keys in repeat.items():
        if len(keys) >= 2:
            result[(person, "repeat_shootings")] = tuple(sorted(keys))
    return {pair: keys for pair, keys in result.items() if pair[0] not in dead}


def test_reference_agrees_with_plain_python(tmp_path: Path, bench_modules) -> None:  # type: ignore[no-untyped-def]
    identify_data, identify_reference, identify_bench = bench_modules
    counts = identify_data.generate(tmp_path, identify_bench.SMALL, AS_OF)
    assert counts["involvements.csv"] > counts["incidents.csv"] > 0
    result, seeds, _ = identify_reference.compute(tmp_path, AS_OF)
    expected = plain_python(tmp_path, AS_OF)
    assert result == expected
    criteria = {criterion for _, criterion in result}
    assert criteria == {"shot_recent", "shooting_suspect", "network_shot", "repeat_shootings"}
    assert set(seeds) >= {person for person, criterion in result if criterion == "shot_recent"}


def test_engine_agrees_with_reference_on_a_small_city(tmp_path: Path) -> None:
    """The whole benchmark pipeline (generate, `vip setup` + `vip import`, the engine, `vip
    identify`, the reference, the comparison) on a tiny city; exits non-zero on disagreement."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    proc = subprocess.run(  # noqa: S603 - our own script, with our own arguments
        [sys.executable, str(BENCH / "identify_bench.py"), "--small", "--cache", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "agreement:" in proc.stdout

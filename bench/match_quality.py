"""Benchmark: how well `vip match` finds the demo city's planted duplicates, and how fast.

For each scale: the demo city is written as a bundle (`vip demo --bundle`) together with its
ground truth (`--duplicates`, a file outside the bundle: which second record duplicates which
person), imported into a fresh SQLite database (`vip setup`, `vip import`), and `vip match` is
run and timed. Its proposals are then read from the database and scored against the truth:

* precision: the share of proposed links that pair a planted duplicate with its person;
* recall: the share of planted duplicates that a proposal pairs with their person.

Targets (issue 6): precision at least 0.98 and recall at least 0.9 on the default city
(seed 2020, scale 1). The matcher's weights were tuned on cities of other seeds (7, 11, 13,
17), never on the reported one. A larger city shows the run time as the city grows.

    python bench/match_quality.py [--seed 2020] [--scale 1] [--large-scale 10]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from common import BIN, OUT, Run, machine, measured, run, write_section

END = "2026-11-28"  # fixed, so that every run measures the same city


@dataclass
class Result:
    seed: int
    scale: float
    people: int
    planted: int
    pairs: int
    proposed: int
    right: int
    match: Run
    matcher_seconds: float  # inside the command: loading the records, blocking, weighing, proposing
    import_seconds: float
    found_by_kind: Counter[str] = field(default_factory=Counter)
    planted_by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.right / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.planted if self.planted else 1.0


def measure(seed: int, scale: float) -> Result:
    tag = f"match-{seed}-{scale:g}"
    folder, truth_file, db = OUT / f"{tag}-bundle", OUT / f"{tag}-duplicates.csv", OUT / f"{tag}.sqlite3"
    if folder.exists():
        shutil.rmtree(folder)
    for path in OUT.glob(f"{tag}.sqlite3*"):
        path.unlink()
    env = {"DATABASE_URL": f"sqlite:///{db}", "VIP_DEBUG": "0"}
    vip = str(BIN / "vip")
    demo = [vip, "demo", "--seed", str(seed), "--scale", str(scale), "--end", END]
    run([*demo, "--bundle", str(folder), "--duplicates", str(truth_file)], env)
    run([vip, "setup"], env)
    imported = run([vip, "import", str(folder)], env)
    matched = run(measured([vip, "match"]), env)
    said = re.search(r"compared ([\d,]+) pairs among [\d,]+ records in ([\d.]+) s", matched.stdout)
    if said is None:
        raise RuntimeError(f"vip match said: {matched.stdout}")
    pairs, matcher_seconds = int(said.group(1).replace(",", "")), float(said.group(2))

    with truth_file.open(encoding="utf-8", newline="") as handle:
        truth = {row["duplicate_key"]: (row["person_key"], row["variations"]) for row in csv.DictReader(handle)}
    with sqlite3.connect(db) as conn:
        people = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
        links = conn.execute(
            "SELECT k.key, d.key FROM people_personlink l JOIN people_person k ON k.id = l.kept_id"
            " JOIN people_person d ON d.id = l.duplicate_id WHERE l.status = 'proposed' AND l.proposed_by_id IS NULL"
        ).fetchall()
    found = set()
    for kept, duplicate in links:
        for one, other in ((kept, duplicate), (duplicate, kept)):
            if truth.get(one, ("",))[0] == other:
                found.add(one)
    result = Result(
        seed, scale, people, len(truth), pairs, len(links), len(found), matched, matcher_seconds, imported.seconds
    )
    for key, (_, variations) in truth.items():
        for kind in variations.split(";"):
            result.planted_by_kind[kind] += 1
            result.found_by_kind[kind] += key in found
    shutil.rmtree(folder)
    for path in OUT.glob(f"{tag}.sqlite3*"):
        path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2020, help="the reported city's seed (tuning used 7, 11, 13, 17)")
    parser.add_argument("--scale", type=float, default=1.0, help="the reported city's scale (1: the default city)")
    parser.add_argument("--large-scale", type=float, default=10.0, help="a larger city, for run time (0: skip)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    results = [measure(args.seed, args.scale)]
    print(f"scale {args.scale:g}: precision {results[0].precision:.3f}, recall {results[0].recall:.3f}", flush=True)
    if args.large_scale:
        results.append(measure(args.seed, args.large_scale))
        print(f"scale {args.large_scale:g}: {results[-1].match.seconds:.1f} s", flush=True)

    main_run = results[0]
    lines = [
        "## Person matching: planted duplicates (issue 6)",
        "",
        "`python bench/match_quality.py`. The demo city (`vip demo --seed S --scale N",
        f"--end {END} --bundle DIR --duplicates TRUTH`) plants a second person record from another",
        "source (police or hospital record number) for about 2.5% of the people the police meet,",
        "spelled differently (nickname, typo, first and last name swapped, a second last name,",
        "accents dropped; birth date with two digits or day and month swapped, one digit off, or",
        "missing), carrying some of their involvements; the truth goes to a file outside the",
        "bundle. The bundle is imported into a fresh SQLite database, `vip match` runs and its",
        "proposals are scored (matcher: the time `vip match` reports for loading the records,",
        "blocking, weighing and writing the proposals; `vip match`: the whole command, wall clock,",
        "including starting Python and Django, with its peak memory):",
        "precision is the share of proposals that pair a planted duplicate with its person, recall",
        "the share of planted duplicates proposed with their person. The weights were tuned on",
        f"cities of seeds 7, 11, 13 and 17; the figures below are for seed {main_run.seed}, which",
        "tuning never saw.",
        "",
        f"Machine: {machine()}.",
        "",
        "| seed | scale | people | planted | pairs compared | proposed | right | precision | recall | matcher | `vip match` | peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.seed} | {r.scale:g} | {r.people:,} | {r.planted:,} | {r.pairs:,} | {r.proposed:,} | {r.right:,} | "
            f"{r.precision:.3f} | {r.recall:.3f} | {r.matcher_seconds:.1f} s | {r.match.seconds:.1f} s | "
            f"{r.match.peak_rss_mb:.0f} MB |"
        )
    met = main_run.precision >= 0.98 and main_run.recall >= 0.9
    lines += [
        "",
        f"Targets on the default city (scale {main_run.scale:g}): precision at least 0.98, recall at least 0.9:"
        f" **precision {main_run.precision:.3f}, recall {main_run.recall:.3f}, {'met' if met else 'NOT MET'}**.",
        "",
        f"Recall by variation (scale {main_run.scale:g}; a record may carry a name and a birth-date variation):",
        "",
        "| variation | planted | found |",
        "|---|---:|---:|",
    ]
    for kind, n in sorted(main_run.planted_by_kind.items()):
        lines.append(f"| {kind} | {n} | {main_run.found_by_kind[kind]} |")
    lines += [
        "",
        "What is missed is mostly a second record with no birth date and nothing else in common",
        "(no phone, no address): the same common name alone is not enough to propose. Larger",
        "cities draw from the same short name lists, so chance look-alikes (the same name, birth",
        "dates one digit apart) grow with the square of the city and precision falls there; the",
        "common-name weight offsets part of it.",
    ]
    write_section("matching", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

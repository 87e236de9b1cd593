"""A city's law-enforcement data for the identification benchmark, written as an interchange bundle.

``generate(folder, Size(...), as_of=D)`` writes people.csv, incidents.csv, involvements.csv and
outcomes.csv (interchange format v1) with numpy, vectorised, deterministic for a seed. Structure:

- incidents spread over ``years`` before the as-of date D (a few after D, which never count,
  and a share on the dates where the criteria's windows begin and end: D-364, D-179, D-89, D
  and the day before each window);
- about 7% shootings and homicides, the rest assaults, robberies, shots fired and other;
- most involvements fall on a minority of repeat people organised in groups (an incident of a
  group draws its people from the group and, now and then, from a rival group), so the
  co-involvement network has real one- and two-step neighbourhoods; the other involvements
  fall on the general population, skewed so that some of them repeat too;
- roles mixed (victim, suspect, arrestee, witness, associate; some suspects are also recorded
  as arrestees of the same incident), and a few big incidents of 10 to 25 people;
- outcomes: some ``killed`` (homicide victims on the incident's date; some on D itself, some
  after D, which does not make them dead yet as of D) and other outcome types.

Some incidents' times may be written in UTC with an offset (``utc_share``; the small city's).

Run as a script to write a bundle: ``python bench/identify_data.py FOLDER [--people N ...]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

AREAS = ("foothills", "northeast", "northwest", "southeast", "southwest", "valley")
FIRST = [
    "James",
    "Maria",
    "Jose",
    "Michael",
    "David",
    "Daniel",
    "Carlos",
    "Juan",
    "Robert",
    "John",
    "Anthony",
    "Christopher",
    "Luis",
    "Joshua",
    "Andrew",
    "Jessica",
    "Ashley",
    "Jennifer",
    "Sarah",
    "Angela",
    "Vanessa",
    "Isaiah",
    "Adrian",
    "Marcus",
    "Elena",
    "Rosa",
    "Diego",
    "Gabriel",
    "Tyler",
    "Jordan",
    "Brandon",
    "Kevin",
    "Jacob",
    "Ethan",
    "Miguel",
    "Antonio",
    "Francisco",
    "Victor",
    "Manuel",
    "Samantha",
    "Brittany",
    "Destiny",
    "Alyssa",
    "Nicole",
]
LAST = [
    "Garcia",
    "Martinez",
    "Sanchez",
    "Lopez",
    "Chavez",
    "Romero",
    "Gonzales",
    "Baca",
    "Lucero",
    "Trujillo",
    "Apodaca",
    "Montoya",
    "Gallegos",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Begay",
    "Yazzie",
    "Benally",
    "Tsosie",
    "Nez",
    "Etsitty",
    "Armijo",
    "Padilla",
    "Vigil",
    "Herrera",
    "Archuleta",
    "Maestas",
    "Salazar",
    "Ortiz",
]
SEXES = np.array(["male", "female", "other", ""])
RACES = np.array(["american_indian", "asian", "black", "pacific_islander", "white", "multiple", "other", ""])
TYPES = np.array(["shooting", "homicide", "shots_fired", "aggravated_assault", "robbery", "other"])
TYPE_P = np.array([0.055, 0.012, 0.10, 0.30, 0.20, 0.333])
ROLES = np.array(["victim", "suspect", "arrestee", "witness", "associate"])
EPOCH = np.datetime64("1970-01-01", "D")
# The bundle's version: bump it whenever a change here changes the files written (the benchmark
# caches bundles and databases by it).
VERSION = 2


@dataclass(frozen=True)
class Size:
    people: int = 1_500_000
    incidents: int = 2_000_000
    involvements: int = 5_100_000  # the target; the bundle holds a little more or less after de-duplication
    years: float = 10.0
    seed: int = 2026
    # The share of incidents whose time is written in UTC with an offset (their local date may be
    # the day before); the others are local times without offset, or dates.
    utc_share: float = 0.0


def _keys(prefix: str, n: int, width: int) -> np.ndarray:
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add(prefix, numbers)


def _dates(days: np.ndarray) -> np.ndarray:
    return (EPOCH + days.astype("timedelta64[D]")).astype(str)


def _write(path: Path, columns: dict[str, np.ndarray]) -> int:
    table = pa.table({name: pa.array(values) for name, values in columns.items()})
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))
    return int(table.num_rows)


def generate(folder: Path, size: Size, as_of: dt.date) -> dict[str, int]:
    """Write the bundle into ``folder`` (created); return the rows of each file."""
    rng = np.random.default_rng(size.seed)
    folder.mkdir(parents=True, exist_ok=True)
    d = int((np.datetime64(as_of.isoformat(), "D") - EPOCH).astype(int))
    span = int(size.years * 365)
    n_people, n_incidents = size.people, size.incidents

    # ---- people: repeat people in groups first, then the general population ----
    n_repeat = max(20, n_people // 10)
    group_sizes = rng.integers(4, 31, size=n_repeat // 10 + 1)
    group_starts = np.concatenate(([0], np.cumsum(group_sizes)[:-1]))
    keep = group_starts < n_repeat
    group_sizes, group_starts = group_sizes[keep], group_starts[keep]
    group_sizes = np.minimum(group_sizes, n_repeat - group_starts)
    n_groups = len(group_sizes)

    # ---- incidents ----
    days = d - rng.integers(0, span, size=n_incidents)
    after = rng.random(n_incidents) < 0.005  # reported after the as-of date: never count
    days[after] = d + rng.integers(1, 31, size=int(after.sum()))
    edges = rng.random(n_incidents) < 0.01  # on the first and last days of the windows, and just outside
    boundary = np.array([d - 365, d - 364, d - 180, d - 179, d - 90, d - 89, d, d + 1])
    days[edges] = rng.choice(boundary, size=int(edges.sum()))
    types = rng.choice(len(TYPES), size=n_incidents, p=TYPE_P)
    violent = types <= 1  # shooting, homicide

    # people per incident: mostly 1 to 4, some 5 to 9, a few big ones (10 to 25)
    counts = rng.choice([1, 2, 3, 4, 5, 6, 7, 8], size=n_incidents, p=[0.2, 0.3, 0.23, 0.13, 0.07, 0.04, 0.02, 0.01])
    big = rng.random(n_incidents) < 0.001
    counts[big] = rng.integers(10, 26, size=int(big.sum()))
    # scale to the wanted involvements (the de-duplication below removes a few percent)
    factor = size.involvements * 1.03 / counts.sum()
    if factor > 1:
        counts = counts + (rng.random(n_incidents) < factor - 1)
    incident_of = np.repeat(np.arange(n_incidents), counts)
    n_rows = len(incident_of)

    # who: group incidents (60%) draw from their group, sometimes (15%) from a rival group nearby;
    # the others from the general population, skewed (u^3) so that some people repeat
    grouped = rng.random(n_incidents) < 0.6
    group_of = rng.integers(0, n_groups, size=n_incidents)
    row_group = group_of[incident_of]
    rival = rng.random(n_rows) < 0.15
    row_group = np.where(rival, (row_group + rng.integers(1, 4, size=n_rows)) % n_groups, row_group)
    in_group = group_starts[row_group] + (rng.random(n_rows) * group_sizes[row_group]).astype(np.int64)
    general = n_repeat + (rng.random(n_rows) ** 3 * (n_people - n_repeat)).astype(np.int64)
    person_of = np.where(grouped[incident_of], in_group, general)

    # roles: the first person of a violent incident is its victim; the rest mixed
    first = np.ones(n_rows, dtype=bool)
    first[1:] = incident_of[1:] != incident_of[:-1]
    role_of = rng.choice(len(ROLES), size=n_rows, p=[0.3, 0.22, 0.1, 0.2, 0.18])
    role_of[first & violent[incident_of]] = 0

    # one person once per incident (with one role), then some suspects also recorded as arrestees
    pair = incident_of.astype(np.int64) * n_people + person_of
    _, unique_rows = np.unique(pair, return_index=True)
    unique_rows.sort()
    incident_of, person_of, role_of = incident_of[unique_rows], person_of[unique_rows], role_of[unique_rows]
    also = (role_of == 1) & (rng.random(len(role_of)) < 0.1)
    incident_of = np.concatenate((incident_of, incident_of[also]))
    person_of = np.concatenate((person_of, person_of[also]))
    role_of = np.concatenate((role_of, np.full(int(also.sum()), 2)))

    person_keys = _keys("P", n_people, 7)
    incident_keys = _keys("I", n_incidents, 8)
    counts_out: dict[str, int] = {}

    # ---- write the people ----
    dob_days = d - rng.integers(14 * 365, 70 * 365, size=n_people)
    dob = _dates(dob_days)
    dob[rng.random(n_people) < 0.25] = ""
    counts_out["people.csv"] = _write(
        folder / "people.csv",
        {
            "person_key": person_keys,
            "first_name": np.array(FIRST)[rng.integers(0, len(FIRST), size=n_people)],
            "last_name": np.array(LAST)[rng.integers(0, len(LAST), size=n_people)],
            "date_of_birth": dob,
            "sex": SEXES[rng.choice(4, size=n_people, p=[0.6, 0.35, 0.01, 0.04])],
            "race": RACES[rng.integers(0, len(RACES), size=n_people)],
            "area": np.array([*AREAS, ""])[rng.integers(0, len(AREAS) + 1, size=n_people)],
        },
    )

    # ---- incidents: a local time of day for most (no offset: the program's time zone), a date for some ----
    dates = _dates(days)
    minutes = rng.integers(0, 24 * 60, size=n_incidents)
    # 02:00-02:59 does not exist on the day daylight saving starts: none in that hour
    minutes[(minutes >= 120) & (minutes < 180)] += 60
    clock = np.char.add(
        np.char.add("T", np.char.zfill((minutes // 60).astype(str), 2)),
        np.char.add(np.char.add(":", np.char.zfill((minutes % 60).astype(str), 2)), ":00"),
    )
    timed = rng.random(n_incidents) < 0.7
    occurred_at = np.where(timed, np.char.add(dates, clock), dates).astype("<U25")
    if size.utc_share > 0:
        utc = timed & (rng.random(n_incidents) < size.utc_share)
        occurred_at[utc] = np.char.add(occurred_at[utc], "+00:00")
    counts_out["incidents.csv"] = _write(
        folder / "incidents.csv",
        {
            "incident_key": incident_keys,
            "occurred_at": occurred_at,
            "type": TYPES[types],
            "area": np.array([*AREAS, ""])[rng.integers(0, len(AREAS) + 1, size=n_incidents)],
        },
    )
    counts_out["involvements.csv"] = _write(
        folder / "involvements.csv",
        {"incident_key": incident_keys[incident_of], "person_key": person_keys[person_of], "role": ROLES[role_of]},
    )

    # ---- outcomes: homicide victims killed on the day (some after D); a few killed on D; other types ----
    homicide_victims = (role_of == 0) & (types[incident_of] == 1)
    killed_person = person_of[homicide_victims]
    killed_day = days[incident_of[homicide_victims]]
    recent = np.flatnonzero(days[incident_of] > d - 120)
    on_d = rng.choice(recent, size=min(len(recent), max(3, n_incidents // 20_000)), replace=False)
    later = rng.choice(recent, size=min(len(recent), max(3, n_incidents // 20_000)), replace=False)
    killed_person = np.concatenate((killed_person, person_of[on_d], person_of[later]))
    killed_day = np.concatenate((killed_day, np.full(len(on_d), d), d + rng.integers(1, 60, size=len(later))))
    n_other = max(10, n_people // 50)
    other_person = rng.integers(0, n_people, size=n_other)
    other_day = d - rng.integers(0, span, size=n_other)
    other_type = np.array(["arrest_violent", "arrest_firearm", "arrest_other", "shot"])[rng.integers(0, 4, n_other)]
    outcome_person = np.concatenate((killed_person, other_person))
    outcome_day = np.concatenate((killed_day, other_day))
    outcome_type = np.concatenate((np.full(len(killed_person), "killed"), other_type))
    counts_out["outcomes.csv"] = _write(
        folder / "outcomes.csv",
        {
            "outcome_key": _keys("O", len(outcome_person), 8),
            "person_key": person_keys[outcome_person],
            "occurred_on": _dates(outcome_day),
            "type": outcome_type,
        },
    )
    return counts_out


def parameters(size: Size, as_of: dt.date) -> dict[str, object]:
    return {**asdict(size), "as_of": as_of.isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--people", type=int, default=Size.people)
    parser.add_argument("--incidents", type=int, default=Size.incidents)
    parser.add_argument("--involvements", type=int, default=Size.involvements)
    parser.add_argument("--years", type=float, default=Size.years)
    parser.add_argument("--seed", type=int, default=Size.seed)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 28))
    args = parser.parse_args()
    start = time.perf_counter()
    size = Size(args.people, args.incidents, args.involvements, args.years, args.seed)
    counts = generate(args.folder, size, args.as_of)
    print(f"{counts} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

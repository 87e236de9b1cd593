"""A deterministic synthetic city for demos, tests and benchmarks.

:func:`generate_bundle` writes an interchange bundle (``people.csv``,
``referrals.csv``, ``incidents.csv``, ``involvements.csv``,
``notifications.csv``, ``service_referrals.csv``, ``outcomes.csv``; see
``interchange-v1.md``) describing a Violence Intervention Program from its start
(2020-03-01 by default) to an end date. Nothing depends on anything but the
arguments: one ``random.Random(seed)`` drives everything (and a second one, seeded from the
same ``seed``, the planted duplicates), so the same arguments give byte-identical files.

The model, simulated one day at a time:

* **Groups.** The city's violence is concentrated in small groups (crews,
  cliques) of mostly young men, each rooted in an area command and at odds with
  one to three rival groups. Groups form, recruit younger members, lose members
  (killed, sent to prison, drifting away) and dissolve after a few years. Only
  the groups alive now are kept in memory; their number is proportional to
  ``scale``, which is what keeps memory flat however long the run.
* **Incidents.** Every day a Poisson number of incidents happens: most between
  rival groups (members of one group are suspects, members of the other
  victims; associates and witnesses around them), some between strangers or
  inside families (one-off people who appear once). A shooting or homicide
  often provokes **retaliation**: days or weeks later the victims' group
  appears as suspects against the aggressors. Violence follows the seasons
  (summer peak), a per-month random factor and the city's yearly trend (rising
  to 2022, easing since). Victims of shootings are recorded as ``shot``,
  homicide victims as ``killed``; some suspects are arrested at once or within
  weeks (role ``arrestee`` and an ``arrest_*`` outcome with the case number).
  Background arrests (warrants, drugs, felon in possession) add outcomes that
  are not tied to an incident in the data.
* **Identification.** The weekly shooting review (Tuesdays) refers victims,
  suspects and associates of last week's shootings and some of the victims'
  group mates at risk of retaliation; crime analysis (Thursdays) refers people
  with repeated involvements in the last year; hospitals refer gunshot patients;
  schools, community partners, families, people themselves and others refer
  group members or new people. The program ramps up through 2020 and grows a
  little every year after.
* **Custom notifications.** Most referred people are visited a few days later.
  Attempts fail (not found, wrong address, refused, in custody, hospitalized,
  other) until one is delivered or the team gives up; a person in jail or in
  hospital is found there. People referred again long after a notification
  are sometimes notified again, and a few get a follow-up visit without a new
  referral.
* **Services.** After delivery, most people get a needs assessment and one to
  four service referrals. Each category has its own chance and speed of
  connection (basic needs and documents fast and likely; housing and employment
  slow; behavioral health and substance use less likely) and its own completion
  rate; some people get a second round of referrals months later. Statuses are
  as of the end date: a referral still ``referred`` is always recent.
* **Planted duplicates.** About 2.5% of the people the police meet also appear as a
  second person record from another source (``APD0000001``, ``MRN0000001``), spelled
  differently and carrying some of their involvements, for the person matcher
  (``vip match``) to find; see ``_Duplicates``. Which record duplicates which is written
  to ``duplicates_file`` only, never into the bundle. They draw from their own random
  stream: the rest of the city, and every report figure, is the same as without them.
* **Field records.** Given ``field_work`` (the profile's incentive milestones), the city's
  mediations, safety plans, incentives, groups and call-ins and hospital details are written too,
  as format 2's optional files, from a random stream of their own (``vip.demo.field_work``): the
  version 1 files are the same with them or without.
* **Effect.** Notified people are less active in later violence, engaged ones
  less still (the effect fades after a year and a half), so the data shows a
  plausible, modest program effect: some 10-20% of notified people are shot,
  killed or arrested for violence within a year of their notification.

Rows are written as they happen (a person the first time they appear in any
other file; a service referral when its story is over, or at the end date) and
only a sliding window of state is kept: the live groups, a bounded pool of
recently seen outsiders per area, and the pending events of the coming weeks
and months. Memory therefore grows with the size of the city (``scale``), not
with the number of rows or days written: ``scale=50`` writes some 1.35 million
rows in about 35 MB.

Every value is in the canonical form the exporter writes: ``YYYY-MM-DD`` dates,
``isoformat(timespec="seconds")`` date-times in the program's time zone (local
times that do not exist or exist twice on a clock-change day are never used, nor
02:00-02:59 on any day), ``yes``/``no`` booleans, team roles in the fixed order
``peer_support;police;community_leader;other``, keys ``P000001``, ``R000001``,
``N000001``, ``S000001``, ``O000001`` and police case numbers ``YY-NNNNNN``.
"""

from __future__ import annotations

import csv
import math
import random
import unicodedata
from bisect import bisect
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from vip.demo import names
from vip.demo.field_work import FIELD_FILES, FieldWork, KnownGroup

FILES: dict[str, tuple[str, ...]] = {
    "people.csv": (
        "person_key",
        "first_name",
        "last_name",
        "middle_name",
        "date_of_birth",
        "sex",
        "race",
        "ethnicity",
        "address",
        "city",
        "state",
        "postal_code",
        "area",
        "phone",
    ),
    "referrals.csv": ("referral_key", "person_key", "received_on", "source", "referred_by", "area", "reason"),
    "incidents.csv": ("incident_key", "occurred_at", "type", "area", "address"),
    "involvements.csv": ("incident_key", "person_key", "role"),
    "notifications.csv": (
        "attempt_key",
        "person_key",
        "referral_key",
        "attempted_at",
        "outcome",
        "team",
        "area",
        "legal_risk_explained",
        "offer_of_help",
        "letter_given",
        "notes",
    ),
    "service_referrals.csv": (
        "service_referral_key",
        "person_key",
        "category",
        "provider",
        "referred_on",
        "status",
        "connected_on",
        "closed_on",
    ),
    "outcomes.csv": ("outcome_key", "person_key", "occurred_on", "type", "source_ref", "notes"),
}

_T = TypeVar("_T")
_NEVER = 1 << 30  # a day index later than any end date

# Violence by calendar year, relative to 2020 (Albuquerque's violence peaked in 2021-2022).
_ERA = {2019: 0.95, 2020: 1.0, 2021: 1.1, 2022: 1.15, 2023: 1.1, 2024: 1.05, 2025: 1.02}

# Incident types: between groups, and between strangers or family members.
_GROUP_TYPES = (
    ("shooting", 30),
    ("shots_fired", 22),
    ("aggravated_assault", 24),
    ("homicide", 5),
    ("robbery", 10),
    ("other", 9),
)
_RETALIATION_TYPES = (("shooting", 52), ("shots_fired", 24), ("aggravated_assault", 14), ("homicide", 10))
_SINGLE_TYPES = (
    ("aggravated_assault", 44),
    ("robbery", 24),
    ("other", 16),
    ("shooting", 10),
    ("shots_fired", 4),
    ("homicide", 2),
)

# Per type: chance that suspects are known, chance that a known suspect is arrested, arrest outcome type.
_SUSPECT = {
    "homicide": (0.72, 0.55, "arrest_violent"),
    "shooting": (0.5, 0.33, "arrest_firearm"),
    "shots_fired": (0.35, 0.22, "arrest_firearm"),
    "aggravated_assault": (0.8, 0.5, "arrest_violent"),
    "robbery": (0.6, 0.35, "arrest_violent"),
    "other": (0.7, 0.45, "arrest_other"),
}
_REVIEWED = ("shooting", "homicide", "shots_fired")
_LABEL = {
    "shooting": "shooting",
    "homicide": "homicide",
    "shots_fired": "shots fired",
    "aggravated_assault": "aggravated assault",
    "robbery": "robbery",
    "other": "incident",
}

# Incident hour of day (night-heavy; never 02:00-02:59, which does not exist once a year).
_INCIDENT_HOURS = (6, 5, 0, 3, 2, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 9, 9, 8)
# Notification attempts: daytime and evening, some late at night.
_ATTEMPT_HOURS = (2, 0, 0, 0, 0, 0, 0, 0, 1, 6, 9, 10, 8, 9, 10, 10, 10, 9, 8, 6, 4, 3, 2, 2)

_FAILURES = (
    ("not_found", 50),
    ("wrong_address", 21),
    ("refused", 15),
    ("in_custody", 3),
    ("hospitalized", 1),
    ("other", 5),
)
# After a failed attempt: chance that the team tries again.
_RETRY = {
    "not_found": 0.82,
    "wrong_address": 0.55,
    "refused": 0.35,
    "in_custody": 0.5,
    "hospitalized": 0.85,
    "other": 0.85,
}

# Per referral source: chance the program acts on a referral (starts notification attempts), and the
# delay to the first attempt in days (minimum, mean).
_ACT = {
    "shooting_review": (0.9, 1, 6),
    "law_enforcement_data": (0.86, 2, 12),
    "hospital": (0.88, 1, 3),
    "school": (0.8, 2, 10),
    "community": (0.85, 2, 9),
    "self_or_family": (0.92, 1, 5),
    "other": (0.75, 3, 14),
}
# Daily rates of referrals that do not come from incident data, at scale 1 and full capacity.
_WALK_IN = (("school", 0.028), ("community", 0.04), ("self_or_family", 0.032), ("other", 0.03))

# Service model per category: weight, P(connect), connect delay (min, mean, max) in days,
# P(complete | connected), completion time (min, mean) in days.
_SERVICE = {
    "basic_needs": (16, 0.88, (0, 4, 21), 0.78, (7, 25)),
    "benefits_documents": (12, 0.82, (2, 10, 45), 0.72, (14, 45)),
    "employment": (14, 0.5, (7, 28, 90), 0.42, (30, 120)),
    "housing": (11, 0.42, (14, 40, 100), 0.45, (45, 150)),
    "behavioral_health": (9, 0.4, (5, 18, 70), 0.35, (60, 180)),
    "substance_use": (5, 0.34, (5, 16, 70), 0.35, (45, 150)),
    "education": (8, 0.55, (7, 30, 90), 0.45, (60, 200)),
    "conflict_mediation": (6, 0.72, (1, 6, 30), 0.8, (7, 30)),
    "relocation": (4, 0.55, (2, 12, 45), 0.7, (14, 60)),
    "legal": (6, 0.66, (3, 14, 60), 0.6, (30, 120)),
    "financial_literacy": (3, 0.55, (7, 20, 60), 0.6, (30, 90)),
    "medical": (4, 0.66, (2, 10, 45), 0.6, (14, 90)),
    "family_support": (3, 0.6, (5, 16, 60), 0.5, (30, 120)),
    "other": (2, 0.6, (3, 14, 60), 0.5, (30, 90)),
}
_SERVICE_DEFAULT = (4, 0.6, (3, 14, 60), 0.5, (30, 90))

# Team roles: (peer_support, police, community_leader, other) chances.
_TEAM = (0.975, 0.78, 0.3, 0.04)
_TEAM_ROLES = ("peer_support", "police", "community_leader", "other")


# Rows written per unit of scale per day, measured on the default city (27,430 rows
# at scale 1 from 2020-03-01 to 2026-11-28); only used to size progress bars.
_ROWS_PER_SCALE_DAY = 27430 / 2464


def estimated_rows(scale: float, start: date, end: date) -> int:
    """Roughly how many rows ``generate_bundle`` will write (for a progress bar's length)."""
    return max(1, round(_ROWS_PER_SCALE_DAY * scale * max((end - start).days, 1)))


def generate_bundle(
    out_dir: Path,
    *,
    seed: int = 2020,
    scale: float = 1.0,
    start: date = date(2020, 3, 1),
    end: date,
    areas: Sequence[str],
    service_categories: Sequence[str],
    time_zone: str = "America/Denver",
    progress: Callable[[int], None] | None = None,
    duplicates_file: Path | None = None,
    effect: bool = True,
    field_work: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Write a synthetic program's interchange bundle into ``out_dir``; return rows written per file.

    ``end`` is the inclusive last day of data; ``scale`` multiplies volumes (1.0 is a city of
    roughly 3,000 people over 2020-2026); ``progress`` is called now and then with the number of
    rows written since its previous call. ``duplicates_file``, if given (outside ``out_dir``:
    it is not part of the bundle), receives the ground truth of the planted duplicates, one row
    per second record: ``duplicate_key,person_key,variations`` (see ``_Duplicates``).
    ``effect=False`` writes the same city without the program's effect (see "Effect" above): the
    evaluation's check that what it finds is the planted effect, not how people were chosen.
    ``field_work``, the profile's incentive milestones (code to amount in cents), also writes the
    field records of interchange format 2 (``vip.demo.field_work``); without it, only version 1's
    files. Either way the version 1 files are the same.
    """
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as files:
        truth = None
        if duplicates_file is not None:
            truth = csv.writer(files.enter_context(Path(duplicates_file).open("w", encoding="utf-8", newline="")))
            truth.writerow(("duplicate_key", "person_key", "variations"))
        writers = {}
        for file_name, header in FILES.items():
            handle = files.enter_context((out_dir / file_name).open("w", encoding="utf-8", newline=""))
            writer = csv.writer(handle)
            writer.writerow(header)
            writers[file_name] = writer
        if field_work is not None:
            for file_name, header in FIELD_FILES.items():
                handle = files.enter_context((out_dir / file_name).open("w", encoding="utf-8", newline=""))
                writer = csv.writer(handle)
                writer.writerow(header)
                writers[file_name] = writer
        city = _City(
            writers,
            seed=seed,
            scale=scale,
            start=start,
            end=end,
            areas=list(areas),
            service_categories=list(service_categories),
            time_zone=time_zone,
            progress=progress,
            effect=effect,
        )
        city.duplicates.truth = truth
        if field_work is not None:
            city.field = FieldWork(city, writers, seed, field_work)
        city.run()
    counts = dict(city.counts)
    if city.field is not None:
        counts.update(city.field.counts)
    return counts


class _Person:
    __slots__ = (
        "activity",
        "alt",
        "area",
        "busy",
        "dead",
        "died",
        "dob",
        "flagged",
        "group",
        "hosp_to",
        "in_from",
        "in_to",
        "injured",
        "joined",
        "key",
        "last_inv",
        "last_notified",
        "last_ref",
        "male",
        "plan",
        "prev_inv",
        "reached",
    )

    def __init__(self, area: str, dob: int | None, male: bool, group: _Group | None) -> None:
        self.key = ""  # assigned when the person is first written
        self.alt: tuple[str, ...] | str | None = None  # a planted second record: its row to come, then its key
        self.area = area
        self.dob = dob  # ordinal of the date of birth, None = unknown
        self.male = male
        self.group = group
        self.dead = False
        self.died = _NEVER  # day of death
        self.busy = False  # a notification cycle is in progress
        self.activity = 1.0  # how likely the person takes part in group violence (falls with the program)
        self.in_from = self.in_to = -1  # in custody on days [in_from, in_to)
        self.hosp_to = -1  # in hospital until this day (exclusive)
        self.prev_inv = self.last_inv = -_NEVER  # days of the two latest involvements
        self.last_ref = -_NEVER  # day of the latest referral
        self.last_notified = -_NEVER  # day of the latest delivered notification
        self.flagged = -_NEVER  # day last listed as a crime-analysis candidate
        # Read and written by the field records only (vip.demo.field_work):
        self.joined = 0  # day the person joined their group
        self.injured = -1  # day of the latest gunshot wound
        self.plan = 0  # latest safety plan version
        self.reached = 0  # milestones reached (field_work.MILESTONE_BITS)


class _Duplicates:
    """Planted duplicates: a few people the police meet also exist as a second person record.

    A share (``SHARE``) of the people written are picked; those who are involved in an incident
    after their first appearance (about half of them: some 2.5% of the city) get a second record
    from another source (a police record number ``APD0000001`` or a hospital record number
    ``MRN0000001``), written when that involvement is recorded under it; from then on some of
    their involvements (``MOVED``) name the second record, so that confirming the link moves
    records, while their first appearance always names their own record.
    The second record spells the person differently: exactly as written, accents dropped and
    upper case, a common nickname, one typo, first and last name swapped, or a second last name
    added (or dropped); its birth date is the same, or has two digits or day and month swapped,
    one digit wrong, or is missing; the middle name, address and phone are kept or not.

    Everything here draws from its own random stream (seeded from ``seed``), so the rest of the
    city is byte-identical to a city without duplicates; only involvements move, so no report
    figure changes. The ground truth is written to the ``duplicates_file`` given to
    ``generate_bundle`` (never into the bundle).
    """

    SHARE = 0.05
    MOVED = 0.4
    NAME_CHANGES = (
        ("as_written", 16),
        ("folded", 22),
        ("nickname", 20),
        ("typo", 18),
        ("swapped", 10),
        ("compound", 14),
    )
    DATE_CHANGES = (("same", 58), ("digits_swapped", 12), ("day_month_swapped", 8), ("one_digit", 12), ("missing", 10))
    NICKS = {
        "Robert": ("Bobby", "Rob"),
        "William": ("Bill", "Will"),
        "Richard": ("Rick",),
        "James": ("Jimmy", "Jim"),
        "John": ("Johnny",),
        "Joseph": ("Joe",),
        "Michael": ("Mike",),
        "Christopher": ("Chris",),
        "Anthony": ("Tony",),
        "Daniel": ("Danny",),
        "David": ("Dave",),
        "Thomas": ("Tommy",),
        "Matthew": ("Matt",),
        "Joshua": ("Josh",),
        "Andrew": ("Andy",),
        "Nicholas": ("Nick",),
        "Jonathan": ("Jon",),
        "Benjamin": ("Ben",),
        "Samuel": ("Sam",),
        "Alexander": ("Alex",),
        "Zachary": ("Zach",),
        "Jessica": ("Jess",),
        "Jennifer": ("Jenny",),
        "Samantha": ("Sam",),
        "Elizabeth": ("Liz", "Beth"),
        "Stephanie": ("Steph",),
        "Amanda": ("Mandy",),
        "José": ("Pepe", "Chepe"),
        "Jose": ("Pepe",),
        "Francisco": ("Paco", "Pancho"),
        "Jesús": ("Chuy",),
        "Jesus": ("Chuy",),
        "Guillermo": ("Memo",),
        "Alejandro": ("Alex",),
        "Eduardo": ("Lalo",),
        "Roberto": ("Beto",),
        "Ignacio": ("Nacho",),
        "Enrique": ("Kike",),
        "Manuel": ("Manny",),
        "Rafael": ("Rafa",),
        "Ricardo": ("Ricky",),
        "Antonio": ("Tony",),
        "Fernando": ("Nando",),
        "Guadalupe": ("Lupe",),
        "María": ("Mari",),
        "Isabel": ("Chabela",),
        "Alejandra": ("Ale",),
        "Gabriela": ("Gaby",),
        "Daniela": ("Dani",),
    }

    def __init__(self, seed: int, city: _City, truth: Any) -> None:
        self.rng = random.Random(f"{seed}:planted-duplicates")
        self.city = city
        self.truth = truth
        self.n = 0
        self.names = _cumulative(self.NAME_CHANGES)
        self.dates = _cumulative(self.DATE_CHANGES)

    def consider(self, person: _Person, row: tuple[str, ...]) -> None:
        if self.rng.random() < self.SHARE:
            person.alt = row

    def key_for(self, person: _Person, key: str) -> str:
        if isinstance(person.alt, tuple):
            person.alt = self.write(person.alt)
            return person.alt
        return person.alt if person.alt and self.rng.random() < self.MOVED else key

    def pick(self, table: tuple[tuple[str, ...], list[float]]) -> str:
        items, cum = table
        return items[bisect(cum, self.rng.random() * cum[-1])]

    def write(self, row: tuple[str, ...]) -> str:
        rng = self.rng
        key, first, last, middle, dob, sex, race, ethnicity, address, city, state, postal, area, phone = row
        self.n += 1
        alt_key = f"{'APD' if rng.random() < 0.6 else 'MRN'}{self.n:07d}"
        change = self.pick(self.names)
        if change == "nickname" and first not in self.NICKS:
            change = "typo"
        if change == "folded":
            first, last = _plain(first).upper(), _plain(last).upper()
        elif change == "nickname":
            first = self.one(self.NICKS[first])
        elif change == "typo":
            if rng.random() < 0.5:
                first = self.typo(first)
            else:
                last = self.typo(last)
        elif change == "swapped":
            first, last = last, first
        elif change == "compound":
            if "-" in last:
                last = last.split("-")[0 if rng.random() < 0.5 else 1]
            else:
                last = f"{last}-{self.one(names.SPANISH_SURNAMES)}"
        slip = "same"
        if dob and (change in ("as_written", "folded") or rng.random() < 0.7):
            slip = self.pick(self.dates)
            dob, slip = self.slip(dob, slip)
        if middle and rng.random() < 0.5:
            middle = ""
        if rng.random() < 0.5:
            address, city, state, postal = self.city.address(area, rng) if area else ("", "", "", "")
        if rng.random() < 0.5:
            phone = "" if rng.random() < 0.5 else f"505-555-01{rng.randrange(100):02d}"
        self.city.w_people(
            (alt_key, first, last, middle, dob, sex, race, ethnicity, address, city, state, postal, area, phone)
        )
        self.city.counts["people.csv"] += 1
        if self.truth is not None:
            self.truth.writerow((alt_key, key, f"{change};birth_date_{slip}"))
        return alt_key

    def one(self, items: Sequence[_T]) -> _T:
        return items[int(self.rng.random() * len(items))]

    def typo(self, name: str) -> str:
        """One letter wrong, missing, doubled, or two neighbours swapped (never the first letter)."""
        if len(name) < 4:
            return name + name[-1]
        rng = self.rng
        i = rng.randrange(1, len(name) - 1)
        kind = rng.random()
        if kind < 0.3:
            return (
                name[:i] + name[i + 1] + name[i] + name[i + 2 :] if name[i] != name[i + 1] else name[:i] + name[i + 1 :]
            )
        if kind < 0.55:
            return name[:i] + name[i + 1 :]
        if kind < 0.75:
            return name[:i] + name[i] + name[i:]
        letter = self.one("aeiourlnst".replace(name[i].lower(), ""))
        return name[:i] + letter + name[i + 1 :]

    def slip(self, dob: str, slip: str) -> tuple[str, str]:
        """The birth date as the other source wrote it (a real date, different from ``dob``)."""
        rng = self.rng
        if slip == "missing":
            return "", slip
        born = date.fromisoformat(dob)
        if slip == "day_month_swapped":
            if born.day <= 12 and born.day != born.month:
                return date(born.year, born.day, born.month).isoformat(), slip
            slip = "one_digit"
        digits = dob.replace("-", "")
        for _ in range(20):
            if slip == "digits_swapped":
                i = rng.randrange(2, 7)
                cand = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            elif slip == "one_digit":
                i = rng.randrange(3, 8)
                cand = digits[:i] + str((int(digits[i]) + rng.choice((1, 9))) % 10) + digits[i + 1 :]
            else:
                return dob, "same"
            try:
                written = date(int(cand[:4]), int(cand[4:6]), int(cand[6:])).isoformat()
            except ValueError:
                continue
            if written != dob and written < self.city.ds[0]:
                return written, slip
        return dob, "same"


def _plain(text: str) -> str:
    """``"José"`` -> ``"Jose"``: accents dropped, as systems without them write names."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _Group:
    __slots__ = ("age", "area", "ends", "formed", "known", "members", "rivals")

    def __init__(self, area: str, age: float, ends: int, formed: int = 0) -> None:
        self.area = area
        self.age = age  # typical age of members when they join
        self.ends = ends  # day the group dissolves
        self.formed = formed
        self.members: list[_Person] = []
        self.rivals: list[_Group] = []
        self.known: KnownGroup | None = None  # what the program knows of it (field records only)


def _cumulative(pairs: Sequence[tuple[str, float]]) -> tuple[tuple[str, ...], list[float]]:
    items = tuple(item for item, _ in pairs)
    total = 0.0
    cum = []
    for _, weight in pairs:
        total += weight
        cum.append(total)
    return items, cum


class _City:
    def __init__(
        self,
        writers: dict[str, Any],
        *,
        seed: int,
        scale: float,
        start: date,
        end: date,
        areas: list[str],
        service_categories: list[str],
        time_zone: str,
        progress: Callable[[int], None] | None,
        effect: bool = True,
    ) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.start = start
        self.n_days = (end - start).days + 1
        self.areas = areas
        self.progress = progress
        self.effect = effect  # False: the program changes nobody's part in violence (the evaluation's check)
        self.counts = dict.fromkeys(FILES, 0)
        self.duplicates = _Duplicates(seed, self, None)
        self.field: FieldWork | None = None  # the field records, when they are written
        self._reported = 0
        self.w_people = writers["people.csv"].writerow
        self.w_referrals = writers["referrals.csv"].writerow
        self.w_incidents = writers["incidents.csv"].writerow
        self.w_involvements = writers["involvements.csv"].writerow
        self.w_notifications = writers["notifications.csv"].writerow
        self.w_services = writers["service_referrals.csv"].writerow
        self.w_outcomes = writers["outcomes.csv"].writerow

        # Calendar of the run: date strings and each day's UTC offset ("" on a day the clocks change).
        zone = self.zone = ZoneInfo(time_zone)
        self.ds: list[str] = []
        self.offsets: list[str] = []
        day = start
        for _ in range(self.n_days):
            self.ds.append(day.isoformat())
            first = datetime.combine(day, time(0), zone).isoformat()[19:]
            last = datetime.combine(day, time(23, 59), zone).isoformat()[19:]
            self.offsets.append(first if first == last else "")
            day += timedelta(days=1)
        self.weekday0 = start.weekday()
        self.start_ordinal = start.toordinal()

        area_weights = [(a, names.AREA_WEIGHTS.get(a, 1 / max(1, len(areas)))) for a in areas]
        self.area_pick = _cumulative(area_weights) if areas else (("",), [1.0])
        self.group_types = _cumulative(_GROUP_TYPES)
        self.retaliation_types = _cumulative(_RETALIATION_TYPES)
        self.single_types = _cumulative(_SINGLE_TYPES)
        self.failures = _cumulative(_FAILURES)
        self.incident_hours = _cumulative([(str(h), w) for h, w in enumerate(_INCIDENT_HOURS)])
        self.attempt_hours = _cumulative([(str(h), w) for h, w in enumerate(_ATTEMPT_HOURS)])
        self.services = {c: _SERVICE.get(c, _SERVICE_DEFAULT) for c in service_categories}
        self.service_pick = _cumulative([(c, self.services[c][0]) for c in service_categories])
        self.service_counts = _cumulative([("1", 40), ("2", 33), ("3", 18), ("4", 9)])
        all_streets: list[str] = []
        all_zips: list[str] = []
        for streets, zips in names.AREA_STREETS.values():
            all_streets.extend(streets)
            all_zips.extend(zips)
        self.streets = {a: names.AREA_STREETS.get(a, (tuple(all_streets), tuple(all_zips))) for a in areas}
        self.streets[""] = (tuple(all_streets), tuple(all_zips))
        self.teams: dict[int, str] = {}
        for mask in range(16):
            roles = [role for bit, role in enumerate(_TEAM_ROLES) if mask >> bit & 1]
            self.teams[mask] = ";".join(roles)

        # State: live groups, pending events by day, weekly work lists.
        self.groups: list[_Group] = []
        self.events: dict[int, list[tuple[Any, ...]]] = {}
        self.review: list[tuple[int, str, str, list[_Person], list[_Person], list[_Person]]] = []
        self.candidates: list[_Person] = []
        self.periphery: dict[str, list[_Person]] = {}  # recent one-off people by area, a sliding window
        self.periphery_size = max(20, int(80 * scale / max(1, len(areas))))
        self.n = dict.fromkeys(("P", "R", "N", "S", "O"), 0)
        self.case_year = -1
        self.case_n = 0
        self.case_step = max(2, min(15, int(1000 / scale)))  # numbers stay within six digits up to scale ~300
        self.violence = 1.0
        self.capacity = 1.0

    # --- small helpers ----------------------------------------------------------------------

    def one(self, items: Sequence[_T]) -> _T:
        """A uniformly chosen item (``random.choice``, lighter)."""
        return items[int(self.rng.random() * len(items))]

    def pick(self, table: tuple[tuple[str, ...], list[float]]) -> str:
        items, cum = table
        return items[bisect(cum, self.rng.random() * cum[-1])]

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit = math.exp(-lam)
        k = 0
        p = self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def delay(self, low: int, mean: float, high: int) -> int:
        """A skewed waiting time in days: at least ``low``, about ``mean`` on average, at most ``high``."""
        if mean <= low:
            return low
        return min(high, low + int(self.rng.expovariate(1.0 / (mean - low))))

    def stamp(self, day: int, hours: tuple[tuple[str, ...], list[float]], rng: random.Random | None = None) -> str:
        """A local date-time on ``day`` with its offset, as ``isoformat(timespec="seconds")`` writes it."""
        rng = rng or self.rng
        items, cum = hours
        hour = int(items[bisect(cum, rng.random() * cum[-1])])
        minute = rng.randrange(60)
        offset = self.offsets[day]
        if offset:
            return f"{self.ds[day]}T{hour:02d}:{minute:02d}:00{offset}"
        # A day with a clock change: skip local times that do not exist or exist twice.
        when = self.start + timedelta(days=day)
        while True:
            naive = datetime.combine(when, time(hour, minute))
            local = naive.replace(tzinfo=self.zone)
            if hour != 2 and local.utcoffset() == naive.replace(tzinfo=self.zone, fold=1).utcoffset():
                return local.isoformat(timespec="seconds")
            hour = (hour + 1) % 24

    def schedule(self, day: int, event: tuple[Any, ...]) -> None:
        if day < self.n_days:
            self.events.setdefault(day, []).append(event)

    def next_key(self, prefix: str) -> str:
        self.n[prefix] += 1
        return f"{prefix}{self.n[prefix]:06d}"

    def case_number(self, day: int) -> str:
        """A police case number ``YY-NNNNNN``: increasing through the year, unique."""
        when = self.start + timedelta(days=day)
        if when.year != self.case_year:
            self.case_year = when.year
            self.case_n = self.rng.randint(100, 900)
        floor = when.timetuple().tm_yday * 1200
        self.case_n = max(self.case_n + self.rng.randint(1, self.case_step), floor + self.rng.randint(0, 300))
        return f"{when.year % 100:02d}-{self.case_n:06d}"

    def other_area(self, area: str) -> str:
        if len(self.areas) < 2:
            return area
        while True:
            other = self.pick(self.area_pick)
            if other != area:
                return other

    # --- people -----------------------------------------------------------------------------

    def new_person(self, day: int, area: str, age: float, male_share: float, group: _Group | None) -> _Person:
        rng = self.rng
        dob = None
        if rng.random() >= 0.03:
            dob = self.start_ordinal + day - int(age * 365.25) - rng.randrange(365)
        return _Person(area, dob, rng.random() < male_share, group)

    def ensure(self, person: _Person) -> str:
        """The person's key, writing the person's row the first time."""
        if person.key:
            return person.key
        rng = self.rng
        key = person.key = self.next_key("P")
        r = rng.random()
        native = False
        if r < 0.56:
            ethnicity = "hispanic"
            race = self.pick((("white", "", "other", "multiple", "american_indian"), [52, 72, 88, 95, 100]))
            surnames = names.SPANISH_SURNAMES if rng.random() < 0.9 else names.ENGLISH_SURNAMES
            spanish_first = rng.random() < 0.55
        elif r < 0.68:
            native = True
            ethnicity = "not_hispanic" if rng.random() < 0.85 else "hispanic"
            race = "american_indian" if rng.random() < 0.92 else "multiple"
            s = rng.random()
            surnames = names.NATIVE_SURNAMES
            if s >= 0.6:
                surnames = names.SPANISH_SURNAMES if s < 0.85 else names.ENGLISH_SURNAMES
            spanish_first = False
        elif r < 0.83:
            ethnicity, race, surnames, spanish_first = "not_hispanic", "black", names.ENGLISH_SURNAMES, False
        elif r < 0.97:
            ethnicity, race, surnames, spanish_first = "not_hispanic", "white", names.ENGLISH_SURNAMES, False
        else:
            ethnicity = "not_hispanic"
            race = self.pick((("asian", "pacific_islander", "multiple", "other"), [35, 50, 85, 100]))
            surnames, spanish_first = names.ENGLISH_SURNAMES, False
        if rng.random() < 0.04:
            ethnicity = ""
        if not native and rng.random() < 0.04:
            race = ""
        s = rng.random()
        sex = ("male" if person.male else "female") if s < 0.985 else ("" if s < 0.997 else "other")
        if person.male:
            firsts = names.SPANISH_MALE if spanish_first else names.ENGLISH_MALE
        else:
            firsts = names.SPANISH_FEMALE if spanish_first else names.ENGLISH_FEMALE
        first = self.one(firsts)
        middle = ""
        if rng.random() < 0.38:
            middle = self.one(firsts)
            if middle == first:
                middle = ""
        last = self.one(surnames)
        if ethnicity == "hispanic" and surnames is names.SPANISH_SURNAMES and rng.random() < 0.05:
            last = f"{last}-{self.one(names.SPANISH_SURNAMES)}"
        dob = "" if person.dob is None else date.fromordinal(person.dob).isoformat()
        area = person.area
        if area:
            address, city, state, postal = self.address(area)
        elif rng.random() < 0.5:
            street, city, postal = self.one(names.OUTSIDE_PLACES)
            address, state = f"{rng.randint(100, 9999)} {street}", "NM"
        else:
            address = city = state = postal = ""
        phone = f"505-555-01{rng.randrange(100):02d}" if rng.random() < 0.74 else ""
        row = (key, first, last, middle, dob, sex, race, ethnicity, address, city, state, postal, area, phone)
        self.w_people(row)
        self.counts["people.csv"] += 1
        self.duplicates.consider(person, row)
        return key

    def involved_as(self, person: _Person) -> str:
        """The key an involvement names: the person's, or now and then their planted second record's."""
        seen = bool(person.key)
        key = self.ensure(person)
        # The first appearance is always the person's own record, so that it names something.
        return self.duplicates.key_for(person, key) if seen and person.alt is not None else key

    def address(self, area: str, rng: random.Random | None = None) -> tuple[str, str, str, str]:
        rng = rng or self.rng
        streets, zips = self.streets.get(area) or self.streets[""]
        street = streets[int(rng.random() * len(streets))]
        number = rng.randint(100, 12999) if rng.random() < 0.6 else rng.randint(100, 4999)
        address = f"{number} {street}"
        if rng.random() < 0.22:
            address += f" Apt {rng.randint(1, 40) if rng.random() < 0.5 else rng.randint(100, 340)}"
        return address, "Albuquerque", "NM", zips[int(rng.random() * len(zips))]

    def age_at(self, person: _Person, day: int) -> float:
        if person.dob is None:
            return 25.0
        return (self.start_ordinal + day - person.dob) / 365.25

    # --- groups -----------------------------------------------------------------------------

    def member_age(self, group: _Group) -> float:
        return max(14.0, self.rng.gauss(group.age, 3.0))

    def recruit(self, group: _Group, day: int, age: float | None = None) -> _Person:
        rng = self.rng
        r = rng.random()
        area = group.area if r < 0.85 else (self.other_area(group.area) if r < 0.95 else "")
        person = self.new_person(day, area, age if age is not None else self.member_age(group), 0.9, group)
        person.joined = day
        group.members.append(person)
        return person

    def new_group(self, day: int, initial: bool) -> _Group:
        rng = self.rng
        area = self.pick(self.area_pick)
        age = self.one((17.5, 19.0, 20.5, 22.0, 23.5, 25.0, 27.0, 30.0, 34.0))
        life = int(rng.uniform(1.5, 5.5) * 365)
        if initial:
            life = int(rng.uniform(0.2, 1.0) * life)  # groups that exist already when the program starts
        group = _Group(area, age, day + life, day)
        for _ in range(rng.randint(5, 13)):
            self.recruit(group, day)
        live = [g for g in self.groups if g.ends > day]
        for _ in range(self.one((1, 1, 2, 2, 3))):
            if not live:
                break
            same = [g for g in live if g.area == area]
            rival = self.one(same if same and rng.random() < 0.7 else live)
            if rival not in group.rivals:
                group.rivals.append(rival)
                rival.rivals.append(group)
        self.groups.append(group)
        return group

    def maintain_groups(self, day: int) -> None:
        """Weekly: dissolve old groups, form new ones up to the city's level, recruit and lose members."""
        rng = self.rng
        if any(g.ends <= day for g in self.groups):
            if self.field is not None:
                for group in self.groups:
                    if group.ends <= day:
                        self.field.group_ended(group)
            self.groups = [g for g in self.groups if g.ends > day]
        target = max(2.0, 40 * self.scale * self.violence)
        while len(self.groups) < target:
            self.new_group(day, initial=False)
        for group in self.groups:
            group.rivals = [g for g in group.rivals if g.ends > day]
            if not group.rivals and rng.random() < 0.1:  # a new feud
                rival = self.one(self.groups)
                if rival is not group:
                    group.rivals.append(rival)
                    rival.rivals.append(group)
            members = group.members
            if members and rng.random() < 0.004 * len(members):
                gone = members.pop(rng.randrange(len(members)))  # moved away, drifted out
                if self.field is not None:
                    self.field.left(group, gone, day)
            if len(members) < 14 and rng.random() < 0.075:
                self.recruit(group, day, age=rng.uniform(15.0, 21.0))
            elif len(members) < 4 and rng.random() < 0.3:
                self.recruit(group, day)

    def choose(self, group: _Group, day: int, taken: list[_Person]) -> _Person | None:
        """A member able to take part in an incident today, fewer of the program's people."""
        members = group.members
        if not members:
            return None
        rng = self.rng
        for _ in range(6):
            person = self.one(members)
            if person.dead or person.in_from <= day < person.in_to or person in taken:
                continue
            activity = person.activity
            if activity < 1.0 and day - person.last_notified > 540:
                activity = 0.75  # the program's effect fades after a year and a half
            return person if rng.random() < activity else None
        return None

    # --- the day ------------------------------------------------------------------------------

    def run(self) -> None:
        rng = self.rng
        month_factor = 1.0
        month = -1
        for day in range(self.n_days):
            when = self.start + timedelta(days=day)
            weekday = (self.weekday0 + day) % 7
            if when.month != month:
                month = when.month
                month_factor = math.exp(rng.gauss(0.0, 0.13))
                months_in = (when.year - self.start.year) * 12 + when.month - self.start.month
                self.capacity = min(1.0, 0.3 + 0.07 * months_in) * (1 + 0.08 * max(0.0, months_in - 10) / 12)
                self.violence = _ERA.get(when.year, 0.95 if when.year < 2019 else 1.0)
            if day == 0:
                target = max(2, round(40 * self.scale * self.violence))
                for _ in range(target):
                    self.new_group(day, initial=True)
            if weekday == 0:
                self.maintain_groups(day)
            if weekday == 1:
                self.shooting_review(day)
            if weekday == 3:
                self.crime_analysis(day)
            season = 1 + 0.22 * math.cos(2 * math.pi * (when.timetuple().tm_yday - 196) / 365.25)
            level = self.scale * self.violence * season * month_factor
            for _ in range(self.poisson(0.78 * level)):
                self.group_incident(day)
            for _ in range(self.poisson(0.3 * level)):
                self.single_incident(day)
            for _ in range(self.poisson(0.22 * self.scale)):
                self.background_arrest(day)
            self.walk_in_referrals(day, weekday)
            while True:
                todo = self.events.pop(day, None)
                if not todo:
                    break
                for event in todo:
                    self.handle(day, event)
            if self.field is not None:
                self.field.day_end(day)
            if self.progress is not None:
                total = sum(self.counts.values())
                if total - self._reported >= 5000:
                    self.progress(total - self._reported)
                    self._reported = total
        if self.field is not None:
            self.field.finish()
        if self.progress is not None:
            total = sum(self.counts.values())
            if total > self._reported:
                self.progress(total - self._reported)
                self._reported = total

    def handle(self, day: int, event: tuple[Any, ...]) -> None:
        kind = event[0]
        if kind == "attempt":
            self.attempt(day, event[1], event[2], event[3])
        elif kind == "retaliation":
            _, aggressors, targets = event
            if aggressors.ends > day and targets.ends > day:
                kind = self.pick(self.retaliation_types)
                self.incident(day, kind, aggressors.area, aggressors, targets, True)
        elif kind == "referral":
            _, person, source, referred_by, reason, area = event
            self.refer(day, person, source, referred_by, reason, area)
        elif kind == "arrest":
            _, person, arrest_type, case, serious = event
            self.incident_arrest(day, person, arrest_type, case, serious)
        elif kind == "service_row":
            self.service_row(*event[1:])
        elif kind == "services":
            person = event[1]
            if not person.dead:
                self.service_referrals(day, person, event[2])

    # --- incidents ----------------------------------------------------------------------------

    def group_incident(self, day: int) -> None:
        rng = self.rng
        if not self.groups:
            return
        aggressors = self.one(self.groups)
        targets = self.one(aggressors.rivals) if aggressors.rivals and rng.random() < 0.85 else None
        area = aggressors.area
        if targets is not None and rng.random() < 0.45:
            area = targets.area
        self.incident(day, self.pick(self.group_types), area, aggressors, targets, False)

    def single_incident(self, day: int) -> None:
        rng = self.rng
        kind = self.pick(self.single_types)
        area = self.pick(self.area_pick)
        aggressors = None
        if self.groups and rng.random() < 0.3:
            aggressors = self.one(self.groups)
            area = aggressors.area
        self.incident(day, kind, area, aggressors, None, False)

    def one_off(
        self,
        day: int,
        area: str,
        male_share: float,
        age_mean: float,
        taken: list[_Person],
    ) -> _Person:
        """Someone outside the groups: often new, sometimes a neighbour who has been seen before."""
        rng = self.rng
        pool = self.periphery.setdefault(area, [])
        if len(pool) > 8 and rng.random() < 0.5:
            person = self.one(pool)
            if not person.dead and person not in taken:
                return person
        age = min(80.0, max(13.0, rng.gauss(age_mean, 9.0)))
        r = rng.random()
        home = area if r < 0.75 else (self.other_area(area) if r < 0.94 else "")
        person = self.new_person(day, home, age, male_share, None)
        if len(pool) < self.periphery_size:
            pool.append(person)
        else:
            pool[rng.randrange(len(pool))] = person
        return person

    def incident(
        self,
        day: int,
        kind: str,
        area: str,
        aggressors: _Group | None,
        targets: _Group | None,
        retaliation: bool,
    ) -> None:
        rng = self.rng
        key = self.case_number(day)
        taken: list[_Person] = []
        victims: list[_Person] = []
        suspects: list[_Person] = []
        associates: list[_Person] = []
        witnesses: list[_Person] = []

        if kind == "homicide":
            n_victims = 1 if rng.random() < 0.95 else 2
        elif kind == "shooting":
            n_victims = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
        elif kind == "shots_fired":
            n_victims = 1 if rng.random() < 0.3 else 0
        elif kind == "other":
            n_victims = 1 if rng.random() < 0.6 else 0
        else:
            n_victims = 1 if rng.random() < 0.88 else 2
        for _ in range(n_victims):
            victim = None
            if targets is not None and rng.random() < 0.9:
                victim = self.choose(targets, day, taken) or self.choose(targets, day, taken)
            if victim is None:
                victim = self.one_off(day, area, 0.62 if aggressors is None else 0.75, 30.0, taken)
            victims.append(victim)
            taken.append(victim)

        known, p_arrest, arrest_type = _SUSPECT[kind]
        if rng.random() < known:
            n_suspects = 1 if rng.random() < 0.65 else (2 if rng.random() < 0.7 else 3)
            for _ in range(n_suspects):
                if aggressors is not None and rng.random() < 0.92:
                    suspect = self.choose(aggressors, day, taken)
                    if suspect is None:
                        continue  # stays unidentified
                else:
                    suspect = self.one_off(day, area, 0.85, 27.0, taken)
                suspects.append(suspect)
                taken.append(suspect)

        if aggressors is not None and rng.random() < 0.35:
            for _ in range(self.one((1, 1, 2))):
                side = targets if targets is not None and rng.random() < 0.5 else aggressors
                associate = self.choose(side, day, taken)
                if associate is not None:
                    associates.append(associate)
                    taken.append(associate)
        if rng.random() < 0.26:
            for _ in range(self.one((1, 1, 2))):
                witness = None
                if self.groups and rng.random() < 0.25:
                    witness = self.choose(self.one(self.groups), day, taken)
                if witness is None:
                    witness = self.one_off(day, area, 0.5, 34.0, taken)
                witnesses.append(witness)
                taken.append(witness)

        if not taken:  # shots fired with nobody identified still has the caller as a witness
            witness = self.one_off(day, area, 0.5, 38.0, taken)
            witnesses.append(witness)
            taken.append(witness)

        inc_area = area if rng.random() < 0.975 else ""
        if rng.random() < 0.02:
            address = ""
        else:
            streets = self.streets.get(area) or self.streets[""]
            street = self.one(streets[0])
            r = rng.random()
            if r < 0.6:
                address = f"{rng.randint(100, 12999)} {street}"
            elif r < 0.85:
                cross = self.one(streets[0])
                block = f"{rng.randint(1, 99)}00 block of {street}"
                address = f"{street} & {cross}" if cross != street else block
            else:
                address = f"{rng.randint(1, 99)}00 block of {street}"
        self.w_incidents((key, self.stamp(day, self.incident_hours), kind, inc_area, address))
        self.counts["incidents.csv"] += 1

        ds = self.ds[day]
        w_inv = self.w_involvements
        for role, people in (
            ("victim", victims),
            ("suspect", suspects),
            ("associate", associates),
            ("witness", witnesses),
        ):
            for person in people:
                w_inv((key, self.involved_as(person), role))
                self.counts["involvements.csv"] += 1
                if person.group is not None:
                    if self.field is not None:
                        self.field.involved(person, day)
                    person.prev_inv, person.last_inv = person.last_inv, day
                    if day - person.prev_inv <= 365 and day - person.flagged > 90:
                        person.flagged = day
                        self.candidates.append(person)

        for victim in victims:
            if kind == "homicide":
                self.outcome(day, victim, "killed", key)
                self.kill(day, victim)
            elif kind == "shooting":
                self.outcome(day, victim, "shot", key)
                victim.injured = day
                victim.hosp_to = day + self.delay(0, 3, 30)
                if rng.random() < 0.28 * self.capacity:
                    r = rng.random()
                    reason = (
                        f"Treated for a gunshot wound {ds}"
                        if r < 0.5
                        else "Gunshot wound; seen by the hospital violence intervention team"
                    )
                    referred_by = self.one(names.REFERRED_BY["hospital"])
                    self.schedule(
                        day + self.delay(0, 1.5, 5),
                        ("referral", victim, "hospital", referred_by, reason, victim.area or area),
                    )

        for suspect in suspects:
            if rng.random() < p_arrest:
                a_type = arrest_type
                if kind == "shooting" and rng.random() < 0.4:
                    a_type = "arrest_violent"
                elif kind == "aggravated_assault" and rng.random() < 0.3:
                    a_type = "arrest_firearm"
                if rng.random() < 0.5:  # at the scene, else within weeks
                    self.incident_arrest(day, suspect, a_type, key, kind != "other")
                else:
                    arrest = ("arrest", suspect, a_type, key, kind != "other")
                    self.schedule(day + self.delay(1, 12, 90), arrest)

        if self.field is not None and victims:
            self.field.incident(day, kind, area, aggressors, targets)
        if kind in _REVIEWED:
            self.review.append((day, kind, key, victims, suspects, associates))
        if targets is not None and aggressors is not None and victims and kind != "robbery":
            chance = {"homicide": 0.6, "shooting": 0.4, "shots_fired": 0.22}.get(kind, 0.12)
            if retaliation:
                chance *= 0.8
            if rng.random() < chance:
                self.schedule(day + self.delay(2, 18, 120), ("retaliation", targets, aggressors))

    def kill(self, day: int, person: _Person) -> None:
        person.dead = True
        person.died = day
        group = person.group
        if group is not None and person in group.members:
            group.members.remove(person)
            if self.field is not None:
                self.field.left(group, person, day)

    def outcome(self, day: int, person: _Person, kind: str, source_ref: str) -> None:
        rng = self.rng
        notes = self.one(names.OUTCOME_NOTES[kind]) if rng.random() < 0.45 else ""
        self.w_outcomes((self.next_key("O"), self.ensure(person), self.ds[day], kind, source_ref, notes))
        self.counts["outcomes.csv"] += 1

    def arrest(self, day: int, person: _Person, kind: str, case: str, *, serious: bool) -> None:
        rng = self.rng
        self.outcome(day, person, kind, case)
        if serious and rng.random() < 0.35:
            length = int(rng.uniform(1, 6) * 365)  # prison: out of the group's daily life
            if person.group is not None and person in person.group.members and rng.random() < 0.6:
                person.group.members.remove(person)
                if self.field is not None:
                    self.field.left(person.group, person, day)
        else:
            length = self.delay(1, 12 if serious else 4, 120)
        if person.in_to < day + length:
            person.in_from, person.in_to = day, day + length

    def incident_arrest(self, day: int, person: _Person, kind: str, case: str, serious: bool) -> None:
        if person.dead:
            return
        self.w_involvements((case, self.ensure(person), "arrestee"))
        self.counts["involvements.csv"] += 1
        self.arrest(day, person, kind, case, serious=serious)

    def background_arrest(self, day: int) -> None:
        rng = self.rng
        if not self.groups:
            return
        person = self.choose(self.one(self.groups), day, [])
        if person is None:
            return
        r = rng.random()
        kind = "arrest_other" if r < 0.68 else ("arrest_firearm" if r < 0.9 else "arrest_violent")
        self.arrest(day, person, kind, self.case_number(day), serious=kind != "arrest_other")

    # --- identification -----------------------------------------------------------------------

    def shooting_review(self, day: int) -> None:
        """Tuesday: last week's shootings are reviewed; people at risk are referred."""
        rng = self.rng
        cap = self.capacity
        pending, self.review = self.review, []
        for when, kind, key, victims, suspects, associates in pending:
            label = f"{_LABEL[kind]} {self.ds[when]} (case {key})"
            for person in victims:
                if rng.random() < 0.62 * cap:
                    reason = f"Victim of {label}" if kind != "shots_fired" else f"Targeted in {label}"
                    self.refer(day, person, "shooting_review", "", reason + "; retaliation risk", "")
            for person in suspects:
                if rng.random() < 0.5 * cap:
                    self.refer(day, person, "shooting_review", "", f"Named as suspect in {label}", "")
            for person in associates:
                if rng.random() < 0.3 * cap:
                    self.refer(day, person, "shooting_review", "", f"Associate present at {label}", "")
            for victim in victims[:1]:
                group = victim.group
                for _ in range(2):
                    mate = self.choose(group, day, victims) if group and rng.random() < 0.3 * cap else None
                    if mate is not None:
                        self.refer(
                            day,
                            mate,
                            "shooting_review",
                            "",
                            f"Group associate of a victim of {label}; retaliation risk",
                            "",
                        )

    def crime_analysis(self, day: int) -> None:
        """Thursday: people with repeated involvements in the last year are referred."""
        rng = self.rng
        pending, self.candidates = self.candidates, []
        for person in pending:
            if rng.random() < 0.42 * self.capacity:
                r = rng.random()
                if r < 0.6:
                    reason = "Involved in 2 or more violent incidents in the last 12 months"
                elif r < 0.85:
                    reason = f"Repeat involvement; latest incident {self.ds[person.last_inv]}"
                else:
                    reason = "Co-involved with people shot in the last 12 months"
                self.refer(day, person, "law_enforcement_data", "", reason, "")

    def walk_in_referrals(self, day: int, weekday: int) -> None:
        rng = self.rng
        for source, rate in _WALK_IN:
            if source == "school" and weekday >= 5:
                continue
            # Outreach to schools and partners grows faster than the program (capacity squared).
            lam = rate * self.scale * self.capacity**2 * (1.4 if weekday < 5 else 0.4)
            for _ in range(self.poisson(lam)):
                person = None
                if self.groups and rng.random() < 0.6:
                    group = self.one(self.groups)
                    for _ in range(3):
                        candidate = self.choose(group, day, [])
                        if candidate is not None and (source != "school" or self.age_at(candidate, day) < 19):
                            person = candidate
                            break
                if person is None:
                    area = self.pick(self.area_pick) if rng.random() < 0.95 else ""
                    age = rng.uniform(13.5, 18.5) if source == "school" else rng.uniform(15.0, 34.0)
                    person = self.new_person(day, area, age, 0.82, None)
                reason = self.one(names.REASONS[source])
                self.refer(day, person, source, "", reason, "")

    def refer(self, day: int, person: _Person, source: str, referred_by: str, reason: str, area: str) -> None:
        rng = self.rng
        if person.dead or (source != "hospital" and day - person.last_ref < 30):
            return
        person.last_ref = day
        if not referred_by:
            referred_by = self.one(names.REFERRED_BY[source])
        if not area:
            area = person.area if rng.random() < 0.9 else ""
        key = self.next_key("R")
        self.w_referrals((key, self.ensure(person), self.ds[day], source, referred_by, area, reason))
        self.counts["referrals.csv"] += 1
        if self.field is not None and source == "hospital":
            self.field.hospital(day, person, key, referred_by)
        if person.busy:
            return
        p_act, low, mean = _ACT[source]
        since = day - person.last_notified
        if since < 180:
            return
        if since < _NEVER // 2:
            p_act *= 0.2  # notified before: a second notification only sometimes
        if rng.random() < p_act:
            person.busy = True
            self.schedule(day + self.delay(low, mean, 45), ("attempt", person, key, 1))

    # --- notifications and services -------------------------------------------------------------

    def attempt(self, day: int, person: _Person, referral_key: str, number: int) -> None:
        rng = self.rng
        if person.dead:
            person.busy = False
            return
        if referral_key == "" and person.busy:
            return  # a follow-up visit overtaken by a new notification cycle
        if (self.weekday0 + day) % 7 == 6 and rng.random() < 0.7:
            self.schedule(day + 1, ("attempt", person, referral_key, number))  # not on Sundays, mostly
            return
        if person.in_from <= day < person.in_to:
            outcome = "in_custody" if rng.random() < 0.8 else "delivered"
        elif day < person.hosp_to:
            outcome = "hospitalized" if rng.random() < 0.4 else "delivered"
        else:
            p_delivered = (0.5 if number == 1 else 0.44) * (1.15 if referral_key == "" else 1.0)
            outcome = "delivered" if rng.random() < p_delivered else self.pick(self.failures)

        r = rng.random()
        home = person.area
        if home:
            area = home if r < 0.86 else (self.other_area(home) if r < 0.93 else "")
        else:
            area = self.pick(self.area_pick) if r < 0.5 else ""
        mask = sum(1 << i for i, chance in enumerate(_TEAM) if rng.random() < chance) or 1
        if outcome == "delivered":
            legal = "yes" if rng.random() < 0.9 else "no"
            offer = "yes" if rng.random() < 0.97 else "no"
            letter = "yes" if rng.random() < 0.82 else "no"
            if rng.random() < 0.03:
                legal = offer = letter = ""
        else:
            legal = offer = ""
            letter = ("yes" if rng.random() < 0.5 else "no") if outcome == "refused" and r < 0.15 else ""
        notes = self.one(names.ATTEMPT_NOTES[outcome]) if rng.random() < 0.3 else ""
        self.w_notifications(
            (
                self.next_key("N"),
                self.ensure(person),
                referral_key,
                self.stamp(day, self.attempt_hours),
                outcome,
                self.teams[mask],
                area,
                legal,
                offer,
                letter,
                notes,
            )
        )
        self.counts["notifications.csv"] += 1

        if outcome == "delivered":
            person.busy = False
            person.last_notified = day
            if self.field is not None:
                self.field.delivered(day, person)
            if self.effect:
                person.activity = min(person.activity, 0.4)
            if rng.random() < 0.75:
                count = int(self.pick(self.service_counts))
                self.schedule(day + self.delay(0, 4, 21), ("services", person, count))
            if rng.random() < 0.03:
                self.schedule(day + rng.randint(60, 240), ("attempt", person, "", 1))
        elif number < 7 and rng.random() < _RETRY[outcome]:
            self.schedule(day + self.delay(1, 6, 30), ("attempt", person, referral_key, number + 1))
        else:
            person.busy = False  # the team gives up until the person is referred again

    def service_row(
        self, person: _Person, category: str, referred: int, connected: int, closed: int, final: str
    ) -> None:
        """Write a service referral once its story is over (or the run is): its status as of the end date."""
        if person.dead:  # what had not happened by the person's death never will; the referral gets closed
            died = person.died
            if died < referred:
                return
            if died < connected:
                connected = -1
            if closed < 0 or died < closed:
                final, closed = "lost_contact", died + self.delay(2, 10, 60)
        last = self.n_days - 1
        connected_on = closed_on = ""
        if 0 <= connected <= last:
            connected_on = self.ds[connected]
            status = "connected"
            if 0 <= closed <= last:
                status, closed_on = final, self.ds[closed]
        elif connected < 0 and closed <= last:
            status, closed_on = final, self.ds[closed]
        else:
            status = "referred"
        provider = self.one(names.PROVIDERS.get(category, ("",)))
        key = self.next_key("S")
        self.w_services(
            (key, self.ensure(person), category, provider, self.ds[referred], status, connected_on, closed_on)
        )
        self.counts["service_referrals.csv"] += 1

    def service_referrals(self, day: int, person: _Person, count: int) -> None:
        if day >= self.n_days or not self.service_pick[0]:
            return
        rng = self.rng
        chosen: list[str] = []
        for _ in range(count * 3):
            category = self.pick(self.service_pick)
            if category not in chosen:
                chosen.append(category)
                if len(chosen) == count:
                    break
        last = self.n_days - 1
        engaged = False
        links: list[tuple[str, int]] = []
        for category in chosen:
            _, p_connect, (c_low, c_mean, c_high), p_complete, (d_low, d_mean) = self.services[category]
            referred = day + (rng.randrange(3) if chosen[0] != category else 0)
            if referred > last:
                continue
            connected = closed = -1
            if rng.random() < p_connect * (1.1 if person.activity < 0.5 else 1.0):
                connected = referred + self.delay(c_low, c_mean, c_high)
                r = rng.random()
                if r < p_complete:
                    final, closed = "completed", connected + self.delay(d_low, d_mean, 400)
                elif r < p_complete + (1 - p_complete) * 0.7:
                    final, closed = "lost_contact", connected + self.delay(14, 90, 365)
                else:  # long-running (counselling, school): still open for a year or two
                    final, closed = "completed", connected + self.delay(180, 420, 800)
            else:
                final = "declined" if rng.random() < 0.45 else "lost_contact"
                closed = referred + self.delay(7, 30, 90)
            if 0 <= connected <= last:
                engaged = True
            links.append((category, connected))
            done = max(referred, connected, closed)
            story = ("service_row", person, category, referred, connected, closed, final)
            self.schedule(min(done, last), story)
        if self.field is not None:
            self.field.assessed(day, person, links)
        if engaged and self.effect:
            person.activity = min(person.activity, 0.25)
        if engaged and rng.random() < 0.22:
            self.schedule(day + rng.randint(60, 200), ("services", person, self.one((1, 1, 2))))

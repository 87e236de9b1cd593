"""The notified cohort of eval-1: each notified person's origin, time to violent re-involvement
(or to censoring) and the attributes the cohorts are drawn by; and what the other parts read.

Read straight from the program's tables, as the monthly report's facts are: the callers check
who may ask (``vip.evaluation.evaluate``) and audit the read. Days are read as day numbers
(days since 1970-01-01) into numpy arrays, and each step works on whole columns: the ten-year
city has hundreds of thousands of people, notifications and incidents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection

from vip.core.config import ProgramConfig
from vip.evaluation.definitions import (
    ENGAGED,
    ENGAGED_WITHIN_DAYS,
    NOT_ENGAGED,
    TOO_RECENT,
    VIOLENT_OUTCOMES,
    VIOLENT_ROLES,
    checked_violent_types,
)
from vip.people.choices import Sex

EPOCH = dt.date(1970, 1, 1)
NO_DAY = -(2**31)  # no date of birth
_SPAN = 1 << 22  # room for every day number in a (person, day) key


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def day_sql(column: str) -> str:
    """The day number of a date column."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of a query of this module's kind (fixed SQL, bound values)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def columns(select: Sequence[str], source: str, params: Sequence[Any] = ()) -> list[np.ndarray]:
    """Integer columns (``select``: expressions never NULL) of the rows of ``source`` (a FROM
    clause with its WHERE), read as one row: the database joins each column into one text and
    numpy parses it, with no Python object per value (as the monthly report's facts are read)."""
    postgres = connection.vendor == "postgresql"
    joined = [f"string_agg(CAST({c} AS text), ',')" if postgres else f"group_concat({c}, ',')" for c in select]
    row = fetch(f"SELECT COUNT(*), {', '.join(joined)} FROM {source}", params)[0]
    count, texts = int(row[0]), row[1:]
    out = []
    for expression, text in zip(select, texts, strict=True):
        values = np.fromstring(text, dtype=np.int64, sep=",") if count else np.zeros(0, dtype=np.int64)
        if len(values) != count:  # never silently short: a NULL would show here
            raise ValueError(f"evaluation: {expression} gave {len(values)} values for {count} rows")
        out.append(values)
    return out


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass(frozen=True)
class PersonDays:
    """Rows of (person, day[, kind]) ordered by person, day and kind, searchable by (person, day)."""

    person: np.ndarray  # int64
    day: np.ndarray  # int64 day numbers
    kind: np.ndarray  # int64 codes (0 where a table has none)

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, ...]]) -> PersonDays:
        data = np.array(rows, dtype=np.int64).reshape(-1, 3) if rows else np.zeros((0, 3), dtype=np.int64)
        return cls.sorted(data[:, 0], data[:, 1], data[:, 2])

    @classmethod
    def sorted(cls, person: np.ndarray, day: np.ndarray, kind: np.ndarray) -> PersonDays:
        order = np.lexsort((kind, day, person))
        return cls(person[order], day[order], kind[order])

    @classmethod
    def read(cls, select: Sequence[str], source: str, params: Sequence[Any] = ()) -> PersonDays:
        """(person, day[, kind]) expressions of ``source`` (see :func:`columns`)."""
        read = columns(select, source, params)
        return cls.sorted(read[0], read[1], read[2] if len(read) > 2 else np.zeros(len(read[0]), dtype=np.int64))

    @classmethod
    def concat(cls, *tables: PersonDays) -> PersonDays:
        return cls.sorted(*(np.concatenate([getattr(t, name) for t in tables]) for name in ("person", "day", "kind")))

    @property
    def keys(self) -> np.ndarray:
        return self.person * _SPAN + self.day

    def first_from(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """For each (person, day), the index of the person's first row on or after ``day`` (-1: none)."""
        keys = self.keys
        at = np.searchsorted(keys, person.astype(np.int64) * _SPAN + day, side="left")
        inside = at < len(keys)
        found = np.full(len(person), -1, dtype=np.int64)
        hit = inside.copy()
        hit[inside] = self.person[at[inside]] == person[inside]
        found[hit] = at[hit]
        return found

    def day_at(self, found: np.ndarray, default: int) -> np.ndarray:
        """The day of each row ``found`` (``first_from``'s indexes); ``default`` where it is -1."""
        days = np.full(len(found), default, dtype=np.int64)
        hit = found >= 0
        days[hit] = self.day[found[hit]]
        return days

    def kind_at(self, found: np.ndarray) -> np.ndarray:
        kinds = np.zeros(len(found), dtype=np.int64)
        hit = found >= 0
        kinds[hit] = self.kind[found[hit]]
        return kinds

    def days_of(self, person: int) -> np.ndarray:
        low, high = np.searchsorted(self.person, [person, person + 1])
        return self.day[low:high]

    def rows_of(self, person: int) -> tuple[np.ndarray, np.ndarray]:
        low, high = np.searchsorted(self.person, [person, person + 1])
        return self.day[low:high], self.kind[low:high]


@dataclass(frozen=True)
class Sources:
    """What every part of the evaluation reads, once, as of ``as_of``."""

    as_of: dt.date
    origin: PersonDays  # one row a person: the first delivered custom notification's day
    events: PersonDays  # violent events up to as-of; kind indexes ``event_kinds``
    event_kinds: tuple[str, ...]
    people: np.ndarray  # person ids, sorted
    born: np.ndarray  # day numbers, NO_DAY where unknown
    died: np.ndarray  # day numbers of a recorded death on or before as-of, NO_DAY where none
    sex: list[str]  # "unknown" where not recorded
    connected: PersonDays  # days service referrals were connected
    shootings: PersonDays  # shootings the person was involved in (not as a witness)
    candidacies: Candidacies  # every candidacy proposed by as-of (the funnel and the comparison group)

    def fingerprint(self) -> str:
        """A digest of everything read here (the cohort, the comparison group and the dataset
        depend on nothing else)."""
        digest = hashlib.sha256(self.as_of.isoformat().encode())
        for table in (self.origin, self.events, self.connected, self.shootings):
            for array in (table.person, table.day, table.kind):
                digest.update(np.ascontiguousarray(array).tobytes())
        for array in (self.people, self.born, self.died):
            digest.update(np.ascontiguousarray(array).tobytes())
        c = self.candidacies
        for array in (c.person, c.day, c.approved, c.by_criteria, c.criterion):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update("\x1f".join((*self.event_kinds, *self.sex, *c.criteria)).encode())
        return digest.hexdigest()

    def _at(self, person: int) -> int | None:
        at = int(np.searchsorted(self.people, person))
        return at if at < len(self.people) and self.people[at] == person else None

    def sex_of(self, person: int) -> str:
        at = self._at(person)
        return "unknown" if at is None else self.sex[at]


@dataclass(frozen=True)
class Candidacies:
    """Every candidacy proposed by as-of, in order of person, proposal day and criterion."""

    person: np.ndarray
    day: np.ndarray  # the proposal's local day number
    approved: np.ndarray  # the approval's local day number (approved, or approved and later expired); NO_DAY
    by_criteria: np.ndarray  # bool: proposed by the published criteria (no proposing account)
    criterion: np.ndarray  # index into ``criteria`` of the first reason's criterion; -1: none
    criteria: tuple[str, ...]  # in alphabetical order


def _local_days(seconds: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The program's local day number of each moment (seconds since 1970, UTC), in one pass."""
    import pandas as pd  # deferred: loaded with lifelines, for the time zone's rules

    moments = pd.to_datetime(seconds, unit="s", utc=True).tz_convert(str(zone)).tz_localize(None)
    days: np.ndarray = moments.to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def read_candidacies(zone: ZoneInfo, as_of: dt.date) -> Candidacies:
    """The candidacies proposed on or before ``as_of`` (local days), with the criterion of each
    one's first reason (``Candidate.first_criterion``)."""
    found = fetch("SELECT DISTINCT first_criterion FROM identification_candidate")
    criteria = tuple(sorted(c for (c,) in found if c))
    if connection.vendor == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM {}) AS BIGINT)"
    else:
        seconds = "CAST(strftime('%%s', {}) AS INTEGER)"
    which = " ".join(f"WHEN %s THEN {i}" for i in range(len(criteria)))
    bound = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    person, proposed, decided, by_criteria, criterion = columns(
        [
            "c.person_id",
            seconds.format("c.proposed_at"),
            "CASE WHEN c.decided_at IS NOT NULL AND c.status IN ('approved', 'expired') "
            f"THEN {seconds.format('c.decided_at')} ELSE -1 END",
            "CASE WHEN c.proposed_by_id IS NULL THEN 1 ELSE 0 END",
            f"CASE c.first_criterion {which} ELSE -1 END" if criteria else "-1",
        ],
        "identification_candidate c WHERE c.proposed_at < %s",
        [*criteria, connection.ops.adapt_datetimefield_value(bound)],
    )
    day = _local_days(proposed, zone) if len(person) else np.zeros(0, dtype=np.int64)
    approved = np.full(len(person), NO_DAY, dtype=np.int64)
    if (decided >= 0).any():
        approved[decided >= 0] = _local_days(decided[decided >= 0], zone)
    order = np.lexsort((criterion, day, person))
    return Candidacies(
        person[order], day[order], approved[order], by_criteria[order].astype(bool), criterion[order], criteria
    )


def read_sources(config: ProgramConfig, as_of: dt.date) -> Sources:
    violent_types = checked_violent_types(config.violent_incident_types)
    origin = PersonDays.read(
        ["t.person_id", "t.first"],
        f"(SELECT person_id, MIN({day_sql('attempted_on')}) AS first FROM notifications_notificationattempt "
        "WHERE outcome = 'delivered' AND voided_at IS NULL AND attempted_on <= %s GROUP BY person_id) t",
        [as_of],
    )
    kinds = (*VIOLENT_OUTCOMES, *(f"{role}:{kind}" for role in VIOLENT_ROLES for kind in violent_types))
    index = {kind: i for i, kind in enumerate(kinds)}
    outcome_case = " ".join(f"WHEN '{kind}' THEN {index[kind]}" for kind in VIOLENT_OUTCOMES)  # fixed codes
    outcomes = PersonDays.read(
        ["person_id", day_sql("occurred_on"), f"CASE type {outcome_case} END"],
        f"outcomes_outcome WHERE voided_at IS NULL AND occurred_on <= %s AND type IN ({_marks(VIOLENT_OUTCOMES)})",
        [as_of, *VIOLENT_OUTCOMES],
    )
    role_kind = " ".join(
        f"WHEN v.role = '{role}' AND i.type = '{kind}' THEN {index[f'{role}:{kind}']}"
        for role in VIOLENT_ROLES
        for kind in violent_types
    )
    involved = (
        "identification_involvement v JOIN identification_incident i ON i.id = v.incident_id "
        f"WHERE v.role IN ({_marks(VIOLENT_ROLES)}) AND i.occurred_on <= %s"
    )
    involvements = PersonDays.read(
        ["v.person_id", day_sql("i.occurred_on"), f"CASE {role_kind} END"],
        f"{involved} AND i.type IN ({_marks(violent_types)})",
        [*VIOLENT_ROLES, as_of, *violent_types],
    )
    shootings = PersonDays.read(
        ["v.person_id", day_sql("i.occurred_on")], f"{involved} AND i.type = %s", [*VIOLENT_ROLES, as_of, "shooting"]
    )
    sexes = ("unknown", *Sex.values)
    sex_case = " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(sexes) if i)  # fixed codes
    people, born, died, sex = columns(
        [
            "id",
            f"COALESCE({day_sql('date_of_birth')}, {NO_DAY})",
            f"CASE WHEN died_on <= %s THEN {day_sql('died_on')} ELSE {NO_DAY} END",
            f"CASE sex {sex_case} ELSE 0 END",
        ],
        "people_person",
        [as_of],
    )
    order = np.argsort(people, kind="stable")
    connected = PersonDays.read(
        ["person_id", day_sql("connected_on")],
        "service_referrals_servicereferral WHERE voided_at IS NULL AND connected_on IS NOT NULL AND connected_on <= %s",
        [as_of],
    )
    return Sources(
        as_of=as_of,
        origin=origin,
        events=PersonDays.concat(outcomes, involvements),
        event_kinds=kinds,
        people=people[order],
        born=born[order],
        died=died[order],
        sex=[sexes[i] for i in sex[order].tolist()],
        connected=connected,
        shootings=shootings,
        candidacies=read_candidacies(config.zone, as_of),
    )


@dataclass(frozen=True)
class FollowUp:
    """People followed from an origin: to their first violent event, or to the end of follow-up."""

    time: np.ndarray  # days from origin to the event, or to the end
    event: np.ndarray  # bool: the event was seen
    found: np.ndarray  # index of the event in ``Sources.events`` (-1: none)
    listed: np.ndarray  # bool: the person is in ``Sources.people``
    at: np.ndarray  # their index there (where listed)

    def born(self, sources: Sources) -> np.ndarray:
        """Each person's date of birth (day number; NO_DAY where unknown)."""
        return np.where(self.listed, sources.born[self.at], NO_DAY) if len(sources.people) else _none(self.at)


def _none(like: np.ndarray) -> np.ndarray:
    return np.full(len(like), NO_DAY, dtype=np.int64)


def follow_up(sources: Sources, person: np.ndarray, origin: np.ndarray, end: np.ndarray) -> FollowUp:
    """Each person followed from ``origin`` (day numbers) to the first violent event strictly after
    it, or to ``end`` (or to a recorded death, if earlier, never before the origin: a death that
    is not a ``killed`` outcome censors at its day)."""
    people = sources.people
    at = np.minimum(np.searchsorted(people, person), max(len(people) - 1, 0))
    listed = people[at] == person if len(people) else np.zeros(len(person), dtype=bool)
    died = np.where(listed, sources.died[at], NO_DAY) if len(people) else _none(person)
    end = np.where(died == NO_DAY, end, np.maximum(origin, np.minimum(died, end)))
    found = sources.events.first_from(person, origin + 1)
    day = sources.events.day_at(found, 0)
    event = (found >= 0) & (day <= end)
    return FollowUp(np.where(event, day, end) - origin, event, found, listed, at)


def ages_on(born: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Whole years from ``born`` to ``days`` (day numbers; -1 where born is unknown or later), by
    the rule of ``vip.core.dates.age_on``: a 29 February birthday falls on 1 March in common years."""
    known = (born != NO_DAY) & (born <= days)
    safe = np.where(known, born, 0)

    def parts(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        moments = numbers.astype("datetime64[D]")
        years = moments.astype("datetime64[Y]").astype(np.int64) + 1970
        month_day = (moments - moments.astype("datetime64[M]")).astype(np.int64) + 1
        months = moments.astype("datetime64[M]").astype(np.int64) % 12 + 1
        return years, months * 100 + month_day

    born_year, born_md = parts(safe)
    year, md = parts(days)
    age = year - born_year - (md < born_md)
    return np.where(known, age, -1)


def age_bands(config: ProgramConfig, ages: np.ndarray) -> list[str]:
    """Each age's band ("Unknown" for -1 or an age no band holds)."""
    labels = np.full(len(ages), "Unknown", dtype=object)
    for band in config.age_bands:
        inside = (ages >= band.min_age) & ((ages <= band.max_age) if band.max_age is not None else (ages >= 0))
        labels[(labels == "Unknown") & inside & (ages >= 0)] = band.label
    return labels.tolist()


def fiscal_years(days: np.ndarray, start_month: int) -> list[str]:
    """The label of each day's fiscal year, as ``vip.core.dates.fiscal_year`` names it."""
    moments = days.astype("datetime64[D]")
    years = moments.astype("datetime64[Y]").astype(np.int64) + 1970
    months = moments.astype("datetime64[M]").astype(np.int64) % 12 + 1
    ends = years - (months < start_month) + (1 if start_month > 1 else 0)
    return [f"FY{year}" for year in ends.tolist()]


@dataclass(frozen=True)
class Cohort:
    """One row per notified person whose origin is on or before ``as_of``, in person-id order."""

    as_of: dt.date
    person: np.ndarray  # person ids
    origin: np.ndarray  # day numbers of the first delivered custom notification
    time: np.ndarray  # days from origin to the event, or to as_of where there is none
    event: np.ndarray  # bool: violent re-involvement observed
    event_kind: list[str]  # the event's kind ("" when censored): an outcome type, or "<role>:<incident type>"
    fiscal_year: list[str]  # of origin ("FY2025")
    age_band: list[str]  # at origin ("Unknown" without a date of birth)
    engagement: list[str]  # ENGAGED, NOT_ENGAGED or TOO_RECENT

    def __len__(self) -> int:
        return len(self.person)

    def fingerprint(self) -> str:
        """A digest of every value the figures depend on."""
        digest = hashlib.sha256(self.as_of.isoformat().encode())
        for array in (self.person, self.origin, self.time, self.event):
            digest.update(np.ascontiguousarray(array).tobytes())
        for texts in (self.event_kind, self.fiscal_year, self.age_band, self.engagement):
            digest.update("\x1f".join(texts).encode())
        return digest.hexdigest()


def load_cohort(config: ProgramConfig, as_of: dt.date, sources: Sources | None = None) -> Cohort:
    """The notified cohort as of ``as_of`` (docs/evaluation.md, "Time and events")."""
    sources = sources or read_sources(config, as_of)
    through = day_number(as_of)
    people, origin = sources.origin.person, sources.origin.day
    followed = follow_up(sources, people, origin, np.full(len(people), through, dtype=np.int64))
    event = followed.event
    kinds = [
        sources.event_kinds[int(k)] if e else ""
        for k, e in zip(sources.events.kind_at(followed.found), event, strict=True)
    ]
    # Engaged: a service referral connected on the origin day or within 90 days after it.
    link = sources.connected.first_from(people, origin)
    engaged = (link >= 0) & (sources.connected.day_at(link, through + 1) <= origin + ENGAGED_WITHIN_DAYS)
    recent = (through - origin) < ENGAGED_WITHIN_DAYS
    engagement = np.where(engaged, ENGAGED, np.where(recent, TOO_RECENT, NOT_ENGAGED)).tolist()
    born = followed.born(sources)
    return Cohort(
        as_of=as_of,
        person=people,
        origin=origin,
        time=followed.time.astype(np.int64),
        event=event,
        event_kind=kinds,
        fiscal_year=fiscal_years(origin, config.fiscal_year_start_month),
        age_band=age_bands(config, ages_on(born, origin)),
        engagement=[str(e) for e in engagement],
    )

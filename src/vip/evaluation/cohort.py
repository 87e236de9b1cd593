"""The notified cohort of eval-1: each notified person's origin, time to violent re-involvement
(or to censoring) and the attributes the cohorts are drawn by.

Read straight from the program's tables, as the monthly report's facts are: the callers check
who may ask (``vip.evaluation.evaluate``) and audit the read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Min

from vip.core.config import ProgramConfig
from vip.core.dates import age_on, fiscal_year
from vip.evaluation.definitions import (
    ENGAGED,
    ENGAGED_WITHIN_DAYS,
    NOT_ENGAGED,
    TOO_RECENT,
    VIOLENT_OUTCOMES,
    VIOLENT_ROLES,
    checked_violent_types,
)
from vip.identification.choices import IncidentType
from vip.identification.models import Involvement
from vip.notifications.models import NotificationAttempt
from vip.outcomes.models import Outcome
from vip.people.models import Person
from vip.service_referrals.models import ServiceReferral


@dataclass(frozen=True)
class Cohort:
    """One row per notified person whose origin is on or before ``as_of``, in person-id order."""

    as_of: dt.date
    person: np.ndarray  # person ids
    origin: np.ndarray  # datetime64[D]: the first delivered custom notification's day
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


def _first_events(as_of: dt.date, violent_types: tuple[str, ...]) -> dict[int, list[tuple[dt.date, str]]]:
    """Every violent event of every person up to ``as_of``, by person, in day order."""
    events: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    outcomes = Outcome.objects.filter(voided_at__isnull=True, type__in=VIOLENT_OUTCOMES, occurred_on__lte=as_of)
    for person, day, kind in outcomes.values_list("person_id", "occurred_on", "type").iterator(chunk_size=20_000):
        events[person].append((day, kind))
    involvements = Involvement.objects.filter(
        role__in=VIOLENT_ROLES, incident__type__in=violent_types, incident__occurred_on__lte=as_of
    )
    rows = involvements.values_list("person_id", "incident__occurred_on", "role", "incident__type")
    for person, day, role, kind in rows.iterator(chunk_size=20_000):
        events[person].append((day, f"{role}:{kind}"))
    for items in events.values():
        items.sort()
    return events


@dataclass(frozen=True)
class Sources:
    """What every part of the evaluation reads, once: as of ``as_of``, by person id."""

    as_of: dt.date
    origin: dict[int, dt.date]  # the first delivered custom notification's day
    events: dict[int, list[tuple[dt.date, str]]]  # violent events, in day order
    born: dict[int, dt.date]
    sex: dict[int, str]
    connected: dict[int, list[dt.date]]  # days service referrals were connected
    shootings: dict[int, list[dt.date]]  # days of shootings the person was involved in (not as a witness)


def read_sources(config: ProgramConfig, as_of: dt.date) -> Sources:
    violent_types = checked_violent_types(config.violent_incident_types)
    delivered = NotificationAttempt.objects.filter(outcome="delivered", voided_at__isnull=True, attempted_on__lte=as_of)
    origin = dict(delivered.values("person_id").annotate(first=Min("attempted_on")).values_list("person_id", "first"))
    born, sex = {}, {}
    for person, day, kind in Person.objects.values_list("id", "date_of_birth", "sex").iterator(chunk_size=20_000):
        if day is not None:
            born[person] = day
        sex[person] = kind or "unknown"
    connected: dict[int, list[dt.date]] = defaultdict(list)
    referrals = ServiceReferral.objects.filter(
        voided_at__isnull=True, connected_on__isnull=False, connected_on__lte=as_of
    ).values_list("person_id", "connected_on")
    for person, day in referrals.iterator(chunk_size=20_000):
        connected[person].append(day)
    shootings: dict[int, list[dt.date]] = defaultdict(list)
    rows = Involvement.objects.filter(
        role__in=VIOLENT_ROLES, incident__type=IncidentType.SHOOTING, incident__occurred_on__lte=as_of
    ).values_list("person_id", "incident__occurred_on")
    for person, day in rows.iterator(chunk_size=20_000):
        shootings[person].append(day)
    return Sources(
        as_of=as_of,
        origin=origin,
        events=_first_events(as_of, violent_types),
        born=born,
        sex=sex,
        connected=connected,
        shootings=shootings,
    )


def first_event(sources: Sources, person: int, after: dt.date, through: dt.date) -> tuple[dt.date, str] | None:
    """The person's first violent event strictly after ``after`` and on or before ``through``."""
    return next(((day, kind) for day, kind in sources.events.get(person, ()) if after < day <= through), None)


def age_band_on(config: ProgramConfig, sources: Sources, person: int, day: dt.date) -> str:
    """The person's age band on ``day`` ("Unknown" without a date of birth)."""
    born = sources.born.get(person)
    return config.age_band(age_on(born, day) if born is not None and born <= day else None)


def load_cohort(config: ProgramConfig, as_of: dt.date, sources: Sources | None = None) -> Cohort:
    """The notified cohort as of ``as_of`` (docs/evaluation.md, "Time and events")."""
    sources = sources or read_sources(config, as_of)
    people = sorted(sources.origin)
    window = dt.timedelta(days=ENGAGED_WITHIN_DAYS)
    time = np.zeros(len(people), dtype=np.int64)
    event = np.zeros(len(people), dtype=bool)
    kinds, years, bands, engagement = [], [], [], []
    for i, person in enumerate(people):
        origin = sources.origin[person]
        first = first_event(sources, person, origin, as_of)
        if first is None:
            time[i] = (as_of - origin).days
            kinds.append("")
        else:
            time[i] = (first[0] - origin).days
            event[i] = True
            kinds.append(first[1])
        years.append(fiscal_year(origin, config.fiscal_year_start_month).label)
        bands.append(age_band_on(config, sources, person, origin))
        if any(origin <= day <= origin + window for day in sources.connected.get(person, ())):
            engagement.append(ENGAGED)
        elif (as_of - origin).days < ENGAGED_WITHIN_DAYS:
            engagement.append(TOO_RECENT)
        else:
            engagement.append(NOT_ENGAGED)
    return Cohort(
        as_of=as_of,
        person=np.array(people, dtype=np.int64),
        origin=np.array([sources.origin[p] for p in people], dtype="datetime64[D]"),
        time=time,
        event=event,
        event_kind=kinds,
        fiscal_year=years,
        age_band=bands,
        engagement=engagement,
    )

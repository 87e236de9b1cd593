"""The evaluator's dataset (docs/evaluation.md, "The evaluator's dataset"): one row for each person
of the notified cohort and for each matched person of the comparison group, de-identified by the
HIPAA Safe Harbor rule at least (security row 42).

- **Pseudonyms** keyed per export (``vip.core.crypto.Pseudonyms``): the files of one export join
  on them; the same person gets unrelated pseudonyms in two exports. A matched set is named by a
  pseudonym too, not by a number that follows the order of origin.
- **No calendar date finer than the year**: the origin's year, and days from the person's own
  origin to the event or to censoring. No fiscal year (with the year it would narrow the origin
  to a half-year).
- **Ages**: the year of birth, except where the person was over 89 at origin: then the year is
  left out and the age is the one group ``90+``.
- **No name, no key** of the program or of a source system, no address: the area command at
  most.
- Rows are written in the order of their pseudonyms, so that no row's place tells when it was
  recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np

from vip.audit.services import audit_read
from vip.core.access import require
from vip.core.config import ProgramConfig, program_config
from vip.core.crypto import Pseudonyms
from vip.evaluation.cohort import (
    NO_DAY,
    PersonDays,
    Sources,
    ages_on,
    day_number,
    day_of,
    day_sql,
    load_cohort,
    read_sources,
)
from vip.evaluation.comparison import match, subjects
from vip.evaluation.definitions import VERSION
from vip.evaluation.evaluate import default_as_of
from vip.evaluation.funnel import contact_days
from vip.people.models import Person

OLDEST_AGE = 89


def rows(config: ProgramConfig, sources: Sources) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (not yet ordered) of the dataset as of ``sources.as_of``."""
    as_of = sources.as_of
    cohort = load_cohort(config, as_of, sources)
    candidates, pool = subjects(config, sources)
    sets, _unmatched = match(candidates, pool)
    pseudonym = Pseudonyms()
    categories = list(config.all_service_categories)
    category_ids = {pk: i for i, pk in enumerate(config.service_category_ids[c] for c in categories)}
    # What every person is: race, ethnicity and area (sex and birth are in the sources).
    people = {
        p: (race or "", eth or "", area)
        for p, race, eth, area in Person.objects.values_list("id", "race", "ethnicity", "area_id")
    }
    areas = {pk: code for code, pk in config.area_ids.items()}
    seen = contact_days(config.zone, as_of)
    services = PersonDays.read(
        ["person_id", day_sql("connected_on"), "category_id"],
        "service_referrals_servicereferral WHERE voided_at IS NULL AND connected_on IS NOT NULL AND connected_on <= %s",
        [as_of],
    )
    through = day_number(as_of)

    def row(
        person: int, group: str, origin: int, time: int, event: bool, kind: str, engaged: str, set_id: str
    ) -> list[str]:
        at = int(np.searchsorted(sources.people, person))
        born = int(sources.born[at]) if at < len(sources.people) and sources.people[at] == person else NO_DAY
        age = int(ages_on(np.array([born], dtype=np.int64), np.array([origin], dtype=np.int64))[0])
        over = age > OLDEST_AGE
        days = seen.days_of(person)
        count = int(((days >= origin) & (days <= through)).sum())
        by_category = [0] * len(categories)
        for day, category in zip(*services.rows_of(person), strict=True):
            if day >= origin and int(category) in category_ids:
                by_category[category_ids[int(category)]] += 1
        race, ethnicity, area = people.get(person, ("", "", None))
        return [
            pseudonym("person", person),
            group,
            set_id,
            str(day_of(origin).year),
            "" if born == NO_DAY or over else str(day_of(born).year),
            "" if age < 0 else (f"{OLDEST_AGE + 1}+" if over else str(age)),
            sources.sex_of(person),
            race,
            ethnicity,
            areas.get(area, ""),
            str(time),
            "1" if event else "0",
            kind,
            engaged,
            str(count),
            *(str(n) for n in by_category),
        ]

    out = []
    set_of: dict[tuple[str, int], str] = {}
    for number, matched in enumerate(sets):
        name = pseudonym("set", number)
        set_of[("notified", matched.notified.person)] = name
        for other in matched.comparison:
            set_of[("comparison", other.person)] = name
    for i, person in enumerate(cohort.person.tolist()):
        out.append(
            row(
                person,
                "notified",
                int(cohort.origin[i]),
                int(cohort.time[i]),
                bool(cohort.event[i]),
                cohort.event_kind[i],
                cohort.engagement[i],
                set_of.get(("notified", person), ""),
            )
        )
    for matched in sets:
        for other in matched.comparison:
            kind = ""
            if other.event:
                found = sources.events.rows_of(other.person)
                at = int(np.searchsorted(found[0], day_number(other.origin) + other.time))
                kind = sources.event_kinds[int(found[1][at])] if at < len(found[0]) else ""
            out.append(
                row(
                    other.person,
                    "comparison",
                    day_number(other.origin),
                    other.time,
                    other.event,
                    kind,
                    "",
                    set_of[("comparison", other.person)],
                )
            )
    header = [
        "person_pseudonym",
        "group",
        "matched_set",
        "origin_year",
        "birth_year",
        "age_at_origin",
        "sex",
        "race",
        "ethnicity",
        "area",
        "days_to_event_or_censoring",
        "event",
        "event_type",
        "engaged_within_90_days",
        "contacts",
        *(f"services_connected_{code}" for code in categories),
    ]
    return header, out


def evaluator_dataset(*, user: Any, as_of: dt.date | None = None, purpose: str = "download") -> bytes:
    """The dataset as CSV for ``user`` (managers and analysts); the release is audited before
    anything is handed over, with the number of rows."""
    require(user, "evaluation.public")
    config = program_config()
    as_of = as_of or default_as_of()
    header, found = rows(config, read_sources(config, as_of))
    found.sort(key=lambda r: (r[0], r[1]))
    audit_read(
        actor=user,
        action="evaluation.dataset",
        object_type="evaluation",
        object_id=as_of.isoformat(),
        details={"format": purpose, "rows": len(found), "definitions": VERSION},
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(found)
    return out.getvalue().encode()

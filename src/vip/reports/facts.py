"""The facts layer: the only code of the report that queries the database.

It turns the program's records into plain columns of numbers (numpy arrays),
as of the last day of the report month; the metrics (metrics.py) are pure
functions of these facts. Days are whole days since 1970-01-01, already in the
program's time zone (the local date of each moment is computed once, when the
record is written); ``NO_DATE`` stands for an unknown date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, fields

import numpy as np
from django.db import connection

from vip.core.config import ProgramConfig
from vip.core.dates import Month, fiscal_year
from vip.outcomes.choices import OutcomeType
from vip.referrals.choices import ReferralSource

EPOCH = dt.date(1970, 1, 1)
NO_DATE = np.iinfo(np.int32).min
NO_AREA = -1

OUTCOME_TYPES: tuple[str, ...] = tuple(OutcomeType.values)
REFERRAL_SOURCES: tuple[str, ...] = tuple(ReferralSource.values)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def day_from_number(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class Facts:
    """Everything the metrics read, as of ``through`` (the report month's last day)."""

    through: dt.date
    as_of: dt.datetime | None  # the latest change to the data read
    # Configuration the metrics need, in report order.
    area_codes: tuple[str, ...]
    area_names: tuple[str, ...]
    category_codes: tuple[str, ...]  # every category: the active ones in report order, then the others
    category_names: tuple[str, ...]
    category_active: tuple[bool, ...]
    fiscal_year_start_month: int
    month_labels: tuple[str, ...]
    age_bands: tuple[tuple[str, int, int | None], ...]  # (label, min age, max age or None)
    # Delivered notification attempts, ordered by person, day, time (timed first), id.
    delivery_person: np.ndarray
    delivery_day: np.ndarray
    delivery_area: np.ndarray  # index into area_codes of the attempt's area, or NO_AREA
    delivery_person_area: np.ndarray  # index of the person's area, or NO_AREA
    # People who were ever notified or connected: id and date of birth (NO_DATE if unknown).
    person_id: np.ndarray  # sorted
    person_born: np.ndarray
    # Service referrals that became connected: person, day, category index.
    connection_person: np.ndarray
    connection_day: np.ndarray
    connection_category: np.ndarray
    # Referrals into the program: day received, source index (REFERRAL_SOURCES).
    referral_day: np.ndarray
    referral_source: np.ndarray
    # Outcomes: person, day, type index (OUTCOME_TYPES).
    outcome_person: np.ndarray
    outcome_day: np.ndarray
    outcome_type: np.ndarray

    def fingerprint(self) -> str:
        """A digest of every fact and setting the numbers depend on."""
        digest = hashlib.sha256()
        for item in fields(self):
            if item.name == "as_of":
                continue
            value = getattr(self, item.name)
            if isinstance(value, np.ndarray):
                digest.update(item.name.encode())
                digest.update(np.ascontiguousarray(value).tobytes())
            else:
                digest.update(f"{item.name}={value!r}".encode())
        return digest.hexdigest()


# The queries below are put together from fixed column names and this day-number
# expression only; every value is a bound parameter.
def _day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _fetch(sql: str, params: list[dt.date], width: int) -> list[np.ndarray]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [np.zeros(0, dtype=np.int64) for _ in range(width)]
    columns = list(zip(*rows, strict=True))
    return [np.array([NO_DATE if v is None else v for v in column], dtype=np.int64) for column in columns]


def _index(ids: np.ndarray, id_to_index: dict[int, int]) -> np.ndarray:
    """Map database ids (-1: none) to report-order indexes (NO_AREA: none or inactive)."""
    size = max([*id_to_index, int(ids.max()) if len(ids) else 0]) + 2
    table = np.full(size, NO_AREA, dtype=np.int16)
    for db_id, index in id_to_index.items():
        table[db_id + 1] = index
    return table[ids + 1] if len(ids) else np.zeros(0, dtype=np.int16)


def load_facts(config: ProgramConfig, month: Month) -> Facts:
    """Read the facts of the report month ``month`` (everything on or before its last day)."""
    through = month.last_day
    area_codes = tuple(config.areas)
    area_index = {config.area_ids[code]: i for i, code in enumerate(area_codes)}
    category_codes = tuple(config.all_service_categories)
    category_index = {config.service_category_ids[code]: i for i, code in enumerate(category_codes)}

    attempts = (
        "SELECT a.person_id, {day}, COALESCE(a.area_id, -1), COALESCE(p.area_id, -1) "
        "FROM notifications_notificationattempt a JOIN people_person p ON p.id = a.person_id "
        "WHERE a.outcome = 'delivered' AND a.voided_at IS NULL AND a.attempted_on <= %s "
        "ORDER BY a.person_id, a.attempted_on, CASE WHEN a.attempted_at IS NULL THEN 1 ELSE 0 END, "
        "a.attempted_at, a.id"
    ).format(day=_day_sql("a.attempted_on"))
    d_person, d_day, d_area, d_person_area = _fetch(attempts, [through], 4)

    connections = (
        "SELECT s.person_id, {day}, s.category_id FROM service_referrals_servicereferral s "
        "WHERE s.connected_on IS NOT NULL AND s.voided_at IS NULL AND s.connected_on <= %s "
        "ORDER BY s.person_id, s.connected_on, s.id"
    ).format(day=_day_sql("s.connected_on"))
    c_person, c_day, c_category = _fetch(connections, [through], 3)

    people = (
        "SELECT p.id, {born} FROM people_person p WHERE p.id IN ("
        " SELECT person_id FROM notifications_notificationattempt"
        " WHERE outcome = 'delivered' AND voided_at IS NULL AND attempted_on <= %s"
        " UNION SELECT person_id FROM service_referrals_servicereferral"
        " WHERE connected_on IS NOT NULL AND voided_at IS NULL AND connected_on <= %s) ORDER BY p.id"
    ).format(born=_day_sql("p.date_of_birth"))
    p_id, p_born = _fetch(people, [through, through], 2)

    window_start = min(month.shift(-2).first_day, fiscal_year(month.first_day, config.fiscal_year_start_month).start)
    referrals = (
        "SELECT {day}, r.source FROM referrals_referral r WHERE r.voided_at IS NULL AND r.received_on BETWEEN %s AND %s"
    ).format(day=_day_sql("r.received_on"))
    with connection.cursor() as cursor:
        cursor.execute(referrals, [window_start, through])
        referral_rows = cursor.fetchall()
    source_index = {code: i for i, code in enumerate(REFERRAL_SOURCES)}
    r_day = np.array([row[0] for row in referral_rows], dtype=np.int64)
    r_source = np.array([source_index[row[1]] for row in referral_rows], dtype=np.int16)

    outcomes = (
        "SELECT o.person_id, {day}, o.type FROM outcomes_outcome o WHERE o.voided_at IS NULL AND o.occurred_on <= %s "
        "ORDER BY o.person_id, o.occurred_on, o.id"
    ).format(day=_day_sql("o.occurred_on"))
    with connection.cursor() as cursor:
        cursor.execute(outcomes, [through])
        outcome_rows = cursor.fetchall()
    type_index = {code: i for i, code in enumerate(OUTCOME_TYPES)}
    o_person = np.array([row[0] for row in outcome_rows], dtype=np.int64)
    o_day = np.array([row[1] for row in outcome_rows], dtype=np.int64)
    o_type = np.array([type_index[row[2]] for row in outcome_rows], dtype=np.int16)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM notifications_notificationattempt"
            " UNION ALL SELECT MAX(updated_at) FROM service_referrals_servicereferral"
            " UNION ALL SELECT MAX(updated_at) FROM referrals_referral"
            " UNION ALL SELECT MAX(updated_at) FROM outcomes_outcome"
            " UNION ALL SELECT MAX(updated_at) FROM people_person) changes"
        )
        (latest,) = cursor.fetchone()
    as_of = _as_datetime(latest)

    return Facts(
        through=through,
        as_of=as_of,
        area_codes=area_codes,
        area_names=tuple(config.areas[c] for c in area_codes),
        category_codes=category_codes,
        category_names=tuple(config.all_service_categories[c] for c in category_codes),
        category_active=tuple(c in config.service_categories for c in category_codes),
        fiscal_year_start_month=config.fiscal_year_start_month,
        month_labels=tuple(config.month_labels),
        age_bands=tuple((b.label, b.min_age, b.max_age) for b in config.age_bands),
        delivery_person=d_person,
        delivery_day=d_day.astype(np.int32),
        delivery_area=_index(d_area, area_index),
        delivery_person_area=_index(d_person_area, area_index),
        person_id=p_id,
        person_born=p_born.astype(np.int32) if len(p_born) else np.zeros(0, dtype=np.int32),
        connection_person=c_person,
        connection_day=c_day.astype(np.int32),
        connection_category=_index(c_category, category_index),
        referral_day=r_day.astype(np.int32),
        referral_source=r_source,
        outcome_person=o_person,
        outcome_day=o_day.astype(np.int32),
        outcome_type=o_type,
    )


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

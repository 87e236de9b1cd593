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
from collections.abc import Sequence
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


# The outcomes of a mediation, in report order (vip.mediations.choices.MediationOutcome).
MEDIATION_OUTCOMES: tuple[str, ...] = ("resolved", "ongoing", "escalated")


@dataclass(frozen=True)
class FieldFacts:
    """The facts of the report's optional sections (the profile's ``report_sections``)."""

    sections: tuple[str, ...]
    # Mediations not voided: day held, outcome index (MEDIATION_OUTCOMES) as recorded now.
    mediation_day: np.ndarray
    mediation_outcome: np.ndarray
    # Incentive payments and reversals: day paid, person, amount in cents (a reversal negative).
    payment_day: np.ndarray
    payment_person: np.ndarray
    payment_cents: np.ndarray
    # Call-ins: day held (program time zone), people invited, people who attended.
    call_in_day: np.ndarray
    call_in_invited: np.ndarray
    call_in_attended: np.ndarray


@dataclass(frozen=True)
class Facts:
    """Everything the metrics read, as of ``through`` (the report month's last day)."""

    through: dt.date
    # The latest change to the records read: the attempts, service referrals, referrals and outcomes
    # the facts come from (voided ones too: voiding changes the figures).
    as_of: dt.datetime | None
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
    # Index of the person's area, or NO_AREA; read only where delivery_area is NO_AREA (NO_AREA elsewhere).
    delivery_person_area: np.ndarray
    # People notified or connected in the report month (the ones whose age the metrics read):
    # id and date of birth (NO_DATE if unknown).
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
    # The optional sections' facts; None when the profile shows none (the seed's layout).
    field: FieldFacts | None = None

    def fingerprint(self) -> str:
        """A digest of every fact and setting the numbers depend on."""
        digest = hashlib.sha256()
        for source in (self, self.field):
            if source is None:
                continue  # no optional section: the digest is what it always was
            for item in fields(source):
                if item.name in ("as_of", "field"):
                    continue
                value = getattr(source, item.name)
                if isinstance(value, np.ndarray):
                    digest.update(item.name.encode())
                    digest.update(np.ascontiguousarray(value).tobytes())
                else:
                    digest.update(f"{item.name}={value!r}".encode())
        return digest.hexdigest()


# The queries below are put together from fixed column names and these expressions only; every
# value is a bound parameter.
def _day_sql(column: str) -> str:
    """The day number of a date column (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _scanned(table: str, alias: str) -> str:
    """A FROM item read whole: the rows wanted are most of the table (everything up to the report
    month of a program's whole history). SQLite, without statistics, would go through the date's
    index and fetch each row from the table apart, at twice the cost of reading the table straight
    through; PostgreSQL's planner chooses for itself."""
    if connection.vendor == "sqlite":
        return f"{table} {alias} NOT INDEXED"
    return f"{table} {alias}"


def _moment_keys_sql(column: str) -> tuple[str, str]:
    """Two integers that order a date-time column as the database orders it (NULL last).

    SQLite stores a moment as ISO text in UTC ('YYYY-MM-DD HH:MM:SS[.ffffff]'): the first key is
    its digits to the second (YYYYMMDDHHMMSS), the second its microseconds. PostgreSQL: the
    microseconds since 1970, and 0.
    """
    last = np.iinfo(np.int64).max
    if connection.vendor == "postgresql":
        return f"COALESCE(CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT), {last})", "0"
    digits = f"CAST(replace(replace(replace(substr({column}, 1, 19), '-', ''), ' ', ''), ':', '') AS INTEGER)"
    return f"COALESCE({digits}, {last})", f"COALESCE(CAST(substr({column}, 21, 6) AS INTEGER), 0)"


@dataclass(frozen=True)
class _Read:
    """What one scan of a table gave: its columns, and the latest change among the rows scanned."""

    columns: list[np.ndarray]
    latest: object


def _read(source: str, live: str, columns: list[tuple[str, str]], params: Sequence[int | dt.date]) -> _Read:
    """Columns of the rows of ``source`` (a FROM clause with its WHERE) for which ``live`` holds,
    read as one row, and the latest ``updated_at`` among all the rows of ``source``.

    The database joins each column into one text (group_concat on SQLite, string_agg on
    PostgreSQL) and numpy parses it in C: no Python object per value, which is what made reading
    hundreds of thousands of rows slow. A column is (expression, kind): ``int``, an integer
    never NULL, joined with commas; ``date``, a date never NULL, as fixed-width YYYY-MM-DD text
    read as day numbers. The columns come from one aggregate over the same rows, so they stay
    aligned; their order is the database's, and callers sort. The rows that fail ``live`` (the
    voided ones) are left out of the columns but not of the latest change: voiding a record
    changes the figures.
    """
    postgres = connection.vendor == "postgresql"
    joined = []
    for expression, kind in columns:
        value = f"CASE WHEN {live} THEN {expression} END"
        if kind == "date":
            text = f"to_char({value}, 'YYYY-MM-DD')" if postgres else value
            joined.append(f"string_agg({text}, '')" if postgres else f"group_concat({text}, '')")
        else:
            joined.append(f"string_agg(CAST({value} AS text), ',')" if postgres else f"group_concat({value}, ',')")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(CASE WHEN {live} THEN 1 END), MAX(updated_at), {', '.join(joined)} FROM {source}", params
        )
        row = cursor.fetchone()
    assert row is not None
    count, latest, texts = int(row[0]), row[1], row[2:]
    out = []
    for (expression, kind), text in zip(columns, texts, strict=True):
        if not count:
            values = np.zeros(0, dtype=np.int64)
        elif kind == "date":
            values = np.frombuffer(text.encode("ascii"), dtype="S10").astype("datetime64[D]").astype(np.int64)
        else:
            values = np.fromstring(text, dtype=np.int64, sep=",")
        if len(values) != count:  # never silently short: a NULL or a non-integer would show here
            raise ValueError(f"facts: {expression} gave {len(values)} values for {count} rows")
        out.append(values)
    return _Read(out, latest)


def _sorted(*columns: np.ndarray, keys: int) -> list[np.ndarray]:
    """``columns`` ordered by their first ``keys`` columns (the first one first)."""
    if len(columns[0]) == 0:
        return list(columns)
    order = np.lexsort(tuple(reversed(columns[:keys])))
    return [column[order] for column in columns]


def _index(ids: np.ndarray, id_to_index: dict[int, int]) -> np.ndarray:
    """Map database ids (-1: none) to report-order indexes (NO_AREA: none or inactive)."""
    size = max([*id_to_index, int(ids.max()) if len(ids) else 0]) + 2
    table = np.full(size, NO_AREA, dtype=np.int16)
    for db_id, index in id_to_index.items():
        table[db_id + 1] = index
    return table[ids + 1] if len(ids) else np.zeros(0, dtype=np.int16)


def _codes(column: str, codes: tuple[str, ...]) -> str:
    """A text column as the index of its value in ``codes`` (-1 for any other value)."""
    cases = " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(codes))  # fixed choices, not input
    return f"CASE {column} {cases} ELSE -1 END"


def _checked_codes(values: np.ndarray, codes: tuple[str, ...], what: str) -> np.ndarray:
    if len(values) and values.min() < 0:
        raise ValueError(f"facts: a {what} that is none of {', '.join(codes)}")
    return values.astype(np.int16)


BATCH = 10_000  # ids per query: well under SQLite's limit on bound parameters


def _by_ids(table: str, ids: np.ndarray, columns: list[str]) -> list[np.ndarray]:
    """Integer ``columns`` (the first: the id) of the rows of ``table`` whose id is in ``ids``, by id."""
    parts: list[list[np.ndarray]] = []
    for start in range(0, len(ids), BATCH):
        batch = [int(i) for i in ids[start : start + BATCH]]
        marks = ", ".join(["%s"] * len(batch))
        read = _read(f"{table} t WHERE t.id IN ({marks})", "1 = 1", [(c, "int") for c in columns], list(batch))
        parts.append(read.columns)
    if not parts:
        return [np.zeros(0, dtype=np.int64) for _ in columns]
    return _sorted(*(np.concatenate([part[i] for part in parts]) for i in range(len(columns))), keys=1)


def _first_of_day_order(person: np.ndarray, day: np.ndarray, attempt: np.ndarray) -> np.ndarray:
    """The order of delivered attempts (person, day, attempt id) that puts each person's day's
    first attempt first: timed attempts by their moment before untimed ones, then by id.

    Only days with more than one attempt need the moments, and they are few: those attempts'
    moments are read apart, instead of parsing the moment of every attempt.
    """
    order = np.lexsort((attempt, day, person))
    person, day, attempt = person[order], day[order], attempt[order]
    if len(order) < 2:
        return order
    same = (person[1:] == person[:-1]) & (day[1:] == day[:-1])
    shared = np.zeros(len(order), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    if not shared.any():
        return order
    moment, micro = _moment_keys_sql("t.attempted_at")
    ids, moments, micros = _by_ids(
        "notifications_notificationattempt",
        np.unique(attempt[shared]),
        [
            "t.id",
            moment,
            micro,
        ],
    )
    where = np.searchsorted(ids, attempt)
    where = np.minimum(where, len(ids) - 1)
    known = shared & (ids[where] == attempt)
    key, key2 = np.zeros(len(order), dtype=np.int64), np.zeros(len(order), dtype=np.int64)
    key[known], key2[known] = moments[where[known]], micros[where[known]]
    return order[np.lexsort((attempt, key2, key, day, person))]


def load_facts(config: ProgramConfig, month: Month) -> Facts:
    """Read the facts of the report month ``month`` (everything on or before its last day)."""
    through = month.last_day
    area_codes = tuple(config.areas)
    area_index = {config.area_ids[code]: i for i, code in enumerate(area_codes)}
    category_codes = tuple(config.all_service_categories)
    category_index = {config.service_category_ids[code]: i for i, code in enumerate(category_codes)}
    latest: list[object] = []

    # Delivered attempts; the person's area is looked up only for an attempt without an area of the
    # report (none, or one no longer configured): looking it up for every attempt was a third of the
    # time this read took.
    area_ids = sorted(area_index)
    report_area = f"a.area_id IN ({', '.join(['%s'] * len(area_ids))})" if area_ids else "1 = 0"
    person_area = "(SELECT p.area_id FROM people_person p WHERE p.id = a.person_id)"
    attempts = _read(
        "notifications_notificationattempt a WHERE a.outcome = 'delivered' AND a.attempted_on <= %s",
        "a.voided_at IS NULL",
        [
            ("a.person_id", "int"),
            ("a.attempted_on", "date"),
            ("a.id", "int"),
            ("COALESCE(a.area_id, -1)", "int"),
            (f"CASE WHEN {report_area} THEN -1 ELSE COALESCE({person_area}, -1) END", "int"),
        ],
        [*area_ids, through],  # the columns' parameters come first: they are in the SELECT
    )
    latest.append(attempts.latest)
    d_person, d_day, d_id, d_area, d_person_area = attempts.columns
    order = _first_of_day_order(d_person, d_day, d_id)
    d_person, d_day, d_area, d_person_area = d_person[order], d_day[order], d_area[order], d_person_area[order]

    # Connected service referrals, ordered by every column (rows equal in all of them are alike).
    connections = _read(
        f"{_scanned('service_referrals_servicereferral', 's')} "
        "WHERE s.connected_on IS NOT NULL AND s.connected_on <= %s",
        "s.voided_at IS NULL",
        [("s.person_id", "int"), ("s.connected_on", "date"), ("s.category_id", "int")],
        [through],
    )
    latest.append(connections.latest)
    c_person, c_day, c_category = _sorted(*connections.columns, keys=3)

    # The dates of birth the metrics read: of the people notified or connected in the month.
    first_day = day_number(month.first_day)
    wanted = np.union1d(d_person[d_day >= first_day], c_person[c_day >= first_day])
    p_id, p_born = _by_ids("people_person", wanted, ["t.id", f"COALESCE({_day_sql('t.date_of_birth')}, {NO_DATE})"])

    window_start = min(month.shift(-2).first_day, fiscal_year(month.first_day, config.fiscal_year_start_month).start)
    referrals = _read(
        "referrals_referral r WHERE r.received_on BETWEEN %s AND %s",
        "r.voided_at IS NULL",
        [("r.received_on", "date"), (_codes("r.source", REFERRAL_SOURCES), "int")],
        [window_start, through],
    )
    latest.append(referrals.latest)
    r_day, r_source = _sorted(*referrals.columns, keys=2)

    outcomes = _read(
        f"{_scanned('outcomes_outcome', 'o')} WHERE o.occurred_on <= %s",
        "o.voided_at IS NULL",
        [("o.person_id", "int"), ("o.occurred_on", "date"), (_codes("o.type", OUTCOME_TYPES), "int")],
        [through],
    )
    latest.append(outcomes.latest)
    o_person, o_day, o_type = _sorted(*outcomes.columns, keys=3)

    field = _field_facts(config, through, window_start, latest)
    as_of = max((moment for moment in map(_as_datetime, latest) if moment is not None), default=None)

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
        person_born=p_born.astype(np.int32),
        connection_person=c_person,
        connection_day=c_day.astype(np.int32),
        connection_category=_index(c_category, category_index),
        referral_day=r_day.astype(np.int32),
        referral_source=_checked_codes(r_source, REFERRAL_SOURCES, "referral source"),
        outcome_person=o_person,
        outcome_day=o_day.astype(np.int32),
        outcome_type=_checked_codes(o_type, OUTCOME_TYPES, "outcome type"),
        field=field,
    )


def _field_facts(config: ProgramConfig, through: dt.date, start: dt.date, latest: list[object]) -> FieldFacts | None:
    """The facts of the optional sections the profile shows, from ``start`` (the earliest day a
    report column covers) to ``through``; None when it shows none."""
    sections = tuple(s for s in config.field_work.report_sections)
    if not sections:
        return None
    empty = np.zeros(0, dtype=np.int64)
    m_day = m_outcome = p_day = p_person = p_cents = c_day = c_invited = c_attended = empty
    if "mediations" in sections:
        mediations = _read(
            "mediations_mediation m WHERE m.occurred_on BETWEEN %s AND %s",
            "m.voided_at IS NULL",
            [("m.occurred_on", "date"), (_codes("m.outcome", MEDIATION_OUTCOMES), "int")],
            [start, through],
        )
        latest.append(mediations.latest)
        m_day, m_outcome = _sorted(*mediations.columns, keys=2)
        m_outcome = _checked_codes(m_outcome, MEDIATION_OUTCOMES, "mediation outcome")
    if "incentives" in sections:
        payments = _read(
            "incentives_incentivepayment p WHERE p.paid_on BETWEEN %s AND %s",
            "1 = 1",
            [
                ("p.paid_on", "date"),
                ("(SELECT i.person_id FROM incentives_incentive i WHERE i.id = p.incentive_id)", "int"),
                ("p.amount_cents", "int"),
            ],
            [start, through],
        )
        latest.append(payments.latest)
        p_day, p_person, p_cents = _sorted(*payments.columns, keys=3)
    if "call_ins" in sections:
        c_day, c_invited, c_attended = _call_ins(config, start, through, latest)
    return FieldFacts(
        sections=sections,
        mediation_day=m_day.astype(np.int32),
        mediation_outcome=m_outcome.astype(np.int16),
        payment_day=p_day.astype(np.int32),
        payment_person=p_person,
        payment_cents=p_cents,
        call_in_day=c_day.astype(np.int32),
        call_in_invited=c_invited,
        call_in_attended=c_attended,
    )


def _call_ins(config: ProgramConfig, start: dt.date, through: dt.date, latest: list[object]) -> list[np.ndarray]:
    """Call-ins are few (a handful a month): their moments are turned into the program's days here."""
    zone = config.zone
    since = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(through + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.held_at, c.updated_at, "
            "(SELECT COUNT(*) FROM groups_callinattendance a WHERE a.call_in_id = c.id AND a.invited), "
            "(SELECT COUNT(*) FROM groups_callinattendance a WHERE a.call_in_id = c.id AND a.attended), "
            "(SELECT MAX(a.updated_at) FROM groups_callinattendance a WHERE a.call_in_id = c.id) "
            "FROM groups_callin c WHERE c.held_at >= %s AND c.held_at < %s",
            [since, until],
        )
        rows = cursor.fetchall()
    kept = []
    for held_at, updated_at, invited, attended, attendance_updated in rows:
        moment = _as_datetime(held_at)
        assert moment is not None
        day = moment.astimezone(zone).date()
        latest.extend([updated_at, attendance_updated])
        if start <= day <= through:
            kept.append((day_number(day), int(invited), int(attended)))
    kept.sort()
    columns = list(zip(*kept, strict=True)) if kept else [(), (), ()]
    return [np.array(column, dtype=np.int64) for column in columns]


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

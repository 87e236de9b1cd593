"""Areas over time (docs/evaluation.md, "Areas over time").

For each area command and for the whole city: the shooting victims of each month (victims of
incidents of type shooting, by the incident's area and local day) beside the program's delivered
custom notifications (by the attempt's area, else the person's, as the monthly report places
them). The months run from the first with either up to the last complete one on the as-of day.

Around the program's start (the profile's ``program_start``; without one, the month of the
first delivered notification), an interrupted time series: a Poisson regression of the monthly
victims (statsmodels GLM) on time, a step at the start and a slope after it,

    log E[victims] = b0 + b1·t + b2·after + b3·(months since the start)·after,

with the scale estimated from the Pearson chi-square (victims vary more than a Poisson count).
Reported as rate ratios with 95% intervals: exp(b2), the level change at the start, and exp(b3),
the change in the monthly trend after it. At least 12 months on each side are needed, and at
least one victim.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from vip.core.config import ProgramConfig
from vip.core.dates import Month, fiscal_year
from vip.evaluation.cohort import fetch
from vip.identification.choices import IncidentType, InvolvementRole

MIN_MONTHS_EACH_SIDE = 12
CITY = "all"


@dataclass(frozen=True)
class RateRatio:
    value: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float]:
        return {"rate_ratio": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass(frozen=True)
class Series:
    """One area's months, and its interrupted time series where it could be estimated."""

    area: str  # an area code, or CITY
    name: str
    months: list[str]
    victims: list[int | None]  # None: withheld
    notifications: list[int | None]
    start: str  # the month the series divides at
    level_change: RateRatio | None
    slope_change: RateRatio | None
    dispersion: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "name": self.name,
            "months": [
                {"month": m, "shooting_victims": v, "notifications": n}
                for m, v, n in zip(self.months, self.victims, self.notifications, strict=True)
            ],
            "its": {
                "start": self.start,
                "level_change": None if self.level_change is None else self.level_change.to_dict(),
                "slope_change": None if self.slope_change is None else self.slope_change.to_dict(),
                "dispersion": self.dispersion,
                "note": self.note,
            },
        }


def month_sql(column: str) -> str:
    """The SQL of a date column's month ("YYYY-MM")."""
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _monthly(config: ProgramConfig, as_of: dt.date) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(area code or CITY, month) -> shooting victims, and -> delivered notifications."""
    codes = {pk: code for code, pk in config.area_ids.items()}
    victims: dict[tuple[str, str], int] = defaultdict(int)
    rows = fetch(
        f"SELECT i.area_id, {month_sql('i.occurred_on')}, COUNT(*) FROM identification_involvement v "
        "JOIN identification_incident i ON i.id = v.incident_id "
        "WHERE v.role = %s AND i.type = %s AND i.occurred_on <= %s GROUP BY 1, 2",
        [InvolvementRole.VICTIM.value, IncidentType.SHOOTING.value, as_of],
    )
    notifications: dict[tuple[str, str], int] = defaultdict(int)
    given = fetch(
        f"SELECT COALESCE(a.area_id, p.area_id), {month_sql('a.attempted_on')}, COUNT(*) "
        "FROM notifications_notificationattempt a JOIN people_person p ON p.id = a.person_id "
        "WHERE a.outcome = 'delivered' AND a.voided_at IS NULL AND a.attempted_on <= %s GROUP BY 1, 2",
        [as_of],
    )
    for found, table in ((rows, victims), (given, notifications)):
        for area, month, count in found:
            table[(CITY, month)] += int(count)
            if area in codes:
                table[(codes[area], month)] += int(count)
    return victims, notifications


def interrupted(counts: list[int], start_index: int) -> tuple[RateRatio | None, RateRatio | None, float | None, str]:
    """The segmented Poisson regression of ``counts`` (one a month) divided at ``start_index``:
    the level change and the slope change as rate ratios, the dispersion, and a note where there
    is no estimate."""
    before, after = start_index, len(counts) - start_index
    if before < MIN_MONTHS_EACH_SIDE or after < MIN_MONTHS_EACH_SIDE:
        return None, None, None, f"needs {MIN_MONTHS_EACH_SIDE} months on each side ({before} before, {after} after)"
    if not any(counts):
        return None, None, None, "no shooting victims"
    # Deferred, and the model's own module only (statsmodels.api loads every model it has).
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    t = np.arange(len(counts), dtype=float)
    step = (t >= start_index).astype(float)
    since = np.where(step > 0, t - start_index, 0.0)
    design = np.column_stack([np.ones_like(t), t, step, since])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # perfect separation and the like: the note says so
            result = GLM(np.asarray(counts, dtype=float), design, family=Poisson()).fit(scale="X2")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return None, None, None, f"the model could not be estimated ({exc})"
    params, bounds = result.params, result.conf_int(alpha=0.05)
    if not np.all(np.isfinite(bounds)):
        return None, None, None, "the model could not be estimated (unbounded intervals)"

    def ratio(i: int) -> RateRatio:
        return RateRatio(float(np.exp(params[i])), float(np.exp(bounds[i][0])), float(np.exp(bounds[i][1])))

    return ratio(2), ratio(3), float(result.scale), ""


def areas_over_time(config: ProgramConfig, as_of: dt.date, threshold: int = 0) -> list[Series]:
    """Every area's series (in report order), then the whole city's."""
    victims, notifications = _monthly(config, as_of)
    last = Month.of(as_of) if as_of == Month.of(as_of).last_day else Month.of(as_of).shift(-1)
    seen = [Month.parse(m) for _a, m in (*victims, *notifications)]
    if not seen:
        return []
    first = min(seen)
    months: list[Month] = []
    month = first
    while month <= last:
        months.append(month)
        month = month.shift(1)
    labels = [str(m) for m in months]
    if config.program_start is not None:
        start = Month.of(config.program_start)
    else:
        delivered = [Month.parse(m) for a, m in notifications if a == CITY]
        start = min(delivered) if delivered else last.shift(1)
    start_index = sum(1 for m in months if m < start)
    out = []
    for code, name in [*config.areas.items(), (CITY, "All areas")]:
        counts = [victims.get((code, m), 0) for m in labels]
        given = [notifications.get((code, m), 0) for m in labels]
        level, slope, dispersion, note = interrupted(counts, start_index)

        def shown(values: list[int]) -> list[int | None]:
            return [None if threshold and 1 <= v <= threshold else v for v in values]

        out.append(Series(code, name, labels, shown(counts), shown(given), str(start), level, slope, dispersion, note))
    return out


def by_fiscal_year(series: list[Series], start_month: int) -> list[Series]:
    """``series`` with their months added up by fiscal year (the public edition's: the
    interrupted time series stay those of the months)."""
    out = []
    for one in series:
        years: dict[str, list[int]] = {}
        for month, victims, given in zip(one.months, one.victims, one.notifications, strict=True):
            first = Month.parse(month).first_day
            label = fiscal_year(first, start_month).label
            totals = years.setdefault(label, [0, 0])
            totals[0] += victims or 0
            totals[1] += given or 0
        labels = list(years)
        out.append(
            Series(
                one.area,
                one.name,
                labels,
                [years[y][0] for y in labels],
                [years[y][1] for y in labels],
                one.start,
                one.level_change,
                one.slope_change,
                one.dispersion,
                one.note,
            )
        )
    return out

"""Areas over time (eval-1): monthly shooting victims and delivered notifications per area from
hand-built incidents and attempts, and the segmented Poisson regression recovering a planted
level change on generated counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from vip.core.models import Area
from vip.evaluation.areas import CITY, areas_over_time, interrupted
from vip.evaluation.tests.test_survival import _key, person
from vip.identification.services import incident_record, involvement_add
from vip.notifications.services import attempt_record

DENVER = ZoneInfo("America/Denver")


def shooting(day: dt.date, area: str | None, victims: int, witnesses: int = 0) -> None:
    incident = incident_record(
        actor=None,
        key=_key("I"),
        occurred_at=dt.datetime(day.year, day.month, day.day, 22, 0, tzinfo=DENVER),
        type="shooting",
        area=Area.objects.get(code=area) if area else None,
    )
    for _ in range(victims):
        involvement_add(actor=None, incident=incident, person=person(), role="victim")
    for _ in range(witnesses):
        involvement_add(actor=None, incident=incident, person=person(), role="witness")


@pytest.mark.django_db
def test_monthly_victims_and_notifications_by_area(program: Any) -> None:
    shooting(dt.date(2024, 1, 5), "southeast", victims=2, witnesses=3)  # witnesses are not victims
    shooting(dt.date(2024, 1, 31), "southeast", victims=1)
    shooting(dt.date(2024, 3, 2), "valley", victims=1)
    shooting(dt.date(2024, 3, 3), None, victims=1)  # no area: in the city's series only
    who = person()
    moment = dt.datetime(2024, 3, 4, 12, 0, tzinfo=DENVER)
    valley = Area.objects.get(code="valley")
    attempt_record(actor=None, person=who, attempted_at=moment, outcome="delivered", team={"police"}, area=valley)
    attempt_record(actor=None, person=who, attempted_at=moment, outcome="refused", team={"police"}, area=valley)
    series = {s.area: s for s in areas_over_time(program, dt.date(2024, 3, 31))}
    assert series["southeast"].months == ["2024-01", "2024-02", "2024-03"]
    assert series["southeast"].victims == [3, 0, 0]
    assert series["valley"].victims == [0, 0, 1]
    assert series["valley"].notifications == [0, 0, 1]  # the delivered one only
    assert series[CITY].victims == [3, 0, 2]
    assert series[CITY].start == "2024-03"  # no program_start in the profile: the first delivery's month
    assert series[CITY].level_change is None and "12 months" in series[CITY].note
    public = {s.area: s for s in areas_over_time(program, dt.date(2024, 3, 31), threshold=2)}
    assert public["southeast"].victims == [3, 0, 0]
    assert public[CITY].victims == [3, 0, None]  # 2: withheld


@pytest.mark.parametrize("seed", [7])
def test_the_interrupted_time_series_recovers_a_planted_level_change(seed: int) -> None:
    rng = np.random.default_rng(seed)
    months, start = 72, 36
    t = np.arange(months)
    rate = 40 * np.exp(0.004 * t) * np.where(t >= start, 0.7, 1.0)  # a 30% drop at the start, no new trend
    counts = [int(c) for c in rng.poisson(rate)]
    level, slope, dispersion, note = interrupted(counts, start)
    assert note == ""
    assert level is not None and slope is not None and dispersion is not None
    assert level.ci_low <= 0.7 <= level.ci_high
    assert level.ci_high < 1.0
    assert slope.ci_low <= 1.0 <= slope.ci_high


def test_no_estimate_without_enough_months_or_victims() -> None:
    assert interrupted([1] * 30, 5)[3].startswith("needs 12 months")
    assert interrupted([0] * 30, 15)[3] == "no shooting victims"

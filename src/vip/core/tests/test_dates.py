"""Fiscal years, report periods, local dates and ages (property-tested)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vip.core.dates import (
    Month,
    Period,
    age_on,
    fiscal_year,
    fiscal_year_to_date,
    local_date,
    month_label,
    months_between,
    report_columns,
)

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
start_months = st.integers(min_value=1, max_value=12)
months = st.builds(Month, st.integers(min_value=1901, max_value=2099), st.integers(min_value=1, max_value=12))
AP = ["JAN", "FEB", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUG", "SEPT", "OCT", "NOV", "DEC"]


@given(days, start_months)
def test_every_day_belongs_to_exactly_one_fiscal_year(day: dt.date, start: int) -> None:
    fy = fiscal_year(day, start)
    assert fy.start <= day <= fy.end
    # The neighbouring fiscal years do not contain it.
    before = fiscal_year(fy.start - dt.timedelta(days=1), start)
    after = fiscal_year(fy.end + dt.timedelta(days=1), start)
    assert not before.start <= day <= before.end
    assert not after.start <= day <= after.end
    assert before.end + dt.timedelta(days=1) == fy.start
    assert fy.end + dt.timedelta(days=1) == after.start


@given(days, start_months)
def test_fiscal_year_is_twelve_months_starting_on_the_first(day: dt.date, start: int) -> None:
    fy = fiscal_year(day, start)
    assert fy.start.day == 1 and fy.start.month == start
    assert Month.of(fy.start).shift(12).first_day == fy.end + dt.timedelta(days=1)
    assert fy.label == f"FY{fy.end.year}"


@given(months, start_months)
def test_fytd_of_the_first_fiscal_month_is_that_month(month: Month, start: int) -> None:
    first = Month(month.year, start)
    assert fiscal_year_to_date(first, start) == first.period


@given(months, start_months)
def test_fytd_ends_with_the_month_and_covers_its_three_columns_only_in_the_same_year(month: Month, start: int) -> None:
    fytd = fiscal_year_to_date(month, start)
    assert fytd.end == month.last_day
    assert month.first_day in fytd
    columns = dict(report_columns(month, start))
    # M-1 and M-2 are inside FYTD exactly when they belong to the same fiscal year.
    for key, shift in (("m1", -1), ("m2", -2)):
        inside = fiscal_year(month.shift(shift).first_day, start) == fiscal_year(month.first_day, start)
        assert (columns[key].start in fytd) == inside


def test_albuquerque_november_2022_columns() -> None:
    columns = report_columns(Month(2022, 11), 7)
    assert [key for key, _ in columns] == ["m", "m1", "m2", "fytd"]
    assert columns[0][1] == Period(dt.date(2022, 11, 1), dt.date(2022, 11, 30))
    assert columns[2][1] == Period(dt.date(2022, 9, 1), dt.date(2022, 9, 30))
    assert columns[3][1] == Period(dt.date(2022, 7, 1), dt.date(2022, 11, 30))
    assert [month_label(Month(2022, m), AP) for m in (11, 10, 9)] == ["NOV", "OCT", "SEPT"]
    assert Month(2022, 11).title() == "NOVEMBER 2022"


def test_m2_in_previous_fiscal_year() -> None:
    # August 2022: M-2 is June 2022, which belongs to FY2022; FYTD is July-August only.
    columns = dict(report_columns(Month(2022, 8), 7))
    assert columns["m2"] == Month(2022, 6).period
    assert columns["fytd"] == Period(dt.date(2022, 7, 1), dt.date(2022, 8, 31))
    assert columns["m2"].start not in columns["fytd"]


@given(months, st.integers(min_value=-500, max_value=500))
def test_month_shift_round_trips(month: Month, n: int) -> None:
    assert month.shift(n).shift(-n) == month
    assert month.shift(n).first_day >= dt.date(1858, 1, 1)


@given(months)
def test_month_parse_round_trips(month: Month) -> None:
    assert Month.parse(str(month)) == month


@pytest.mark.parametrize("text", ["2022-13", "2022-1", "22-11", "2022/11", "november", ""])
def test_month_parse_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_months_between() -> None:
    assert months_between(Month(2022, 11), Month(2023, 2)) == [
        Month(2022, 11),
        Month(2022, 12),
        Month(2023, 1),
        Month(2023, 2),
    ]


@given(days, days)
def test_age_increases_by_one_on_each_birthday(born: dt.date, day: dt.date) -> None:
    if day < born:
        born, day = day, born
    age = age_on(born, day)
    assert age >= 0
    assert age == day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_leap_day_birthdays() -> None:
    born = dt.date(2004, 2, 29)
    assert age_on(born, dt.date(2022, 2, 28)) == 17
    assert age_on(born, dt.date(2022, 3, 1)) == 18
    assert age_on(born, dt.date(2024, 2, 28)) == 19
    assert age_on(born, dt.date(2024, 2, 29)) == 20
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(born, dt.date(2004, 2, 28))


DENVER = ZoneInfo("America/Denver")


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1), timezones=st.just(dt.UTC)))
def test_local_date_is_the_date_in_the_program_time_zone(moment: dt.datetime) -> None:
    day = local_date(moment, "America/Denver")
    assert day == moment.astimezone(DENVER).date()
    # Denver is always 6 or 7 hours behind UTC.
    assert moment.date() - dt.timedelta(days=1) <= day <= moment.date()


def test_late_night_delivery_stays_in_its_local_month() -> None:
    # 23:30 on 30 November in Albuquerque is already 1 December in UTC.
    moment = dt.datetime(2022, 11, 30, 23, 30, tzinfo=DENVER)
    assert moment.astimezone(dt.UTC).date() == dt.date(2022, 12, 1)
    assert local_date(moment, "America/Denver") == dt.date(2022, 11, 30)


def test_local_date_refuses_naive() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(dt.datetime(2022, 1, 1), "America/Denver")

"""Security row 45, the causes the walk of every address found (tests/security/test_bad_input.py):
each fixed where it starts, so every page, form and API operation has it."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.urls import resolve
from django.urls.exceptions import Resolver404

from vip.core.dates import EARLIEST, LATEST, Month, out_of_range
from vip.core.forms import StaffForm
from vip.core.models import Area


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "0000-01", "0001-01", "99999-01", "9999-12", "2026-1", "\uff12\uff10\uff12\uff16-01"]
)
def test_row_45_a_month_out_of_range_or_malformed_is_refused_by_the_one_parser(text: str) -> None:
    with pytest.raises(ValueError, match="not a month in the form YYYY-MM"):
        Month.parse(text)
    assert Month.parse("2026-12") == Month(2026, 12)


def test_row_45_dates_are_taken_within_the_programs_range() -> None:
    assert out_of_range(EARLIEST) == out_of_range(LATEST) == ""
    assert "outside" in out_of_range(dt.date(9999, 12, 31))
    assert "outside" in out_of_range(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="year must be"):
        Month(0, 1)


class _Form(StaffForm):
    day = forms.DateField()
    moment = forms.DateTimeField(required=False)
    version = forms.IntegerField(required=False)
    area = forms.ModelChoiceField(queryset=Area.objects.all(), required=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "9999-12-31"}, "day"),
        ({"day": "0001-01-01"}, "day"),
        ({"day": "2026-01-01", "moment": "9999-12-31T23:59"}, "moment"),
        ({"day": "2026-01-01", "version": str(2**63)}, "version"),
        ({"day": "2026-01-01", "area": "99999999999999999999999"}, "area"),
    ],
)
def test_row_45_staff_forms_refuse_what_no_column_holds(program, data, field) -> None:
    form = _Form(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_row_45_an_id_no_column_holds_is_not_an_address() -> None:
    assert resolve("/people/123456789012345678/").kwargs == {"person_id": 123456789012345678}
    for path in ("/people/1234567890123456789/", "/api/v1/people/99999999999999999999999/"):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.url_name == "not_found"  # the API's JSON 404


@pytest.mark.django_db
def test_row_45_bad_input_gets_a_clear_400_or_the_form_again(program, make_user, client) -> None:
    from vip.accounts.tokens import token_create

    manager = make_user("manager")
    client.force_login(manager)
    page = client.get("/identification/disparity/", {"start": "9999-12-31", "end": "9999-12-31"})
    assert page.status_code == 200 and "Enter a date between 1900 and 2199." in page.content.decode()
    asked = client.post("/identification/disparity/", {"start": "2026-01-01", "end": "99999-01-01"})
    assert asked.status_code == 200 and "Enter a valid date." in asked.content.decode()  # nothing queued
    assert client.get("/identification/disparity/99999999999999999999/csv/").status_code == 404
    assert client.get("/people/99999999999999999999999/").status_code == 404
    token = token_create(actor=None, user=make_user("integration"), name="t")[1]
    deep = client.post(
        "/api/v1/referrals/", "[" * 50_000, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert deep.status_code == 400 and "nested too deeply" in deep.json()["detail"]
    report = client.get("/api/v1/reports/0000-01/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert report.status_code in {403, 404}

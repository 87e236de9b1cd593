"""The public editions of the evaluation and of funder reports are releases (security rows 40 and
41): as of fixed days only, checked against every earlier release together and recorded in the
ledger, so that no count from 1 to the threshold can be worked out from all of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from vip.audit.models import AuditEvent
from vip.evaluation.evaluate import evaluation_read
from vip.evaluation.funders import funder_report
from vip.evaluation.tests.test_survival import attempt, outcome, person
from vip.releases.ledger import exposures
from vip.releases.models import Release
from vip.releases.services import ledger_editions

pytestmark = pytest.mark.django_db


def nothing_small_is_exposed(program: Any) -> None:
    """The integer-program attack over every release recorded finds no count from 1 to the
    threshold narrowed below the protection width (what `vip releases check` runs)."""
    editions, _latest = ledger_editions()
    assert editions
    found = exposures(editions, threshold=program.suppression_threshold, width=program.protection_width)
    assert found == [], [f"{e.label}: {e.low:g}..{e.high:g} (truth {e.truth})" for e in found]


def city(new_in_june: int) -> None:
    """Forty people notified in 2024 and early 2025, a third of them involved again, then
    ``new_in_june`` people notified in June 2025."""
    for n in range(40):
        someone = person()
        origin = dt.date(2024, 1, 5) + dt.timedelta(days=9 * n)
        attempt(someone, origin)
        if n % 3 == 0:
            outcome(someone, origin + dt.timedelta(days=60 + n), "arrest_violent")
    for n in range(new_in_june):
        attempt(person(), dt.date(2025, 6, 3 + n))


def test_two_editions_a_month_apart_reveal_no_small_count(program: Any, make_user: Any) -> None:
    # May and June differ by three people notified in June: the second edition may not let a
    # reader of both subtract one from the other and find them.
    city(new_in_june=3)
    manager = make_user("manager")
    may = evaluation_read(user=manager, as_of=dt.date(2025, 5, 31), audience="public").to_dict()
    june = evaluation_read(user=manager, as_of=dt.date(2025, 6, 30), audience="public").to_dict()
    official = evaluation_read(user=None, as_of=dt.date(2025, 6, 30)).to_dict()
    assert official["counts"]["notified"] - 3 == may["counts"]["notified"]  # the difference is there
    assert june["counts"]["notified"] is None or june["survival"]["cohorts"]  # shown only if it is safe
    assert june["withheld_for_history"]  # something had to be withheld for May's sake
    assert Release.objects.filter(kind="evaluation").count() == 2
    nothing_small_is_exposed(program)


def test_a_cohort_withheld_cannot_be_the_total_less_the_others(program: Any, make_user: Any) -> None:
    # The fiscal year FY2026 (from July 2025) holds a few people: withheld, and the total and the
    # other years do not give it away.
    city(new_in_june=0)
    for n in range(4):
        attempt(person(), dt.date(2025, 7, 2 + n))
    public = evaluation_read(user=make_user("manager"), as_of=dt.date(2025, 7, 31), audience="public").to_dict()
    years = {g["cohort"]: g for g in public["survival"]["cohorts"] if g["dimension"] == "fiscal_year"}
    assert years["FY2026"]["size"] is None
    shown = [g["size"] for g in years.values() if g["size"] is not None]
    assert public["counts"]["notified"] is None or public["counts"]["notified"] - sum(shown) != 4
    nothing_small_is_exposed(program)


def test_a_public_edition_is_as_of_a_months_last_day_and_is_released_once(program: Any, make_user: Any) -> None:
    city(new_in_june=3)
    analyst = make_user("analyst")
    with pytest.raises(ValidationError, match="last day of a month"):
        evaluation_read(user=analyst, as_of=dt.date(2025, 6, 29), audience="public")
    assert not Release.objects.exists()
    first = evaluation_read(user=analyst, as_of=dt.date(2025, 6, 30), audience="public")
    again = evaluation_read(user=analyst, as_of=dt.date(2025, 6, 30), audience="public")
    assert first.release == again.release is not None
    assert {k: v for k, v in first.to_dict().items() if k != "generated_at"} == {
        k: v for k, v in again.to_dict().items() if k != "generated_at"
    }
    release = Release.objects.get()
    assert (release.kind, release.subject, release.edition) == ("evaluation", "2025-06-30", 1)
    assert release.data_fingerprint == first.fingerprint
    assert AuditEvent.objects.filter(action="release.record", object_id=str(release.pk)).count() == 1
    # Late records change the data: the same day is released again, as a new edition checked
    # against the first.
    attempt(person(), dt.date(2025, 6, 20))
    later = evaluation_read(user=analyst, as_of=dt.date(2025, 6, 30), audience="public")
    assert later.release != first.release
    assert Release.objects.get(pk=later.release).edition == 2
    nothing_small_is_exposed(program)
    # The official edition is no release: exact counts, managers only.
    evaluation_read(user=None, as_of=dt.date(2025, 6, 29))
    assert Release.objects.count() == 2


def test_an_analysts_edition_is_as_of_the_latest_months_end_or_a_fiscal_years(program: Any, make_user: Any) -> None:
    """Every public edition is a release every later public report is checked against: an analyst
    does not make one for every month there ever was."""
    from vip.evaluation.evaluate import default_as_of

    city(new_in_june=3)
    analyst = make_user("analyst")
    with pytest.raises(ValidationError, match="latest complete month"):
        evaluation_read(user=analyst, as_of=dt.date(2025, 5, 31), audience="public")
    assert not Release.objects.exists()
    evaluation_read(user=analyst, as_of=dt.date(2025, 6, 30), audience="public")  # a fiscal year's end (July-June)
    evaluation_read(user=analyst, as_of=default_as_of(), audience="public")
    evaluation_read(user=make_user("manager"), as_of=dt.date(2025, 5, 31), audience="public")  # a manager: any
    assert Release.objects.count() == 3


def test_a_half_year_after_its_first_quarter_does_not_give_the_second_away(program: Any, make_user: Any) -> None:
    # Thirty people first notified in the first quarter of 2025, three in the second: a reader of
    # the quarterly report for Q1 and the half-yearly one for H1 must not find the three.
    for n in range(30):
        attempt(person(), dt.date(2025, 1, 3) + dt.timedelta(days=2 * n))
    for n in range(3):
        attempt(person(), dt.date(2025, 4, 10 + n))
    analyst = make_user("analyst")

    def new(report: Any) -> int | None:
        return next(r.value for r in report.rows if r.measure == "new_participants")

    first = funder_report(user=analyst, template="quarterly", period="2025Q1", audience="public")
    half = funder_report(user=analyst, template="cvipi", period="2025H1", audience="public")
    second = funder_report(user=analyst, template="quarterly", period="2025Q2", audience="public")
    assert new(first) == 30 and new(second) is None  # 3: withheld
    assert new(half) is None  # 33 alone would give 33 - 30 = 3
    assert Release.objects.filter(kind="funder_report").count() == 3
    nothing_small_is_exposed(program)
    # Asked for again with the same data: the same edition, nothing new released.
    funder_report(user=analyst, template="cvipi", period="2025H1", audience="public")
    assert Release.objects.filter(kind="funder_report").count() == 3

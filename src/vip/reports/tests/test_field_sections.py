"""The report's optional sections of the field work (docs/report-definitions.md, "Optional
sections"): off in the Albuquerque profile, on in riverbend; counted from the records the
services write, withheld in a public edition as their definitions say."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tests.factories import PersonFactory, UserFactory, caseload_world
from vip.configuration.services import profile_load
from vip.core.config import forget_program_header
from vip.core.dates import Month
from vip.groups.services import attendance_record, call_in_record, group_record
from vip.incentives.services import budget_set, incentive_decide, incentive_pay, incentive_propose, payment_reverse
from vip.mediations.services import mediation_follow_up, mediation_record, mediation_void
from vip.reports.services import report_generate

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
MONTH = Month(2022, 11)


def _tables(run) -> dict[str, dict]:
    data = json.loads(bytes(run.files.get(format="json").content))
    return {t["id"]: t for t in data["tables"]}


def _cell(table: dict, row: str, col: str) -> str:
    cols = [c["key"] for c in table["columns"]]
    found = next(r for r in table["rows"] if r["key"] == row)
    return found["cells"][cols.index(col)]["display"]


def _records(world) -> None:
    """In November 2022: three mediations (one resolved after a follow-up, one voided), two incentive
    payments (one of them reversed today), a call-in with four invited and three who came; in
    October, one more mediation."""
    peer, manager = world["peer"], world["manager"]
    own = world["own"]
    m1 = mediation_record(actor=peer, occurred_on=dt.date(2022, 11, 3), outcome="ongoing", topics=["respect"])
    mediation_follow_up(actor=peer, mediation=m1, followed_up_on=dt.date(2022, 11, 9), outcome="resolved")
    mediation_record(actor=peer, occurred_on=dt.date(2022, 11, 12), outcome="escalated", topics=["money"])
    gone = mediation_record(actor=peer, occurred_on=dt.date(2022, 11, 20), outcome="ongoing", topics=["family"])
    mediation_void(actor=peer, mediation=gone, reason="recorded twice", expected_version=gone.version)
    mediation_record(actor=peer, occurred_on=dt.date(2022, 10, 28), outcome="resolved", topics=["drugs"])

    other_manager = UserFactory(role="manager")
    budget_set(actor=manager, fiscal_year=2022, amount_cents=500_000)
    intake = incentive_propose(actor=peer, person=own, milestone="intake", reached_on=dt.date(2022, 11, 2))
    intake = incentive_decide(actor=manager, incentive=intake, approve=True, expected_version=intake.version)
    paid = incentive_pay(actor=manager, incentive=intake, paid_on=dt.date(2022, 11, 4), method="gift_card")
    plan = incentive_propose(actor=peer, person=own, milestone="days_90", reached_on=dt.date(2022, 11, 5))
    plan = incentive_decide(actor=other_manager, incentive=plan, approve=True, expected_version=plan.version)
    incentive_pay(actor=manager, incentive=plan, paid_on=dt.date(2022, 11, 10), method="check")
    payment_reverse(actor=manager, payment=paid, reason="paid to the wrong card")

    group = group_record(actor=manager, name="Westside")
    call_in = call_in_record(
        actor=manager, held_at=dt.datetime(2022, 11, 15, 18, tzinfo=DENVER), place="Community center", groups=[group]
    )
    for person, came in ((own, True), (world["elsewhere"], True), (world["nobody"], True)):
        attendance_record(actor=manager, call_in=call_in, person=person, invited=True, attended=came)
    extra = PersonFactory(first_name="Invited", last_name="Only")
    attendance_record(actor=manager, call_in=call_in, person=extra, invited=True, attended=False)


def test_albuquerque_shows_none_of_them(program) -> None:
    world = caseload_world()
    _records(world)
    run = report_generate(actor=None, month=MONTH, formats=["json", "html"])
    assert not {"mediations", "incentives_paid", "call_in_attendance"} & set(_tables(run))
    assert "The Work in the Field" not in bytes(run.files.get(format="html").content).decode()


def test_riverbend_counts_them_from_the_records(program) -> None:
    profile_load(actor=None, name="riverbend")
    forget_program_header()
    world = caseload_world()
    _records(world)
    run = report_generate(actor=None, month=MONTH, formats=["json", "html"])
    tables = _tables(run)
    mediations = tables["mediations"]
    assert [_cell(mediations, row, "m") for row in ("resolved", "ongoing", "escalated", "total")] == [
        "1",
        "0",
        "1",
        "2",
    ]
    assert _cell(mediations, "resolved", "m1") == "1" and _cell(mediations, "total", "fytd") == "3"
    incentives = tables["incentives_paid"]
    # The reversal is counted on the day it was made (today), not in November 2022.
    rows = ("payments", "reversals", "dollars_paid", "dollars_reversed")
    assert [_cell(incentives, row, "m") for row in rows] == ["2", "0", "125", "0"]
    call_ins = tables["call_in_attendance"]
    assert [_cell(call_ins, row, "m") for row in ("call_ins", "invited", "attended")] == ["1", "4", "3"]
    html = bytes(run.files.get(format="html").content).decode()
    assert "The Work in the Field" in html
    assert 'id="def-mediations_by_outcome"' in html and 'id="def-incentives_paid"' in html

    public = report_generate(actor=None, month=MONTH, formats=["json"], audience="public")
    shown = _tables(public)
    # Small counts withheld, and the dollars wherever the count they sum is.
    assert _cell(shown["incentives_paid"], "payments", "m") == "<11"
    assert _cell(shown["incentives_paid"], "dollars_paid", "m") == "*"
    assert _cell(shown["incentives_paid"], "dollars_reversed", "m") == "0"  # no reversal: nothing to hide
    assert _cell(shown["call_in_attendance"], "invited", "m") == "<11"
    assert _cell(shown["mediations"], "total", "m") == "<11"

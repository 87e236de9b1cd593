"""The finance export: one line per payment or reversal, nothing else; its sums are the selectors'
totals by person, month and fiscal year, with a reversal and a repayment in the data. Managers
only, audited as a read; spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import AuditTrail
from vip.core.config import program_today
from vip.incentives.export import HEADER, finance_csv
from vip.incentives.figures import fiscal_year_label
from vip.incentives.selectors import totals
from vip.incentives.services import incentive_pay, payment_reverse
from vip.incentives.tests.helpers import FY, budget, paid

pytestmark = pytest.mark.django_db

START = dt.date(2022, 1, 1)


def _end() -> dt.date:
    return program_today()


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def _cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


@pytest.fixture
def ledger(world):
    """Payments over two months and two fiscal years, two people, a reversal and a repayment."""
    budget(world, 100_000)
    budget(world, 100_000, year=FY + 1)
    first = paid(world, "intake", paid_on=dt.date(2022, 11, 10))
    payment_reverse(actor=world["manager"], payment=first, reason="=HYPERLINK(card never activated)")
    incentive_pay(
        actor=world["manager"],
        incentive=first.incentive,
        paid_on=dt.date(2022, 12, 1),
        method="check",
        reference="=1+1",
    )
    paid(world, "days_90", person="elsewhere", paid_on=dt.date(2022, 12, 5))
    paid(world, "job_or_school", reached_on=dt.date(2023, 7, 3), paid_on=dt.date(2023, 7, 6))  # FY2024
    return first


def test_the_exports_sums_are_the_selectors_totals(world, ledger) -> None:
    manager = world["manager"]
    rows = _rows(finance_csv(user=manager, start=START, end=_end()))
    assert len(rows) == 5  # three payments, one reversal, one repayment
    by_person: dict[int, int] = defaultdict(int)
    by_month: dict[str, int] = defaultdict(int)
    by_year: dict[str, int] = defaultdict(int)
    keys = {world["own"].key: world["own"].pk, world["elsewhere"].key: world["elsewhere"].pk}
    for row in rows:
        by_person[keys[row["person_key"]]] += _cents(row["amount"])
        by_month[row["month"]] += _cents(row["amount"])
        by_year[row["fiscal_year"]] += _cents(row["amount"])
    assert dict(by_person) == totals(user=manager, by="person", start=START, end=_end())
    assert dict(by_month) == totals(user=manager, by="month", start=START, end=_end())
    assert dict(by_year) == {
        fiscal_year_label(year): cents
        for year, cents in totals(user=manager, by="fiscal_year", start=START, end=_end()).items()
    }
    assert dict(by_year) == {"FY2023": 2_500 + 10_000, "FY2024": 15_000}


def test_each_line_says_what_was_paid_and_by_whom(world, ledger) -> None:
    rows = _rows(finance_csv(user=world["manager"], start=START, end=_end()))
    payment, reversal = (
        next(r for r in rows if r["payment_id"] == str(ledger.pk)),
        next(r for r in rows if r["reverses_payment_id"] == str(ledger.pk)),
    )
    assert payment == {
        "payment_id": str(ledger.pk),
        "paid_on": "2022-11-10",
        "fiscal_year": "FY2023",
        "month": "2022-11",
        "person_key": world["own"].key,
        "person_name": "Ana Quintana",
        "milestone": "Intake and needs assessment completed",
        "amount": "25.00",
        "method": "Gift card",
        "reference": "GC-1001",
        "reverses_payment_id": "",
        "reason": "",
        "proposed_by": str(world["peer"]),
        "approved_by": str(world["manager"]),
        "paid_by": str(world["manager"]),
    }
    assert (reversal["amount"], reversal["method"], reversal["reference"]) == ("-25.00", "Gift card", "GC-1001")
    # Formulas are made inert for a spreadsheet (security row 24).
    assert reversal["reason"] == "'=HYPERLINK(card never activated)"
    assert next(r for r in rows if r["paid_on"] == "2022-12-01")["reference"] == "'=1+1"


def test_the_file_is_the_header_and_the_lines_and_nothing_else(world, ledger) -> None:
    body = finance_csv(user=world["manager"], start=dt.date(2022, 12, 1), end=dt.date(2022, 12, 31)).decode()
    lines = body.split("\r\n")
    assert lines[0] == ",".join(HEADER)
    assert len(lines) == 1 + 2 + 1  # header, the two December payments, the final line break
    assert lines[-1] == ""
    assert all(line.split(",")[1].startswith("2022-12") for line in lines[1:-1])


def test_the_export_is_the_managers_and_audited_as_a_read(world, ledger) -> None:
    trail = AuditTrail()
    rows = _rows(finance_csv(user=world["manager"], start=START, end=_end()))
    event = trail.single()
    assert (event.action, event.actor_id, event.object_type) == (
        "incentive.finance_export",
        world["manager"].pk,
        "incentives.incentivepayment",
    )
    assert sorted(event.changes["shown"]) == sorted(int(r["payment_id"]) for r in rows)
    assert (event.changes["from"], event.changes["to"]) == ("2022-01-01", _end().isoformat())
    for role in ("peer", "police", "analyst", "admin", "integration"):
        with pytest.raises(PermissionDenied, match="Your role may not download the incentive finance export"):
            finance_csv(user=world[role], start=START, end=_end())

"""The finance export: one CSV line per payment or reversal paid in a period, and nothing else
(the totals are the sums of its lines). Managers only; audited as a read of person-level data
(who, the period, the payments listed) before the file is handed over, so a failed audit sends
nothing. Every text cell is made inert for a spreadsheet (security row 24)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from vip.audit.services import audit_read
from vip.core.text import neutralise
from vip.incentives.figures import plain_dollars
from vip.incentives.selectors import FinanceRow, finance_rows

HEADER = (
    "payment_id",
    "paid_on",
    "fiscal_year",
    "month",
    "person_key",
    "person_name",
    "milestone",
    "amount",
    "method",
    "reference",
    "reverses_payment_id",
    "reason",
    "proposed_by",
    "approved_by",
    "paid_by",
)


def _cells(row: FinanceRow) -> list[Any]:
    return [
        row.payment_id,
        row.paid_on.isoformat(),
        row.fiscal_year,
        row.month,
        row.person_key,
        row.person_name,
        row.milestone,
        plain_dollars(row.amount_cents),
        row.method,
        row.reference,
        row.reverses if row.reverses is not None else "",
        row.reason,
        row.proposed_by,
        row.approved_by,
        row.paid_by,
    ]


def finance_csv(*, user: Any, start: dt.date, end: dt.date) -> bytes:
    """The export's file for the payments paid from ``start`` to ``end``; the read is audited."""
    rows = finance_rows(user=user, start=start, end=end)
    audit_read(
        actor=user,
        action="incentive.finance_export",
        object_type="incentives.incentivepayment",
        shown=[row.payment_id for row in rows],
        details={"from": start.isoformat(), "to": end.isoformat()},
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in _cells(row)])
    return buffer.getvalue().encode("utf-8")


def finance_filename(start: dt.date, end: dt.date) -> str:
    return f"incentive-payments-{start.isoformat()}-{end.isoformat()}.csv"

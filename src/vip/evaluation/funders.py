"""Funder reports (docs/evaluation.md, "Funder reports"): the counts funders ask for, on their own
calendars, from templates.

A template is a reporting calendar and a list of measures:

- ``cvipi``: the US DOJ Community Violence Intervention and Prevention Initiative, by half-year
  (January-June "H1", July-December "H2");
- ``quarterly``: the same measures by calendar quarter ("Q1" to "Q4"), as many state grants ask;
- a city's own, in its profile: ``[evaluation.funder_templates.<code>]`` with a ``title``, a
  ``calendar`` (``half-year``, ``quarter`` or ``year``) and the ``measures`` it reports.

The measures, over the days of the period (local days):

- ``engaged``: "number of at-risk individuals engaged in the program": distinct people with, in
  the period, a delivered custom notification, a recorded peer contact, or a service referral
  connected;
- ``new_participants``: people whose origin (first delivered custom notification) is in the period;
- ``notifications_delivered``: delivered custom-notification attempts in the period;
- ``services_connected``: service referrals connected in the period, by category (every category
  of the profile, in report order).

Voided records are left out. The public edition (analysts) withholds a count from 1 to the
program's threshold, and is a release (monthly-report.md, "The release ledger"): its counts are
sums of named monthly counts (``fr:new:<YYYY-MM>``, ``fr:del:<YYYY-MM>``, and the monthly
report's own ``svc:<category>:<YYYY-MM>``), so that the ledger reads a half-year beside the
quarters and the months of every other release; people engaged are a count of their own
(``fr:eng:<first day>:<last day>``), at least the period's new participants. It is checked
against every earlier release together and recorded; the same period asked for again with the
same data (by any template) is the edition released before.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.audit.services import audit_read
from vip.core.access import require
from vip.core.config import ProgramConfig, program_config
from vip.core.dates import Month, Period
from vip.evaluation.areas import month_sql
from vip.evaluation.cohort import fetch

VERSION = "funders-1"


@dataclass(frozen=True)
class Template:
    name: str
    title: Any  # a lazy translation
    calendar: str  # "half-year" or "quarter"
    measures: tuple[str, ...]


MEASURES = ("engaged", "new_participants", "notifications_delivered", "services_connected")
MEASURE_LABELS = {
    "engaged": gettext_lazy("At-risk individuals engaged in the program"),
    "new_participants": gettext_lazy("New participants (first custom notification delivered)"),
    "notifications_delivered": gettext_lazy("Custom notifications delivered"),
    "services_connected": gettext_lazy("Service referrals connected"),
}
TEMPLATES = {
    "cvipi": Template(
        "cvipi",
        gettext_lazy("Community Violence Intervention and Prevention Initiative (US DOJ), half-yearly"),
        "half-year",
        MEASURES,
    ),
    "quarterly": Template("quarterly", gettext_lazy("Quarterly grant report"), "quarter", MEASURES),
}
_PERIOD = {
    "half-year": re.compile(r"^(\d{4})H([12])$"),
    "quarter": re.compile(r"^(\d{4})Q([1-4])$"),
    "year": re.compile(r"^(\d{4})()$"),
}
_EXAMPLE = {"half-year": "2026H1", "quarter": "2026Q3", "year": "2026"}
_MONTHS = {"half-year": 6, "quarter": 3, "year": 12}


def templates(config: ProgramConfig) -> dict[str, Template]:
    """The built-in templates and the profile's own (``[evaluation.funder_templates.<code>]``),
    each measure one of :data:`MEASURES`."""
    found = dict(TEMPLATES)
    for code, item in config.funder_templates.items():
        if code in TEMPLATES:
            raise ValueError(f"the program profile's funder template {code!r} has the name of a built-in one")
        unknown = [m for m in item["measures"] if m not in MEASURES]
        if unknown:
            raise ValueError(
                f"the program profile's funder template {code!r} has unknown measure(s) {', '.join(unknown)}; "
                f"choose from {', '.join(MEASURES)}"
            )
        found[code] = Template(code, item["title"], item["calendar"], tuple(item["measures"]))
    return found


def period_of(template: Template, text: str) -> Period:
    """The days of ``text`` ("2026H1", "2026Q3") on the template's calendar."""
    found = _PERIOD[template.calendar].match(text.strip().upper())
    if not found:
        example = _EXAMPLE[template.calendar]
        raise ValidationError(
            _("%(text)s is not a period of the %(template)s calendar: write it like %(example)s.")
            % {"text": repr(text), "template": template.name, "example": example}
        )
    year, part = int(found.group(1)), int(found.group(2) or 1)
    months = _MONTHS[template.calendar]
    first = dt.date(year, (part - 1) * months + 1, 1)
    last_month = first.month + months - 1
    end = dt.date(year + (last_month == 12), last_month % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(first, end)


def latest_period(template: Template, today: dt.date) -> str:
    """The latest period of the template's calendar that has ended by ``today``."""
    months = _MONTHS[template.calendar]
    part = (today.month - 1) // months  # the current one, 0-based: the one before has ended
    year = today.year
    if part == 0:
        year, part = year - 1, 12 // months
    if template.calendar == "year":
        return str(year)
    letter = "H" if template.calendar == "half-year" else "Q"
    return f"{year}{letter}{part}"


@dataclass(frozen=True)
class Row:
    measure: str
    label: str
    category: str  # a service category's code, or ""
    value: int | None  # None: withheld


@dataclass(frozen=True)
class FunderReport:
    template: Template
    period_name: str
    period: Period
    audience: str
    threshold: int
    rows: list[Row]
    generated_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "definitions": VERSION,
            "template": self.template.name,
            "period": self.period_name,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "audience": self.audience,
            "threshold": self.threshold,
            "generated_at": self.generated_at.isoformat(),
            "rows": [{"measure": r.measure, "category": r.category, "value": r.value} for r in self.rows],
        }

    def filename(self, fmt: str) -> str:
        return f"funder-{self.template.name}-{self.period_name}-{self.audience}.{fmt}"


def _monthly(config: ProgramConfig, period: Period) -> dict[str, int]:
    """The additive measures of ``period`` month by month, as the ledger names them."""
    start, end = period.start, period.end
    out: dict[str, int] = {}
    month = Month.of(start)
    while month <= Month.of(end):
        for prefix in ("fr:new", "fr:del"):
            out[f"{prefix}:{month}"] = 0
        for code in config.all_service_categories:
            out[f"svc:{code}:{month}"] = 0
        month = month.shift(1)
    months = month_sql("attempted_on")
    for name, count in fetch(
        f"SELECT {months}, COUNT(*) FROM (SELECT MIN(attempted_on) AS attempted_on FROM "  # noqa: S608
        "notifications_notificationattempt WHERE outcome = 'delivered' AND voided_at IS NULL GROUP BY person_id "
        "HAVING MIN(attempted_on) BETWEEN %s AND %s) t GROUP BY 1",
        [start, end],
    ):
        out[f"fr:new:{name}"] = int(count)
    for name, count in fetch(
        f"SELECT {months}, COUNT(*) FROM notifications_notificationattempt "  # noqa: S608
        "WHERE outcome = 'delivered' AND voided_at IS NULL AND attempted_on BETWEEN %s AND %s GROUP BY 1",
        [start, end],
    ):
        out[f"fr:del:{name}"] = int(count)
    codes = {pk: code for code, pk in config.service_category_ids.items()}
    for category, name, count in fetch(
        f"SELECT category_id, {month_sql('connected_on')}, COUNT(*) "  # noqa: S608
        "FROM service_referrals_servicereferral "
        "WHERE voided_at IS NULL AND connected_on BETWEEN %s AND %s GROUP BY 1, 2",
        [start, end],
    ):
        out[f"svc:{codes[category]}:{name}"] = int(count)
    return out


def _counts(config: ProgramConfig, period: Period) -> dict[tuple[str, str], int]:
    """Every measure's count over ``period`` (keyed by measure and category)."""
    start, end = period.start, period.end
    # Contacts are moments: the period's local days as moments (the program's time zone).
    zone = config.zone
    # As the database holds a date-time column (UTC text on SQLite), so that they compare as moments.
    first = connection.ops.adapt_datetimefield_value(dt.datetime.combine(start, dt.time.min, tzinfo=zone))
    after = connection.ops.adapt_datetimefield_value(
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    )
    engaged = fetch(
        "SELECT COUNT(*) FROM ("
        "SELECT person_id FROM notifications_notificationattempt "
        "WHERE outcome = 'delivered' AND voided_at IS NULL AND attempted_on BETWEEN %s AND %s "
        "UNION SELECT person_id FROM casework_contact "
        "WHERE voided_at IS NULL AND contacted_at >= %s AND contacted_at < %s "
        "UNION SELECT person_id FROM service_referrals_servicereferral "
        "WHERE voided_at IS NULL AND connected_on BETWEEN %s AND %s) t",
        [start, end, first, after, start, end],
    )[0][0]
    new = fetch(
        "SELECT COUNT(*) FROM (SELECT person_id FROM notifications_notificationattempt "
        "WHERE outcome = 'delivered' AND voided_at IS NULL GROUP BY person_id "
        "HAVING MIN(attempted_on) BETWEEN %s AND %s) t",
        [start, end],
    )[0][0]
    delivered = fetch(
        "SELECT COUNT(*) FROM notifications_notificationattempt "
        "WHERE outcome = 'delivered' AND voided_at IS NULL AND attempted_on BETWEEN %s AND %s",
        [start, end],
    )[0][0]
    counts = {
        ("engaged", ""): int(engaged),
        ("new_participants", ""): int(new),
        ("notifications_delivered", ""): int(delivered),
    }
    codes = {pk: code for code, pk in config.service_category_ids.items()}
    for category, count in fetch(
        "SELECT category_id, COUNT(*) FROM service_referrals_servicereferral "
        "WHERE voided_at IS NULL AND connected_on BETWEEN %s AND %s GROUP BY category_id",
        [start, end],
    ):
        counts[("services_connected", codes[category])] = int(count)
    return counts


def compute(config: ProgramConfig, template: Template, period_name: str, audience: str) -> FunderReport:
    """The report with every count (the public edition's withholding is the ledger's:
    ``public_release``)."""
    period = period_of(template, period_name)
    counts = _counts(config, period)
    rows = []
    for measure in template.measures:
        label = str(MEASURE_LABELS[measure])
        categories = list(config.all_service_categories) if measure == "services_connected" else [""]
        for category in categories:
            value = counts.get((measure, category), 0)
            name = f"{label}: {config.all_service_categories[category]}" if category else label
            rows.append(Row(measure, name, category, value))
    name = period_name.strip().upper()
    return FunderReport(template, name, period, audience, 0, rows, timezone.now())


def _terms(row: Row, period: Period, engaged: str) -> dict[str, int]:
    """The named counts a row of the report adds up."""
    if row.measure == "engaged":
        return {engaged: 1}
    months = []
    month = Month.of(period.start)
    while month <= Month.of(period.end):
        months.append(str(month))
        month = month.shift(1)
    prefix = {"new_participants": "fr:new", "notifications_delivered": "fr:del"}.get(row.measure)
    if prefix is None:
        return {f"svc:{row.category}:{m}": 1 for m in months}
    return {f"{prefix}:{m}": 1 for m in months}


def public_release(*, actor: Any, report: FunderReport, config: ProgramConfig) -> FunderReport:
    """The public edition of ``report`` (every count exact), checked against the release ledger
    and recorded in it; the same period with the same data asked for again is the edition
    released before. Call inside ``transaction.atomic``."""
    import hashlib
    import json

    from vip.releases import ledger
    from vip.releases.models import Release
    from vip.releases.services import ledger_editions, lock_ledger, release_record

    lock_ledger()
    threshold, width = config.suppression_threshold, config.protection_width
    period = report.period
    engaged = f"fr:eng:{period.start.isoformat()}:{period.end.isoformat()}"
    truths = _monthly(config, period)
    truths[engaged] = next((r.value or 0 for r in report.rows if r.measure == "engaged"), 0)
    if "engaged" not in report.template.measures:
        truths[engaged] = _counts(config, period)[("engaged", "")]
    fingerprint = hashlib.sha256(json.dumps(truths, sort_keys=True).encode()).hexdigest()
    subject = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    wanted = {(r.measure, r.category) for r in report.rows}
    latest = Release.objects.filter(kind=Release.Kind.FUNDER_REPORT, subject=subject).order_by("-edition").first()
    reuse = (
        latest is not None
        and latest.data_fingerprint == fingerprint
        and (latest.threshold, latest.width) == (threshold, width)
        and wanted <= {(c.get("row"), c.get("col")) for c in latest.cells}
    )
    if reuse:
        assert latest is not None
        cells: list[dict[str, Any]] = latest.cells
    else:
        cells = []
        for row in report.rows:
            value = row.value or 0
            small = 1 <= value <= threshold
            cells.append(
                {
                    "table": "funder",
                    "row": row.measure,
                    "col": row.category,
                    "kind": "primary" if small else "count",
                    "value": None if small else value,
                    "terms": _terms(row, period, engaged),
                }
            )
        # Everyone new in the period was engaged in it (their first custom notification).
        new = {name: -1 for name in truths if name.startswith("fr:new:")}
        cells.append({"table": "known", "row": "", "col": "", "kind": "known", "terms": {engaged: 1, **new}, "lo": 0})
        # What a reader of other periods' reports could work out: each quarter and half-year
        # inside this period (one period less another of the calendars), protected like a cell.
        cells.extend(_parts(period, truths))
        prior, _basis = ledger_editions()
        edition = ledger.Edition(f"funder report {subject} (new)", cells, truths)
        try:
            withheld = ledger.protect(edition, prior, threshold=threshold, width=width, cost=_cost)
        except ledger.LedgerError as exc:
            raise ValidationError(_("This edition cannot be released: %(reason)s") % {"reason": exc}) from exc
        release_record(
            actor=actor,
            kind=Release.Kind.FUNDER_REPORT,
            subject=subject,
            data_fingerprint=fingerprint,
            threshold=threshold,
            width=width,
            cells=cells,
            truths=truths,
            withheld_for_history=withheld,
        )
    hidden = {(c["row"], c["col"]) for c in cells if c.get("kind") in ("primary", "withheld")}
    rows = [
        Row(r.measure, r.label, r.category, None if (r.measure, r.category) in hidden else r.value) for r in report.rows
    ]
    return FunderReport(report.template, report.period_name, period, "public", threshold, rows, report.generated_at)


def _parts(period: Period, truths: dict[str, int]) -> list[dict[str, Any]]:
    """Derived cells: every additive measure over each quarter and half-year inside ``period``."""
    months = sorted({name.rsplit(":", 1)[1] for name in truths if name.startswith("fr:new:")})
    prefixes = sorted({name.rsplit(":", 1)[0] for name in truths if not name.startswith("fr:eng:")})
    out = []
    for size in (3, 6):
        for first in range(len(months) - size + 1):
            chosen = months[first : first + size]
            if (int(chosen[0][5:]) - 1) % size or len(chosen) == len(months):
                continue  # a calendar's part starts on its first month; the whole period is a cell already
            for prefix in prefixes:
                out.append(
                    {
                        "table": "funder",
                        "row": f"{prefix}:{chosen[0]}..{chosen[-1]}",
                        "col": "",
                        "kind": "derived",
                        "value": None,
                        "terms": {f"{prefix}:{m}": 1 for m in chosen},
                    }
                )
    return out


def _cost(cell: dict[str, Any]) -> tuple[Any, ...]:
    """Cheapest to withhold first: a service category before the totals, small values first."""
    return (cell.get("row") != "services_connected", cell.get("value") or 0, str(cell.get("col")))


def funder_report(
    *, user: Any, template: str, period: str, audience: str = "official", purpose: str = "page"
) -> FunderReport:
    """A funder report for ``user``: managers either audience, analysts the public one; the read is
    audited before anything is handed over."""
    require(user, "evaluation.public")
    if audience not in ("official", "public"):
        raise ValidationError(
            _("Unknown audience %(audience)s: choose official or public.") % {"audience": repr(audience)}
        )
    if audience == "official":
        require(user, "evaluation.official")
    config = program_config()
    known = templates(config)
    if template not in known:
        raise ValidationError(
            _("Unknown template %(template)s: choose %(choices)s.")
            % {"template": repr(template), "choices": ", ".join(known)}
        )
    days = period_of(known[template], period)
    if days.end >= timezone.localdate(timezone.now(), config.zone):
        raise ValidationError(
            _("%(period)s has not ended yet: a funder report is for a period that is over.")
            % {"period": period.strip().upper()}
        )
    report = compute(config, known[template], period, audience)
    with transaction.atomic():
        if audience == "public":
            report = public_release(actor=user, report=report, config=config)
        audit_read(
            actor=user,
            action="funder_report.read",
            object_type="evaluation.funder_report",
            object_id=f"{template}/{report.period_name}",
            details={"audience": audience, "format": purpose},
        )
    return report


def to_csv(report: FunderReport) -> bytes:
    """One row a figure: template, period, measure, category, label, value (empty where withheld)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["template", "period", "start", "end", "measure", "category", "label", "value"])
    for row in report.rows:
        writer.writerow(
            [
                report.template.name,
                report.period_name,
                report.period.start.isoformat(),
                report.period.end.isoformat(),
                row.measure,
                row.category,
                row.label,
                "" if row.value is None else row.value,
            ]
        )
    return out.getvalue().encode()


def to_xlsx(report: FunderReport) -> bytes:
    """The report as a workbook: a title, the period, then measure and value."""
    from openpyxl import Workbook  # deferred: loaded for a workbook only

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.period_name
    sheet.append([str(report.template.title)])
    sheet.append([f"{report.period.start.isoformat()} to {report.period.end.isoformat()}", report.audience])
    sheet.append([])
    sheet.append(["Measure", "Value"])
    for row in report.rows:
        sheet.append([row.label, "withheld" if row.value is None else row.value])
    sheet.column_dimensions["A"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(report: FunderReport) -> bytes:
    """The report as a tagged PDF (WeasyPrint, through the monthly report's PDF writer)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML  # deferred: WeasyPrint loads Pango and HarfBuzz

    from vip.reports.render import font_configuration, write_tagged_pdf

    html = render_to_string(
        "evaluation/funder_document.html", {"report": report, "program": program_config().program_name}
    )
    return write_tagged_pdf(HTML(string=html, base_url=None), font_config=font_configuration())

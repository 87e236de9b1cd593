"""From numbers to a report an audience can read: disclosure control, then the
formats (HTML, PDF from the same HTML, XLSX, CSV long form, JSON).

Renderers only format: every figure comes from the published tables, so every
format carries the same numbers (a test checks it).
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.template import Engine
from django.utils import timezone, translation

from vip.core.config import ProgramConfig
from vip.core.dates import month_label
from vip.core.text import neutralise
from vip.reports.definitions import FIELD_DEFINITIONS, Definition, definitions
from vip.reports.metrics import ReportNumbers
from vip.stats.tables import (
    COMPLEMENTARY,
    PERCENT,
    PRIMARY,
    ROUNDED,
    PublishedTable,
    Table,
    percent,
    percent_fraction,
    percent_label,
    rounded,
)

logger = logging.getLogger(__name__)

FORMATS = ("pdf", "html", "xlsx", "csv", "json")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
AUDIENCES = ("official", "public")
# Which metric each table (and headline) shows: every one must have a definition.
TABLE_METRICS = {
    "area_command": "area_command_table",
    "people_engaged": "people_engaged",
    "headline_rates": "running_success_rate",
    "running_success_rate": "running_success_rate",
    "summary_by_age_group": "summary_by_age_group",
    "services_connected": "services_connected",
    "referrals_by_source": "referrals_by_source",
    "enforcement": "enforcement",
    "further_violence": "further_violence",
    "mediations": "mediations_by_outcome",
    "incentives_paid": "incentives_paid",
    "call_in_attendance": "call_in_attendance",
}


@dataclass
class Report:
    numbers: ReportNumbers
    audience: str
    tables: dict[str, PublishedTable]
    program_name: str
    report_title: str
    city: str
    web_address: str
    wording: dict[str, str]
    month_labels: list[str]
    data_as_of: dt.datetime | None
    generated_at: dt.datetime
    threshold: int
    time_zone: str
    # The cover page: the city's contact line and the logo (a data: URI), from the profile's
    # [wording] (contact_line, report_logo); defaults: the web address and the program's icon.
    contact_line: str = ""
    logo: str = ""

    @property
    def month(self) -> Any:
        return self.numbers.month

    @property
    def definitions(self) -> tuple[Definition, ...]:
        shown = {TABLE_METRICS[tid] for tid in self.tables}
        optional = tuple(d for d in FIELD_DEFINITIONS if d.id in shown)
        return definitions(self.numbers.definitions_version) + optional

    def cell(self, table_id: str, row: str, col: str) -> tuple[int | None, str]:
        published = self.tables[table_id]
        r, c = published.table.row_keys.index(row), published.table.col_keys.index(col)
        return published.published(r, c), published.display(r, c)


# Tables of cumulative counts: the public edition shows their rates as whole percentages and
# their denominators rounded to the nearest 5, never the exact counts (docs/report-definitions.md,
# "The public edition"): consecutive cumulative counts differ by one month's count, so exact
# cumulative figures would reveal small monthly counts to a reader of two reports.
RATE_TABLES = {
    "running_success_rate": ("rate", "notified", "Success rate", "People notified (nearest 5)"),
    "headline_rates": ("rate", "denominator", "Rate", "Of people notified (nearest 5)"),
}


def public_rates(table: Table, threshold: int) -> PublishedTable:
    """The public form of a rate table: the rate (whole percent) and the denominator to the nearest 5.

    A denominator from 1 to ``threshold`` is withheld like any small count, and so is its rate;
    a rate over no one is withheld (there is none).
    """
    rate_key, den_key, rate_label, den_label = RATE_TABLES[table.id]
    cells: list[list[int]] = []
    suppressed: dict[tuple[int, int], str] = {}
    for r, (numerator, denominator) in enumerate(table.cells):
        cells.append([percent(numerator, denominator) if denominator else 0, rounded(denominator)])
        if 1 <= denominator <= threshold:
            suppressed[r, 0] = COMPLEMENTARY
            suppressed[r, 1] = PRIMARY
        elif denominator == 0:
            suppressed[r, 0] = COMPLEMENTARY
    public = Table(
        table.id,
        table.title,
        list(table.row_keys),
        list(table.row_labels),
        [rate_key, den_key],
        [rate_label, den_label],
        cells,
    )
    return PublishedTable(table=public, suppressed=suppressed, threshold=threshold, col_kinds=(PERCENT, ROUNDED))


def build(
    numbers: ReportNumbers,
    audience: str,
    config: ProgramConfig,
    data_as_of: dt.datetime | None,
    generated_at: dt.datetime,
) -> Report:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; choose official or public")
    threshold = config.suppression_threshold if audience == "public" else 0
    return Report(
        numbers=numbers,
        audience=audience,
        tables={
            tid: public_rates(table, threshold)
            if threshold and tid in RATE_TABLES
            else public_incentives(table, threshold)
            if threshold and tid == "incentives_paid"
            else _protect(table, threshold)
            for tid, table in numbers.tables.items()
        },
        program_name=config.program_name,
        report_title=config.report_title,
        city=config.city,
        web_address=config.web_address,
        wording=dict(config.wording),
        month_labels=list(config.month_labels),
        data_as_of=data_as_of,
        generated_at=generated_at,
        threshold=threshold,
        time_zone=config.time_zone,
        contact_line=config.wording.get("contact_line") or config.web_address,
        logo=logo_data_uri(config.wording.get("report_logo", "")),
    )


def public_incentives(table: Table, threshold: int) -> PublishedTable:
    """The incentives paid in a public edition: payments and reversals as counts (small ones
    withheld); dollars rounded to the nearest hundred, withheld wherever the count they sum is (a
    small sum would tell what one person was paid)."""
    from vip.reports.ledger import NOT_COUNTED, follow_counts

    rows = table.row_keys
    money = {row for tid, row in NOT_COUNTED if tid == table.id}
    counts = Table(
        table.id,
        table.title,
        [k for k in rows if k not in money],
        [label for k, label in zip(rows, table.row_labels, strict=True) if k not in money],
        table.col_keys,
        table.col_labels,
        [cells for k, cells in zip(rows, table.cells, strict=True) if k not in money],
        column_sums=table.column_sums,
    )
    protected = _protect(counts, threshold)
    shown = [
        [(v + 50) // 100 * 100 for v in cells] if k in money else list(cells)
        for k, cells in zip(rows, table.cells, strict=True)
    ]
    shown_table = dataclasses.replace(table, cells=shown)
    position = {k: rows.index(k) for k in counts.row_keys}
    suppressed = {(position[counts.row_keys[r]], c): kind for (r, c), kind in protected.suppressed.items()}
    published = PublishedTable(table=shown_table, suppressed=suppressed, threshold=threshold)
    follow_counts({"incentives_paid": published})
    return published


def _protect(table: Table, threshold: int) -> PublishedTable:
    """Disclosure control (vip.stats.disclosure.protect); the official edition (threshold 0)
    withholds nothing, and does not load the solver (SciPy's optimiser, a third of a second)."""
    if threshold == 0:
        return PublishedTable(table=table, suppressed={}, threshold=0)
    # Deferred: only a public edition solves for complementary suppression.
    from vip.stats.disclosure import protect

    return protect(table, threshold)


DEFAULT_LOGO = Path(__file__).resolve().parent.parent / "core" / "static" / "vip" / "icon.svg"
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


@functools.lru_cache(maxsize=8)
def logo_data_uri(path: str) -> str:
    """The cover's logo as a data: URI (the HTML edition loads nothing from elsewhere).

    ``path`` is the profile's ``report_logo`` (an SVG, PNG or JPEG file; absolute, or relative to
    the working directory); empty, missing or of another type: the program's icon, with a warning
    in the log for a path that was given but cannot be used.
    """
    chosen = Path(path) if path else DEFAULT_LOGO
    if chosen.suffix.lower() not in LOGO_TYPES or not chosen.is_file():
        if path:
            logger.warning("report_logo %r is not an SVG, PNG or JPEG file; the report uses the program's icon", path)
        chosen = DEFAULT_LOGO
    encoded = base64.b64encode(chosen.read_bytes()).decode("ascii")
    return f"data:{LOGO_TYPES[chosen.suffix.lower()]};base64,{encoded}"


# ---- JSON and CSV: the figures themselves ------------------------------------------------------


def _suppression(published: PublishedTable, r: int, c: int) -> str:
    return published.suppressed.get((r, c), "")


def to_data(report: Report) -> dict[str, Any]:
    """Every figure with its definitions version and data fingerprint (the JSON format)."""
    tables = []
    for tid, published in report.tables.items():
        t = published.table
        tables.append(
            {
                "id": tid,
                "title": t.title,
                "metric": TABLE_METRICS[tid],
                "columns": [{"key": k, "label": lab} for k, lab in zip(t.col_keys, t.col_labels, strict=True)],
                "rows": [
                    {
                        "key": rk,
                        "label": rl,
                        "cells": [
                            {
                                "value": published.published(r, c),
                                "display": published.display(r, c),
                                "suppressed": _suppression(published, r, c) or None,
                            }
                            for c in range(len(t.col_keys))
                        ],
                    }
                    for r, (rk, rl) in enumerate(zip(t.row_keys, t.row_labels, strict=True))
                ],
            }
        )
    return {
        "report": f"{report.program_name}: {report.report_title}",
        "month": str(report.month),
        "audience": report.audience,
        "definitions_version": report.numbers.definitions_version,
        "data_fingerprint": report.numbers.fingerprint,
        "data_as_of": report.data_as_of.isoformat() if report.data_as_of else None,
        "generated_at": report.generated_at.isoformat(),
        "suppression_threshold": report.threshold,
        "headline": headline(report),
        "tables": tables,
        "definitions": [{"id": d.id, "title": d.title, "text": d.text} for d in report.definitions],
    }


def headline(report: Report) -> list[dict[str, Any]]:
    """The dashboard's headline figures, each taken from a published table cell."""
    m_label = month_label(report.month, report.month_labels)
    items: list[dict[str, Any]] = []
    for table_id, row, col, title, metric in (
        ("area_command", "total", "m", f"Custom notifications delivered, {m_label}", "notifications_delivered"),
        ("area_command", "total", "fytd", "Custom notifications delivered, FYTD", "notifications_delivered"),
        ("people_engaged", "people", "m", f"People newly engaged with services, {m_label}", "people_engaged"),
        ("people_engaged", "people", "fytd", "People newly engaged with services, FYTD", "people_engaged"),
    ):
        value, display = report.cell(table_id, row, col)
        items.append({"title": title, "value": value, "display": display, "metric": metric})
    rates = report.tables["headline_rates"]
    for row, title, metric in (
        ("running_success_rate", "VIP running success rate", "running_success_rate"),
        ("no_further_violence_rate", "No further violence", "no_further_violence_rate"),
    ):
        if rates.col_kinds:  # the public edition: a whole percentage of a rounded denominator
            pct, pct_display = report.cell("headline_rates", row, "rate")
            _den, den_display = report.cell("headline_rates", row, "denominator")
            items.append(
                {
                    "title": title,
                    "value": None if pct is None else pct / 100,
                    "display": "\u2014" if pct is None else pct_display,
                    "detail": f"of about {den_display} people notified",
                    "metric": metric,
                }
            )
            continue
        numerator, num_display = report.cell("headline_rates", row, "numerator")
        denominator, den_display = report.cell("headline_rates", row, "denominator")
        items.append(
            {
                "title": title,
                "value": None if numerator is None or not denominator else numerator / denominator,
                "display": percent_label(numerator, denominator),  # as disclosure.rate_display
                "detail": f"{num_display} of {den_display} people notified",
                "metric": metric,
            }
        )
    return items


def to_json(report: Report) -> bytes:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False).encode()


# ---- Spreadsheet safety (security row 24) ------------------------------------------------------
# A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return before one) as
# a formula: =HYPERLINK(...) sends data away, =cmd|... ran programs. Every text cell of the CSV
# and XLSX editions that starts so gets a leading apostrophe; genuine numbers (-3, +1.5) stay
# numbers. (The interchange bundle is not a spreadsheet edition: it is a data contract whose
# values must round-trip exactly; see docs/interchange.md.)
def _row(values: list[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


def to_csv(report: Report) -> bytes:
    """Long form: one line per figure (table, row, column, value, suppressed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["table", "row", "column", "value", "suppressed"])
    for tid, published in report.tables.items():
        t = published.table
        for r, row in enumerate(t.row_keys):
            for c, col in enumerate(t.col_keys):
                value = published.published(r, c)
                writer.writerow(_row([tid, row, col, "" if value is None else value, _suppression(published, r, c)]))
    return buffer.getvalue().encode()


# ---- XLSX --------------------------------------------------------------------------------------


COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0%"  # the cell holds the printed percentage as a fraction (percent_fraction)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HEADLINE_RATE_ROWS = {
    "running_success_rate": "running_success_rate",
    "no_further_violence_rate": "no_further_violence_rate",
}


def headline_numbers(report: Report) -> list[tuple[str, int | float | str, str, str]]:
    """The headline figures as spreadsheet cells: (title, value, number format, detail).

    Counts are whole numbers (``#,##0``); rates are the printed whole percentage as a fraction
    under ``0%`` (21 of 40: 0.53, shown 53%, the one rounding rule); a withheld figure is its
    text ("<11", "—") with no number format.
    """
    out: list[tuple[str, int | float | str, str, str]] = []
    public_rates = bool(report.tables["headline_rates"].col_kinds)
    for item in headline(report):
        value = item["value"]
        detail = str(item.get("detail") or "")
        if value is None:
            out.append((item["title"], item["display"], "", detail))
        elif item["metric"] in HEADLINE_RATE_ROWS:
            if public_rates:
                fraction = value  # already the whole percentage / 100
            else:
                row = HEADLINE_RATE_ROWS[item["metric"]]
                numerator, _ = report.cell("headline_rates", row, "numerator")
                denominator, _ = report.cell("headline_rates", row, "denominator")
                assert numerator is not None and denominator
                fraction = percent_fraction(numerator, denominator)
            out.append((item["title"], fraction, PERCENT_FORMAT, detail))
        else:
            out.append((item["title"], int(value), COUNT_FORMAT, detail))
    return out


def _local(moment: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A moment as the program's wall-clock time (a spreadsheet date has no time zone)."""
    return None if moment is None else timezone.localtime(moment, ZoneInfo(zone)).replace(tzinfo=None)


def to_xlsx(report: Report) -> bytes:
    # Deferred: openpyxl is slow to import, and only a workbook needs it (CLI start-up, web workers).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Report"
    sheet.append([neutralise(f"{report.program_name}: {report.report_title}, {report.month.title()}")])
    sheet["A1"].font = Font(bold=True, size=13)
    for key, value in (
        ("Audience", report.audience),
        ("Definitions version", report.numbers.definitions_version),
        (f"Data as of ({report.time_zone})", _local(report.data_as_of, report.time_zone) or ""),
        ("Data fingerprint", report.numbers.fingerprint),
        (f"Generated ({report.time_zone})", _local(report.generated_at, report.time_zone)),
    ):
        sheet.append(_row([key, value]))
        if isinstance(value, dt.datetime):
            sheet.cell(row=sheet.max_row, column=2).number_format = DATETIME_FORMAT
    sheet.append([])
    sheet.append(["Headline figure", "Value", "Detail"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for title, figure, number_format, detail in headline_numbers(report):
        sheet.append(_row([title, figure, detail]))
        if number_format:
            sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 36
    for tid, published in report.tables.items():
        t = published.table
        ws = book.create_sheet(tid[:31])
        ws.append([neutralise(t.title)])
        ws["A1"].font = Font(bold=True)
        ws.append(_row(["", *t.col_labels]))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for r, label in enumerate(t.row_labels):
            cells: list[Any] = [label]
            formats: list[str] = []
            for c in range(len(t.col_keys)):
                number = published.published(r, c)
                if number is None:
                    cells.append(published.display(r, c))
                    formats.append("")
                elif published.kind(c) == PERCENT:
                    cells.append(number / 100)  # a whole percentage, as the fraction a spreadsheet formats
                    formats.append(PERCENT_FORMAT)
                else:
                    cells.append(number)
                    formats.append(COUNT_FORMAT)
            ws.append(_row(cells))
            for c, number_format in enumerate(formats):
                if number_format:
                    ws.cell(row=ws.max_row, column=2 + c).number_format = number_format
        ws.column_dimensions["A"].width = 32
        if published.suppressed:
            ws.append([])
            ws.append([neutralise(suppression_note(report))])
    defs = book.create_sheet("Definitions")
    defs.append(["Metric", "Definition"])
    for d in report.definitions:
        defs.append(_row([d.title, d.text]))
    defs.column_dimensions["A"].width = 36
    defs.column_dimensions["B"].width = 100
    for row in defs.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def suppression_note(report: Report) -> str:
    return (
        f"<{report.threshold + 1}: a count from 1 to {report.threshold}, withheld to protect privacy. "
        "*: withheld. Rates are whole percentages; the people notified behind them are rounded to the "
        "nearest 5."
    )


# ---- HTML and PDF ------------------------------------------------------------------------------


FIELD_TABLES = (
    ("mediations", "Mediations by Outcome", "Outcome"),
    ("incentives_paid", "Incentives Paid", "Incentives"),
    ("call_in_attendance", "Group Call-ins", "Call-ins"),
)


def context(report: Report) -> dict[str, Any]:
    # Deferred: matplotlib takes a good part of a second to import; only HTML and PDF draw charts.
    from vip.reports import charts

    month = report.month
    m_label = month_label(month, report.month_labels)
    month_name = month.title().split()[0]
    success = charts.running_success_chart(report.tables["running_success_rate"])
    ages = charts.age_group_chart(report.tables["summary_by_age_group"], month_name.title())
    services = charts.services_chart(report.tables["services_connected"], m_label)

    def grid(tid: str) -> dict[str, Any]:
        published = report.tables[tid]
        t = published.table
        return {
            "id": tid,
            "title": t.title,
            "columns": t.col_labels,
            "rows": [
                {
                    "label": t.row_labels[r],
                    "is_total": t.row_keys[r] == "total",
                    "cells": [
                        {"display": published.display(r, c), "suppressed": (r, c) in published.suppressed}
                        for c in range(len(t.col_keys))
                    ],
                }
                for r in range(len(t.row_keys))
            ],
        }

    month_words = f"{month.title().split()[0].title()} {month.year}"  # "November 2022"
    edition = "Public edition" if report.audience == "public" else "Official edition"
    return {
        "report": report,
        "month_words": month_words,
        "edition": edition,
        "document_title": f"{report.program_name}: {report.report_title}, {month_words}",
        "age_caption": f"{month_name.title()} summary by age group",
        "title": month.title(),
        "month_name": month_name,
        "program_name": report.program_name.upper(),
        "report_title": report.report_title.upper(),
        "web_address": report.web_address,
        "wording": report.wording,
        "headline": headline(report),
        "success_chart": success,
        "age_chart": ages,
        "services_chart": services,
        "area_table": grid("area_command"),
        "age_table": grid("summary_by_age_group"),
        "services_table": grid("services_connected"),
        "referrals_table": grid("referrals_by_source"),
        "enforcement_table": grid("enforcement"),
        "violence_table": grid("further_violence"),
        "success_table": grid("running_success_rate"),
        # The optional sections the profile shows (docs/report-definitions.md), in this order.
        "field_tables": [
            {"table": grid(tid), "caption": caption, "row_head": head}
            for tid, caption, head in FIELD_TABLES
            if tid in report.tables
        ],
        "definitions": report.definitions,
        "definition_columns": definition_columns(report.definitions),
        "definitions_version": report.numbers.definitions_version,
        "data_as_of": report.data_as_of,
        "generated_at": report.generated_at,
        "audience": report.audience,
        "fingerprint": report.numbers.fingerprint,
        "suppression_note": suppression_note(report) if report.threshold else "",
        "any_suppressed": any(p.suppressed for p in report.tables.values()),
    }


def definition_columns(items: tuple[Definition, ...]) -> list[tuple[Definition, ...]]:
    """The definitions page's two columns: the definitions in order, split where the two columns'
    lengths (a title's line and the text's lines, about 60 characters a line) come closest.

    Two lists side by side rather than CSS columns: WeasyPrint balances CSS columns by laying the
    list out again and again, which took more than a third of the PDF's time."""

    def lines(d: Definition) -> int:
        return 1 + -(-len(d.text) // 60)

    sizes = [lines(d) for d in items]
    total = sum(sizes)
    best = min(range(len(items) + 1), key=lambda k: (abs(total - 2 * sum(sizes[:k])), -k))
    return [items[:best], items[best:]]


@functools.cache
def document_engine() -> Engine:
    """The report document's own template engine: this app's templates only, and Django's built-in
    tags and filters only.

    The site's engine imports every installed app's tag libraries the first time it is used (the
    API's among them, which import the PostgreSQL driver, requests and pygments): about 0.2 s of
    each command that renders a report. And no other app's template can stand in for the
    document's layout."""
    return Engine(dirs=[str(Path(__file__).parent / "templates")], app_dirs=False, debug=False)


def to_html(report: Report) -> bytes:
    # Times in the program's time zone; the document in its own (English) wording and formats,
    # whatever language the staff screen that generated it was in.
    with timezone.override(ZoneInfo(report.time_zone)), translation.override("en"):
        return document_engine().render_to_string("reports/report.html", context(report)).encode()


_fonts = threading.local()


def font_configuration() -> Any:
    """WeasyPrint's font configuration, made once per thread and kept: the report uses the
    system's fonts only (no @font-face), so it never changes, and making it anew took about 5% of
    each PDF's time. Per thread: Pango's font maps are not to be shared between threads."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def to_pdf(report: Report, html: bytes | None = None) -> bytes:
    # Deferred: WeasyPrint loads Pango and HarfBuzz (about half a second); only a PDF needs it.
    from weasyprint import HTML

    document = HTML(string=(html or to_html(report)).decode(), base_url=None)
    return write_tagged_pdf(document, font_config=font_configuration())


def write_tagged_pdf(document: Any, font_config: Any = None) -> bytes:
    """A WeasyPrint document as a tagged PDF/UA-1 file (structure tree, language, title), so that
    screen readers read headings, tables with their captions and header cells, and the charts'
    text alternatives. Every PDF the application makes is written through here."""
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, font_config=font_config)
    return pdf


def render(report: Report, formats: list[str]) -> dict[str, bytes]:
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    out: dict[str, bytes] = {}
    html = to_html(report) if {"html", "pdf"} & set(formats) else None
    for fmt in formats:
        if fmt == "html":
            assert html is not None
            out[fmt] = html
        elif fmt == "pdf":
            out[fmt] = to_pdf(report, html)
        elif fmt == "xlsx":
            out[fmt] = to_xlsx(report)
        elif fmt == "csv":
            out[fmt] = to_csv(report)
        elif fmt == "json":
            out[fmt] = to_json(report)
    return out


def filename(report: Report, fmt: str) -> str:
    suffix = "" if report.audience == "official" else "-public"
    return f"vip-report-{report.month}{suffix}.{fmt}"

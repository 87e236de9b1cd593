"""The report's documents (issue 14, item 5): every PDF tagged for screen readers (PDF/UA), the
XLSX figures numbers with formats, one rounding rule for every printed rate, a cover."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.reports import charts
from vip.reports.definitions import CURRENT_VERSION, definitions
from vip.reports.editions import CHARTS, chart_svg
from vip.reports.models import ReportFile
from vip.reports.render import definition_columns
from vip.reports.services import report_generate
from vip.stats.disclosure import rate_display
from vip.stats.tables import PublishedTable, Table, percent, percent_label

FIXTURE = Path(__file__).parent / "fixtures" / "seed_november_2022"


@pytest.fixture
def seeded(program):
    assert bundle_import(actor=None, path=FIXTURE).written


def _pdfinfo(content: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdfinfo")
    if tool is None:
        raise RuntimeError("pdfinfo (Debian package poppler-utils) is needed to check the PDFs' tags")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout  # noqa: S603 (our file)


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (the catalogue sits in an object stream)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


@pytest.mark.django_db
@pytest.mark.parametrize("audience", ["official", "public"])
def test_every_report_pdf_is_tagged_for_screen_readers(seeded, tmp_path, audience) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience=audience, formats=["pdf", "html"])
    pdf = bytes(ReportFile.objects.get(run=run, format="pdf").content)
    info = _pdfinfo(pdf, tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(
        r"^Title:\s+Violence Intervention Program: Monthly Informational Report, November 2022$", info, re.M
    )
    assert re.search(rb"/Lang\s*\(en\)", _inflated(pdf)), "the document language is set in the catalogue"
    assert b'pdfuaid:part="1"' in _inflated(pdf)  # declared PDF/UA-1 in its XMP metadata
    # Every chart is a figure with its text alternative (an image with its alt; inline SVG had none).
    for alt in (
        rb"Line chart of the VIP running success rate",
        rb"Bar chart, November summary by age group",
        rb"Bar chart, service referrals connected, by kind of service",
    ):
        assert re.search(rb"/Alt\s*\(" + alt, _inflated(pdf)), alt
    html = bytes(ReportFile.objects.get(run=run, format="html").content).decode()
    assert '<html lang="en">' in html
    # Table titles are the tables' own captions (in the structure), header cells have a scope.
    assert html.count("<caption>") == 7  # every table the document draws
    assert "<caption>Custom Notifications by Area Command</caption>" in html
    assert 'class="visually-hidden"' not in html
    assert '<th scope="col">' in html and '<th scope="row">' in html


@pytest.mark.django_db
def test_the_pdf_opens_with_a_cover(seeded, tmp_path) -> None:
    from vip.reports.tests.formats import pdf_text

    run = report_generate(actor=None, month=Month(2022, 11), audience="public", formats=["pdf"])
    first_page = pdf_text(bytes(run.files.get(format="pdf").content)).split("\f")[0]
    squeezed = re.sub(r"\s+", "", first_page).lower()  # letter-spaced capitals come out as "M ONTHLY"
    for words in ("Violence Intervention Program", "Monthly Informational Report", "November 2022", "Public edition"):
        assert re.sub(r"\s+", "", words).lower() in squeezed, (words, first_page)
    assert "Questions: 311 or cabq.gov/vip" in first_page  # the profile's contact line


@pytest.mark.django_db
@pytest.mark.parametrize("audience", ["official", "public"])
def test_xlsx_headline_figures_are_numbers_with_formats(seeded, audience) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), audience=audience, formats=["xlsx", "json"])
    book = load_workbook(io.BytesIO(bytes(run.files.get(format="xlsx").content)))
    sheet = book["Report"]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    start = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Headline figure")
    headline = [row for row in sheet.iter_rows(min_row=start + 1) if row[0].value]
    assert len(headline) == len(run.numbers["headline"]) == 6
    numbers = 0
    for (title, value, _detail), item in zip(headline, run.numbers["headline"], strict=True):
        assert title.value == item["title"]
        if item["value"] is None:  # withheld: its text, no number
            assert value.value == item["display"]
            continue
        numbers += 1
        assert isinstance(value.value, int | float) and not isinstance(value.value, bool), (title.value, value.value)
        if item["display"].endswith("%"):
            assert value.number_format == "0%"
            assert f"{round(value.value * 100)}%" == item["display"]  # what the spreadsheet shows
        else:
            assert value.number_format == "#,##0" and isinstance(value.value, int)
            assert f"{value.value:,}" == item["display"]
    assert numbers >= (4 if audience == "official" else 1)
    generated = rows[next(k for k in rows if str(k).startswith("Generated"))][1]
    assert isinstance(generated.value, dt.datetime) and generated.number_format == "yyyy-mm-dd hh:mm"
    # Table cells are numbers too (the area command table's NOV total, the seed's 41).
    area = book["area_command"]
    total = next(r for r in area.iter_rows() if r[0].value == "Total")
    assert all(isinstance(c.value, int) or c.value in ("<11", "*") for c in total[1:])
    if audience == "official":
        assert total[1].value == 41 and total[1].number_format == "#,##0"
    else:
        rates = [r[1] for r in book["running_success_rate"].iter_rows(min_row=3) if r[0].value]
        shown = [c for c in rates if c.value is not None and not isinstance(c.value, str)]
        assert all(isinstance(c.value, float) and c.number_format == "0%" for c in shown)  # the seed withholds most


# ---- One rounding rule ------------------------------------------------------------------------


def _success_series(cells: list[list[int]], labels: list[str] | None = None) -> PublishedTable:
    """Twelve months of the running success rate (engaged, notified), exact counts."""
    rows = [f"M{i}" for i in range(12)]
    table = Table(
        "running_success_rate",
        "Running success rate",
        rows,
        labels or rows,
        ["engaged", "notified"],
        ["Engaged", "Notified"],
        cells,
    )
    return PublishedTable(table=table, suppressed={}, threshold=0)


@pytest.mark.parametrize(("numerator", "denominator", "shown"), [(21, 40, "53%"), (1, 8, "13%"), (29, 200, "15%")])
def test_one_rounding_rule_for_every_printed_rate(numerator, denominator, shown) -> None:
    """21 of 40 is 52.5 %: the rule (halves up) prints 53 % in the headline, the chart and the
    spreadsheet alike. (Python's ``:.0%`` of 1/8 says 12 %, of 0.145 says 14 %.)"""
    assert percent_label(numerator, denominator) == shown
    assert rate_display(numerator, denominator) == shown
    assert f"{percent(numerator, denominator)}%" == shown
    chart = charts.running_success_chart(
        _success_series([[numerator, denominator]] * 12, [f"MONTH{i} 2022" for i in range(12)])
    )
    labels = re.findall(r">(\d+%)</text>", chart.svg)  # the texts stay text (svg.fonttype none)
    assert labels and set(labels) >= {shown}, labels
    assert f"Latest: {shown}." in chart.alt


def test_the_success_chart_has_a_percentage_axis() -> None:
    svg = charts.running_success_chart(_success_series([[1, 2]] * 12)).svg
    ticks = re.findall(r">(\d+%)</text>", svg)
    for tick in ("0%", "25%", "50%", "75%", "100%"):
        assert tick in ticks
    assert ">0.25</text>" not in svg


def test_the_charts_of_an_edition_are_read_from_its_images_or_from_inline_svg() -> None:
    """The chart pages serve the SVG of a stored HTML edition: an image's data: URI (now), or an
    inline <svg> (editions stored before the charts became images)."""
    svgs = [f'<svg xmlns="http://www.w3.org/2000/svg"><text>{name}</text></svg>'.encode() for name in CHARTS]
    images = b"".join(
        b'<img class="chart-image" src="data:image/svg+xml;base64,' + base64.b64encode(svg) + b'" alt="a chart">'
        for svg in svgs
    )
    logo = b'<img class="logo" src="data:image/svg+xml;base64,' + base64.b64encode(b"<svg></svg>") + b'" alt="logo">'
    for html in (logo + images, b"<p>" + b"</p><p>".join(svgs) + b"</p>"):
        for name, svg in zip(CHARTS, svgs, strict=True):
            assert chart_svg(html, name) == b'<?xml version="1.0" encoding="utf-8"?>\n' + svg
    assert chart_svg(images, "elsewhere") is None


def test_the_definitions_page_keeps_every_definition_in_order_in_two_columns() -> None:
    items = definitions(CURRENT_VERSION)
    left, right = definition_columns(items)
    assert left and right and left + right == items
    # Balanced: moving the last definition of the left column to the right would not balance it better.
    size = {d.id: 1 + -(-len(d.text) // 60) for d in items}
    gap = abs(sum(size[d.id] for d in left) - sum(size[d.id] for d in right))
    assert gap <= 2 * size[left[-1].id]


@pytest.mark.parametrize("withheld", [False, True])
def test_every_label_of_a_chart_is_inside_its_picture(monkeypatch, withheld) -> None:
    """The charts are placed from their labels' measured sizes, not by drawing them twice (tight
    layout): the longest label, the largest number, the legend and the withheld note must all
    still fall inside the figure."""
    figures = []
    keep = charts._svg

    def capture(figure, prefix):
        figures.append(figure)
        return keep(figure, prefix)

    monkeypatch.setattr(charts, "_svg", capture)
    names = ["Substance use treatment and recovery", "Housing", "Benefits and documents", "Other"]
    bars = Table(
        "services_connected",
        "t",
        names,
        names,
        ["month", "fytd"],
        ["OCT", "FYTD"],
        [[1234567, 7654321], [3, 12], [0, 99999], [45, 0]],
    )
    suppressed = {(1, 0): "<11"} if withheld else {}
    charts.services_chart(PublishedTable(table=bars, suppressed=suppressed, threshold=10 if withheld else 0), "OCT")
    cells = [[999_999, 1_000_000]] * 11 + [[1_000_000, 1_000_000]]
    charts.running_success_chart(_success_series(cells, [f"SEPTEMBER {i}" for i in range(12)]))
    assert len(figures) == 2
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for figure in figures:
        renderer = FigureCanvasAgg(figure).get_renderer()
        inside = figure.bbox
        drawn = figure.get_tightbbox(renderer).transformed(figure.dpi_scale_trans)
        assert drawn.x0 >= inside.x0 - 0.5 and drawn.y0 >= inside.y0 - 0.5, (drawn, inside)
        assert drawn.x1 <= inside.x1 + 0.5 and drawn.y1 <= inside.y1 + 0.5, (drawn, inside)


@pytest.mark.django_db
def test_the_report_document_has_a_template_engine_of_its_own(seeded, monkeypatch) -> None:
    """The HTML edition (and the PDF made from it) is rendered by the report's own engine: never
    the site's, whose first use imports every app's tag libraries, and whose other apps'
    templates could stand in for the document's."""
    import django.template.loader

    def refuse(*args, **kwargs):
        raise AssertionError("the report went through the site's template engine")

    monkeypatch.setattr(django.template.loader, "get_template", refuse)
    monkeypatch.setattr(django.template.loader, "render_to_string", refuse)
    monkeypatch.setattr(django.template.loader, "select_template", refuse)
    run = report_generate(actor=None, month=Month(2022, 11), formats=["html"])
    html = bytes(run.files.get(format="html").content).decode()
    assert "Custom Notifications by Area Command" in html and "</html>" in html

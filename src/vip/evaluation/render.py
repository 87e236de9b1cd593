"""The evaluation in other forms: CSV (long form, one figure a row) and the survival chart (SVG,
matplotlib, in the monthly report's style), from the result a run kept."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from vip.reports.charts import ACCENT, ACCENT_2, GRID, INK, Chart, svg_of

CSV_COLUMNS = ("section", "group", "cohort", "at", "measure", "value")


def _rows(result: dict[str, Any]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    survival = result["survival"]
    for name in ("notified", "matched_notified", "comparison"):
        for point in survival[name]:
            for measure in ("survival", "ci_low", "ci_high", "at_risk", "events"):
                rows.append(("survival", name, "", point["day"], measure, point[measure]))
    for group in survival["cohorts"]:
        rows.append(("survival", group["dimension"], group["cohort"], "", "size", group["size"]))
        for point in group["points"]:
            for measure in ("survival", "ci_low", "ci_high", "at_risk", "events"):
                rows.append(("survival", group["dimension"], group["cohort"], point["day"], measure, point[measure]))
    hazard = result.get("hazard_ratio")
    if hazard is not None:
        for measure in ("value", "ci_low", "ci_high", "p_value", "proportional_hazards_p", "n_notified"):
            rows.append(("hazard_ratio", "", "", "", measure, hazard[measure]))
        for measure in ("n_comparison", "events_notified", "events_comparison"):
            rows.append(("hazard_ratio", "", "", "", measure, hazard[measure]))
    for measure, value in result["matching"].items():
        rows.append(("matching", "", "", "", measure, value))
    for month in result["funnel"]:
        for step in month["steps"]:
            for measure in ("count", "share", "median_days"):
                rows.append(("funnel", month["kind"], step["step"], month["month"], measure, step[measure]))
    for area in result["areas"]:
        for month in area["months"]:
            for measure in ("shooting_victims", "notifications"):
                rows.append(("areas", area["area"], "", month["month"], measure, month[measure]))
        its = area["its"]
        for change in ("level_change", "slope_change"):
            if its[change] is not None:
                for measure, value in its[change].items():
                    rows.append(("areas", area["area"], change, its["start"], measure, value))
    return rows


def to_csv(result: dict[str, Any]) -> bytes:
    """Every figure of the evaluation, one a row: section, group, cohort, the day or month it is
    at, the measure and its value (empty where withheld or not estimable)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in _rows(result):
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode()


def survival_chart(result: dict[str, Any]) -> Chart | None:
    """The step curves of the share still free of violent re-involvement: everyone notified, and,
    where there is a comparison group, the matched notified and their matches; the numbers at risk
    under the x-axis. None when there is nothing to draw."""
    from matplotlib.figure import Figure  # deferred: matplotlib is loaded for a chart only

    plot = result["plot"]
    lines = [
        ("notified", "Everyone notified", ACCENT, "-"),
        ("matched_notified", "Notified, matched", INK, "--"),
        ("comparison", "Comparison group", ACCENT_2, "-"),
    ]
    drawn = [(key, label, colour, style) for key, label, colour, style in lines if plot.get(key)]
    if not drawn:
        return None
    rows = len(drawn)
    height = 3.3 + 0.22 * (rows + 1)  # inches: the plot, then a line for each row of numbers at risk
    figure = Figure(figsize=(7.2, height))
    bottom = (0.75 + 0.22 * (rows + 1)) / height
    axis = figure.add_axes((0.2, bottom, 0.76, 1 - bottom - 0.05))
    for key, label, colour, style in drawn:
        days = [p["day"] for p in plot[key]]
        shares = [p["survival"] * 100 for p in plot[key]]
        axis.step(days, shares, where="post", color=colour, linestyle=style, linewidth=1.6, label=label)
    axis.set_xlim(0, 730)
    axis.set_ylim(0, 100)
    axis.set_xticks([0, 90, 180, 365, 545, 730])
    axis.set_xlabel("Days since origin", color=INK)
    axis.set_ylabel("Still free of violence (%)", color=INK)
    axis.grid(axis="y", color=GRID, linewidth=0.6)
    axis.legend(loc="lower left", frameon=False, fontsize=8)
    # The numbers at risk under the axis, one row a line.
    # Day 0 from the chart's points, then the table's own days (the same numbers as the table).
    by_day = {
        key: {
            **{p["day"]: p["at_risk"] for p in plot[key] if p["day"] == 0},
            **{p["day"]: p["at_risk"] for p in result["survival"][key] if not p.get("withheld")},
        }
        for key, *_rest in drawn
    }
    line = 0.22 / height  # a row of numbers, in figure coordinates
    first = bottom - 0.62 / height  # under the axis's label
    figure.text(0.175, first, "At risk", ha="right", va="center", fontsize=7, color=INK, fontweight="bold")
    for row, (key, label, colour, _style) in enumerate(drawn):
        y = first - (row + 1) * line
        figure.text(0.175, y, label, ha="right", va="center", fontsize=7, color=colour)
        for day in (0, 90, 180, 365, 545, 730):
            value = by_day[key].get(day)
            x = 0.2 + 0.76 * day / 730
            figure.text(x, y, "" if value is None else f"{value:,}", ha="center", va="center", fontsize=7, color=INK)
    alt = (
        "Step chart of the share still free of violent re-involvement over the two years after origin; "
        "its numbers are in the table of survival below."
    )
    return Chart(svg_of(figure, "survival"), alt)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _cells(points: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each point as the table shows it: the share with its interval, and the number at risk."""
    cells = []
    for point in points:
        if point.get("withheld"):
            cells.append({"share": _("withheld"), "interval": "", "at_risk": _("withheld")})
        elif point["survival"] is None:
            cells.append({"share": "—", "interval": "", "at_risk": f"{point['at_risk'] or 0:,}"})
        else:
            interval = (
                f"{_percent(point['ci_low'])} to {_percent(point['ci_high'])}" if point["ci_low"] is not None else ""
            )
            cells.append(
                {"share": _percent(point["survival"]), "interval": interval, "at_risk": f"{point['at_risk']:,}"}
            )
    return cells


def _survival_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The survival table: one row a group, its points in the definitions' days."""
    survival = result["survival"]
    rows = [
        {
            "label": _("Everyone notified"),
            "dimension": "",
            "size": result["counts"]["notified"],
            "cells": _cells(survival["notified"]),
        }
    ]
    if result["counts"].get("matched_notified"):
        rows.append(
            {
                "label": _("Notified, matched"),
                "dimension": "",
                "size": result["counts"]["matched_notified"],
                "cells": _cells(survival["matched_notified"]),
            }
        )
        rows.append(
            {
                "label": _("Comparison group"),
                "dimension": "",
                "size": result["counts"]["comparison"],
                "cells": _cells(survival["comparison"]),
            }
        )
    names = {
        "fiscal_year": _("Fiscal year of origin"),
        "age_band": _("Age band at origin"),
        "engagement": _("Engagement"),
    }
    engagement = {
        "engaged": _("Engaged within 90 days"),
        "not_engaged": _("Not engaged within 90 days"),
        "too_recent": _("Fewer than 90 days since origin"),
    }
    for group in survival["cohorts"]:
        label = (
            engagement.get(group["cohort"], group["cohort"]) if group["dimension"] == "engagement" else group["cohort"]
        )
        rows.append(
            {
                "label": label,
                "dimension": names[group["dimension"]],
                "size": group["size"],
                "cells": _cells(group["points"]),
            }
        )
    return rows


def _funnel(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The funnel's rows with each step's name in words and its share as a percentage."""
    names = {
        "proposed": _("proposed"),
        "approved": _("approved"),
        "referred": _("referred"),
        "first_attempt": _("first attempt"),
        "delivered": _("delivered"),
        "engaged": _("engaged"),
        "retained": _("retained"),
    }
    return [
        {
            **month,
            "steps": [
                {**step, "label": names[step["step"]], "percent": _percent(step["share"]).replace(".0%", "%")}
                for step in month["steps"]
            ],
        }
        for month in months
    ]


def page_context(result: dict[str, Any]) -> dict[str, Any]:
    """What the run's page and its PDF show of ``result``."""
    return {
        "result": result,
        "days": [p["day"] for p in result["survival"]["notified"]],
        "survival_rows": _survival_rows(result),
        "chart": survival_chart(result),
        "areas": result["areas"],
        "funnel": _funnel(result["funnel"][-24:]),  # the latest rows; the CSV holds every month
        "funnel_months": len(result["funnel"]),
    }


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_html(run: Any, result: dict[str, Any]) -> str:
    """The run as one self-contained HTML document (its chart inside): the PDF's source."""
    return render_to_string("evaluation/document.html", {"run": run, **page_context(result)})


def to_pdf(run: Any, result: dict[str, Any]) -> bytes:
    """The run as a tagged PDF (WeasyPrint, as the monthly report): the same figures as its page."""
    from weasyprint import HTML  # deferred: WeasyPrint loads Pango and HarfBuzz

    from vip.reports.render import font_configuration, write_tagged_pdf

    return write_tagged_pdf(HTML(string=to_html(run, result), base_url=None), font_config=font_configuration())


def to_xlsx(result: dict[str, Any]) -> bytes:
    """Every figure as a workbook: one sheet a section, one row a figure (the CSV's rows)."""
    from openpyxl import Workbook  # deferred: loaded for a workbook only

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    sheets: dict[str, Any] = {}
    for row in _rows(result):
        section = str(row[0])
        if section not in sheets:
            sheets[section] = book.create_sheet(section[:31])
            sheets[section].append(list(CSV_COLUMNS))
        sheets[section].append(["" if value is None else value for value in row])
    about = book.create_sheet("about", 0)
    about.append(["definitions", result["definitions"]])
    about.append(["as_of", result["as_of"]])
    about.append(["audience", result["audience"]])
    about.append(["data_fingerprint", result["data_fingerprint"]])
    about.append(["statement", result["statement"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

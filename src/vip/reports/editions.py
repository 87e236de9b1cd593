"""A stored edition shown as a page: its figures (the run's JSON) and its charts (the SVGs of the
run's own HTML file), for the staff preview before publishing and for the public site.

Nothing here computes a figure: every number is the run's, as it was (or will be) published.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _

from vip.core.dates import Month

# The report's charts, in the order report.html draws them: each an <img class="chart-image"> whose
# source is the SVG as a data: URI (editions made before December 2026: an inline <svg>).
CHARTS = ("success", "ages", "services")
# Tables the page shows as headline figures rather than as tables.
HEADLINE_TABLES = {"headline_rates", "people_engaged"}
_IMAGE = re.compile(rb'<img class="chart-image" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
_SVG = re.compile(rb"<svg\b.*?</svg>", re.DOTALL)


def chart_svg(html: bytes, name: str) -> bytes | None:
    """The chart ``name`` of a stored HTML edition, as a standalone SVG document (None: no such chart)."""
    if name not in CHARTS:
        return None
    found = [base64.b64decode(data) for data in _IMAGE.findall(html)] or _SVG.findall(html)
    if len(found) < len(CHARTS):
        return None
    svg = found[CHARTS.index(name)]
    if b"xmlns=" not in svg[:300]:
        svg = svg.replace(b"<svg", b'<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + svg


def month_date(month: str) -> dt.date | None:
    """The first day of a "YYYY-MM" month (for "November 2026" through the date filter), or None."""
    try:
        parsed = Month.parse(month)
    except ValueError:
        return None
    return dt.date(parsed.year, parsed.month, 1)


_ABOUT = re.compile(r"^of about ([\d,]+) people notified$")
_OF = re.compile(r"^([^ ]+) of ([^ ]+) people notified$")


def _headline_item(item: dict[str, Any], month_words: str) -> dict[str, Any]:
    """A headline figure with its label in the reader's language (the figure itself unchanged)."""
    fytd = item.get("title", "").endswith("FYTD")
    metric = item.get("metric")
    if metric == "notifications_delivered":
        label = (
            _("Custom notifications delivered, fiscal year to date")
            if fytd
            else _("Custom notifications delivered in %(month)s") % {"month": month_words}
        )
    elif metric == "people_engaged":
        label = (
            _("People newly engaged with services, fiscal year to date")
            if fytd
            else _("People newly engaged with services in %(month)s") % {"month": month_words}
        )
    elif metric == "running_success_rate":
        label = _("Running success rate: people notified who connected with a service")
    elif metric == "no_further_violence_rate":
        label = _("No further violence after notification")
    else:
        label = item.get("title", "")
    detail = item.get("detail") or ""
    if about := _ABOUT.match(detail):
        detail = _("of about %(count)s people notified") % {"count": about.group(1)}
    elif of := _OF.match(detail):
        detail = _("%(part)s of %(count)s people notified") % {"part": of.group(1), "count": of.group(2)}
    return {"label": label, "display": item.get("display", ""), "detail": detail, "metric": metric}


def edition(
    numbers: dict[str, Any], month_words: str, withheld_for_history: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What a page shows of an edition: headline figures, and its tables with every withheld cell
    marked (and those withheld only because of earlier public releases marked apart)."""
    history = {(c.get("table"), c.get("row"), c.get("col")) for c in (withheld_for_history or [])}
    tables = []
    withheld = 0
    for table in numbers.get("tables", []):
        if table["id"] in HEADLINE_TABLES:
            withheld += sum(bool(cell.get("suppressed")) for row in table["rows"] for cell in row["cells"])
            continue
        rows = []
        for row in table["rows"]:
            cells = []
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                key = (table["id"], row["key"], column["key"])
                cells.append(
                    {
                        "display": cell["display"],
                        "withheld": bool(cell.get("suppressed")),
                        "history": key in history,
                    }
                )
                withheld += bool(cell.get("suppressed"))
            rows.append({"label": row["label"], "cells": cells, "is_total": row["key"] == "total"})
        tables.append({"id": table["id"], "title": table["title"], "columns": table["columns"], "rows": rows})
    return {
        "headline": [_headline_item(item, month_words) for item in numbers.get("headline", [])],
        "tables": tables,
        "withheld": withheld,
        "withheld_for_history": len(history),
        "threshold": numbers.get("suppression_threshold", 0),
        "definitions_version": numbers.get("definitions_version", ""),
    }

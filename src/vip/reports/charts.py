"""The report's charts as SVG (matplotlib), drawn from the published tables.

Suppressed values are not drawn (a gap, with a note); every chart comes with a
text alternative, and its numbers are in the report's tables.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from dataclasses import dataclass

import matplotlib as mpl

mpl.use("Agg")
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import PercentFormatter

from vip.stats.tables import PublishedTable, percent

INK = "#1f2933"
ACCENT = "#0b5d8c"
ACCENT_2 = "#e07b24"
GRID = "#d5dbe1"

mpl.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: searchable, accessible, small
        "svg.hashsalt": "vip-report",  # deterministic ids
        "font.family": "sans-serif",
        "font.sans-serif": ["Liberation Sans", "DejaVu Sans", "Arial", "Helvetica"],
        "font.size": 9,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


@dataclass(frozen=True)
class Chart:
    svg: str
    alt: str

    @property
    def uri(self) -> str:
        """The SVG as a data: URI, for an ``<img>`` with the text alternative as its ``alt``.

        An image rather than inline SVG: the PDF tags it as a figure with that alternative (inline
        SVG gets none), and WeasyPrint no longer runs the page's style cascade over every element
        of the three charts."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure with one axis, placed by :func:`_place` once its labels are known.

    A plain ``Figure``, not pyplot's: nothing registers it, so nothing has to close it, and
    charts drawn at once in two threads (two reports) share no state."""
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


_measure = threading.local()


def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height in points of ``text`` set in the charts' font at ``size`` points (one
    line; the height from the top of the tallest glyph to the bottom of the lowest)."""
    renderer = getattr(_measure, "renderer", None)
    if renderer is None:  # one per thread: a renderer keeps its font state while it measures
        renderer = _measure.renderer = RendererAgg(1, 1, 72)  # 72 dots an inch: dots are points
    width, height, _descent = renderer.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return width, height


def _lines_height(texts: list[str], size: float) -> float:
    """Height in points of the tallest of ``texts``, each of one or more lines."""
    tallest = 0.0
    for text in texts:
        lines = text.split("\n")
        height = max(_text_size(line, size)[1] for line in lines) * 1.2 * len(lines)
        tallest = max(tallest, height)
    return tallest


def _place(figure: Figure, axis: Axes, *, left: float, bottom: float, top: float, right: float) -> None:
    """Put the axis inside margins given in points, measured from the labels around it.

    matplotlib's tight layout finds the same margins by drawing the whole figure once more
    before it is saved, which took more than half of the charts' time."""
    width, height = (size * 72 for size in figure.get_size_inches())
    pad = 2.0  # points of air around the labels
    axis.set_position(
        (
            (left + pad) / width,
            (bottom + pad) / height,
            max(width - left - right - 2 * pad, 1) / width,
            max(height - bottom - top - 2 * pad, 1) / height,
        )
    )


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as inline SVG; element ids get ``prefix`` so that charts on one page never clash."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog: the SVG is inlined in HTML
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    return re.sub(r'(url\(#|href="#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)


def svg_of(figure: Figure, prefix: str) -> str:
    """A figure drawn in the report's style as SVG for a page (the evaluation's charts too)."""
    return _svg(figure, prefix)


def success_points(series: PublishedTable) -> list[int | None]:
    """The running success rate of each month as the whole percentage the report prints
    (:func:`vip.stats.tables.percent`, the one rounding rule), None where it is not shown."""
    table = series.table
    points: list[int | None] = []
    for r in range(len(table.row_keys)):
        if series.col_kinds:  # the public edition publishes the rate itself (whole percent)
            points.append(series.published(r, 0))
            continue
        engaged, notified = series.published(r, 0), series.published(r, 1)
        points.append(None if engaged is None or not notified else percent(engaged, notified))
    return points


def running_success_chart(series: PublishedTable) -> Chart:
    table = series.table
    values = success_points(series)
    labels = [label.split()[0] for label in table.row_labels]
    denominators = [series.display(r, 1) for r in range(len(table.row_keys))]
    figure, axis = _figure(7.4, 1.45)
    xs = list(range(len(values)))
    points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    if points:
        axis.plot([p[0] for p in points], [p[1] for p in points], color=ACCENT, linewidth=2, marker="o", markersize=4)
        for x, v in points:
            axis.annotate(
                f"{v}%", (x, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7.5, color=INK
            )
    # A percentage axis: 0 % to 100 %, the values themselves whole percentages.
    axis.set_ylim(0, 100)
    axis.set_yticks([0, 25, 50, 75, 100])
    axis.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axis.yaxis.grid(True, color=GRID, linewidth=0.6)
    axis.set_axisbelow(True)
    axis.set_xticks(xs)
    tick_labels = [f"{m}\nn={d}" for m, d in zip(labels, denominators, strict=True)]
    axis.set_xticklabels(tick_labels, fontsize=7)
    axis.set_xlim(-0.5, len(xs) - 0.5)
    tick = 3.5 + 3.5  # matplotlib's tick length and the label's distance from it, in points
    _place(
        figure,
        axis,
        left=max(_text_size(f"{y}%", 9)[0] for y in (0, 100)) + tick,
        bottom=_lines_height(tick_labels, 7) + tick,
        top=6 + _text_size("100%", 7.5)[1],  # a point at 100 % has its label above the axis
        right=0,
    )
    last = values[-1]
    alt = (
        "Line chart of the VIP running success rate for the twelve months ending "
        f"{table.row_labels[-1].title()}: "
        + "; ".join(
            f"{label.title()} {'not shown' if v is None else f'{v}%'} of {d} people notified"
            for label, v, d in zip(table.row_labels, values, denominators, strict=True)
        )
        + ("." if last is None else f". Latest: {last}%.")
    )
    return Chart(_svg(figure, "success"), alt)


def _bars(table: PublishedTable, columns: list[int], names: list[str], title_for_alt: str, prefix: str) -> Chart:
    t = table.table
    rows = [r for r in range(len(t.row_keys)) if t.row_keys[r] != "total"]
    labels = [t.row_labels[r] for r in rows]
    figure, axis = _figure(3.6, 0.135 * len(rows) + 0.35)
    height = 0.8 / len(columns)
    colors = [ACCENT, ACCENT_2]
    largest = max([table.published(r, c) or 0 for r in rows for c in columns] + [1])
    any_withheld = False
    for i, c in enumerate(columns):
        ys = [len(rows) - 1 - j + (len(columns) - 1 - i) * height - 0.4 + height / 2 for j in range(len(rows))]
        widths = [table.published(r, c) or 0 for r in rows]
        axis.barh(ys, widths, height=height * 0.95, color=colors[i % 2], label=names[i])
        for y, r in zip(ys, rows, strict=True):
            value = table.published(r, c)
            if value is None:
                # Withheld (public edition): a hatched stub, no number.
                any_withheld = True
                axis.barh(
                    [y],
                    [largest * 0.05],
                    height=height * 0.95,
                    color="white",
                    edgecolor=colors[i % 2],
                    hatch="//////",
                    linewidth=0.5,
                )
            elif value:
                axis.annotate(
                    f"{value:,}",
                    (value, y),
                    textcoords="offset points",
                    xytext=(2, 0),
                    va="center",
                    fontsize=6.5,
                    color=INK,
                )
    axis.set_xlim(0, largest)
    axis.set_ylim(-0.6, len(rows) - 0.4)
    axis.set_yticks(range(len(rows)))
    axis.set_yticklabels(list(reversed(labels)), fontsize=7.5)
    axis.xaxis.set_visible(False)
    axis.spines["bottom"].set_visible(False)
    axis.tick_params(axis="y", length=0)
    if any_withheld:
        axis.text(
            1, -0.02, "hatched: withheld", transform=axis.transAxes, ha="right", va="top", fontsize=6.5, color=INK
        )
    if len(columns) > 1:
        axis.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncol=2, borderaxespad=0)
    shown = [f"{value:,}" for r in rows for c in columns if (value := table.published(r, c))]
    _place(
        figure,
        axis,
        left=max([_text_size(label, 7.5)[0] for label in labels] + [0]) + 3.5,  # labels, their distance
        bottom=_text_size("hatched: withheld", 6.5)[1] + 1 if any_withheld else 0,
        top=2.2 * 7 if len(columns) > 1 else 0,  # the legend above the bars: a line of 7 points and its padding
        right=max([_text_size(text, 6.5)[0] for text in shown] + [0]) + 2,  # the largest bar's number
    )
    parts = []
    for r in rows:
        values = ", ".join(f"{names[i]} {table.display(r, c)}" for i, c in enumerate(columns))
        parts.append(f"{t.row_labels[r]}: {values}")
    return Chart(_svg(figure, prefix), f"Bar chart, {title_for_alt}. " + "; ".join(parts) + ".")


def age_group_chart(table: PublishedTable, month_name: str) -> Chart:
    return _bars(table, [0, 1], ["Notified", "Newly engaged"], f"{month_name} summary by age group", "ages")


def services_chart(table: PublishedTable, month_label: str) -> Chart:
    return _bars(table, [0, 1], [month_label, "FYTD"], "service referrals connected, by kind of service", "services")

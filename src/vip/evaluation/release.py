"""The evaluation's public edition in the release ledger (docs/evaluation.md, "Who may read it").

A public edition is handed to analysts (and by managers to the public): it is a release like any
other (monthly-report.md, "The release ledger"; security rows 40 and 41). Its counts are written
as cells in terms of named counts, so that the ledger (:mod:`vip.releases.ledger`) reads them
with every earlier release (the monthly reports, earlier editions of the evaluation at other
as-of days) and withholds what together they would reveal. Names:

``ev:<group>:n`` / ``ev:<group>:e``        a survival group's people and events (``<group>``:
                                           ``all:notified``, ``fiscal_year:FY2025``,
                                           ``age_band:18-24``, ``engagement:engaged``,
                                           ``comparison:matched_notified``, ``comparison:comparison``)
``ev:<group>:r<day>`` / ``ev:<group>:e<day>``  its number at risk on a day, its events by that day
``ev:match:candidates`` / ``ev:match:pool`` the notified who were candidates; the comparison pool
``ev:f:<kind>:<FY>:<step>``                a funnel step's entries, by fiscal year of entry
``ev:a:<area>:<FY>:v`` / ``:n``            an area's shooting victims / delivered notifications
                                           in a fiscal year (``all``: the whole city)

Besides the published cells each edition records what the definitions tell every reader
(``known``: the cohorts of a dimension add up to everyone notified; the number at risk never
grows and events never fall from day to day; a funnel step never holds more than the step
before; the areas add up to at most the city; the matched are among the notified) and the
counts a reader could work out (``derived``: who left the funnel between two steps, the
unmatched, the city's victims with no area).

A value from 1 to the threshold is shown withheld (the cell says the reader may know it is
small); a point, a funnel step's share and the hazard ratio are shown only where every count
they rest on is. The shares and intervals of the survival curve and the rate ratios of the
areas are not counts: the ledger checks the counts they rest on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from vip.core.dates import Month, fiscal_year
from vip.evaluation.comparison import MATCHES_PER_PERSON
from vip.releases.ledger import Cell


def _group_key(group: dict[str, Any]) -> str:
    return f"{group['dimension']}:{group['cohort']}"


def groups(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every survival group of ``result`` (notified, matched notified, comparison, the cohorts)."""
    counts = result["counts"]
    survival = result["survival"]
    out = [
        {"dimension": "all", "cohort": "notified", "size": counts["notified"], "events": counts["events"],
         "points": survival["notified"]},
        {"dimension": "comparison", "cohort": "matched_notified", "size": counts["matched_notified"],
         "events": _events(result, "notified"), "points": survival["matched_notified"]},
        {"dimension": "comparison", "cohort": "comparison", "size": counts["comparison"],
         "events": _events(result, "comparison"), "points": survival["comparison"]},
    ]  # fmt: skip
    return out + list(survival["cohorts"])


def _events(result: dict[str, Any], side: str) -> int | None:
    hazard = result.get("hazard_ratio") or {}
    value = hazard.get(f"events_{side}")
    return None if value is None else int(value)


class _Cells:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.cells: list[Cell] = []
        self.truths: dict[str, int] = {}

    def count(self, table: str, row: str, col: str, terms: dict[str, int], value: int) -> Cell:
        small = 1 <= value <= self.threshold
        cell: Cell = {
            "table": table,
            "row": row,
            "col": col,
            "kind": "primary" if small else "count",
            "value": None if small else value,
            "terms": terms,
        }
        self.cells.append(cell)
        return cell

    def name(self, name: str, value: int) -> str:
        self.truths[name] = int(value)
        return name

    def known(self, terms: dict[str, int], lo: int | None, hi: int | None) -> None:
        self.cells.append({"table": "known", "row": "", "col": "", "kind": "known", "terms": terms, "lo": lo, "hi": hi})

    def derived(self, table: str, row: str, col: str, terms: dict[str, int]) -> None:
        self.cells.append({"table": table, "row": row, "col": col, "kind": "derived", "value": None, "terms": terms})


def plan_cells(
    exact: dict[str, Any], threshold: int, new_by_month: dict[str, int], fiscal_year_start_month: int
) -> tuple[list[Cell], dict[str, int]]:
    """The cells of a public edition of ``exact`` (an edition with every count, computed for the
    public: its funnel and areas by fiscal year) and the truths of the names they use.
    ``new_by_month``: the notified by the month of their origin, the ``fr:new:<YYYY-MM>`` counts
    everyone notified and each fiscal year's cohort are sums of (so are the funder reports' new
    participants and the monthly report's ``cumN``)."""
    out = _Cells(threshold)
    days = [p["day"] for p in exact["survival"]["notified"]]
    months = {m: out.name(f"fr:new:{m}", n) for m, n in sorted(new_by_month.items())}
    sizes: dict[str, dict[str, int]] = {"all:notified": dict.fromkeys(months.values(), 1)}
    for month, name in months.items():
        label = fiscal_year(Month.parse(month).first_day, fiscal_year_start_month).label
        sizes.setdefault(f"fiscal_year:{label}", {})[name] = 1
    # The monthly report's people ever notified by a month's end (cumN) are these months' sums.
    running: dict[str, int] = {}
    for month, name in months.items():
        running[name] = 1
        total = sum(new_by_month[m] for m in months if m <= month)
        out.known({out.name(f"cumN:{month}", total): 1, **{k: -v for k, v in running.items()}}, 0, 0)
    by_key: dict[str, dict[str, Any]] = {}
    for group in groups(exact):
        key = _group_key(group)
        by_key[key] = group
        if group["size"] is None:
            continue
        n = sizes.get(key) or {out.name(f"ev:{key}:n", group["size"]): 1}
        sizes[key] = n
        e = out.name(f"ev:{key}:e", group["events"] or 0)
        size_cell = out.count("survival", key, "size", n, group["size"])
        events_cell = out.count("survival", key, "events", {e: 1}, group["events"] or 0)
        out.known({**n, e: -1}, 0, None)
        previous: tuple[str, str] | None = None
        for point in group["points"]:
            r = out.name(f"ev:{key}:r{point['day']}", point["at_risk"] or 0)
            d = out.name(f"ev:{key}:e{point['day']}", point["events"] or 0)
            risk = out.count("survival", key, f"at_risk_{point['day']}", {r: 1}, point["at_risk"] or 0)
            hit = out.count("survival", key, f"events_{point['day']}", {d: 1}, point["events"] or 0)
            if hit["kind"] == "count":  # a point's events are not published: its share rests on them
                hit["kind"], hit["value"] = "withheld", None
            _couple([risk, hit])
            out.known({**n, r: -1}, 0, None)
            out.known({e: 1, d: -1}, 0, None)
            if previous is not None:
                out.known({previous[0]: 1, r: -1}, 0, None)  # the number at risk never grows
                out.known({d: 1, previous[1]: -1}, 0, None)  # events never fall
            previous = (r, d)
        _couple([size_cell, events_cell])
    # The cohorts of each dimension add up to everyone notified.
    everyone = by_key.get("all:notified")
    if everyone is not None and everyone["size"] is not None:
        for dimension in ("fiscal_year", "age_band", "engagement"):
            members = [k for k, g in by_key.items() if g["dimension"] == dimension and g["size"] is not None]
            if not members:
                continue
            if dimension != "fiscal_year":  # the fiscal years' sizes are the months' sums already
                terms = dict(sizes["all:notified"])
                for k in members:
                    for name, coef in sizes[k].items():
                        terms[name] = terms.get(name, 0) - coef
                out.known(terms, 0, 0)
            for suffix in ("e", *(f"r{d}" for d in days), *(f"e{d}" for d in days)):
                terms = {f"ev:all:notified:{suffix}": 1}
                terms.update({f"ev:{k}:{suffix}": -1 for k in members})
                if all(name in out.truths for name in terms):
                    out.known(terms, 0, 0)
        matched = sizes.get("comparison:matched_notified")
        if matched is not None:
            out.known({**sizes["all:notified"], **{k: -v for k, v in matched.items()}}, 0, None)
            whole, part = "ev:all:notified:e", "ev:comparison:matched_notified:e"
            if whole in out.truths and part in out.truths:
                out.known({whole: 1, part: -1}, 0, None)  # the matched are among the notified
    _matching(out, exact)
    _funnel(out, exact)
    _areas(out, exact)
    return out.cells, out.truths


def _couple(cells: Iterable[Cell]) -> None:
    """Cells shown together: when one is small, the others are withheld with it."""
    cells = list(cells)
    if any(c["kind"] == "primary" for c in cells):
        for c in cells:
            if c["kind"] == "count":
                c["kind"], c["value"] = "withheld", None


def _matching(out: _Cells, exact: dict[str, Any]) -> None:
    matching = exact["matching"]
    candidates = out.name("ev:match:candidates", matching["notified_candidates"])
    pool = out.name("ev:match:pool", matching["comparison_pool"])
    matched, compared = "ev:comparison:matched_notified:n", "ev:comparison:comparison:n"
    out.count("matching", "matching", "notified_candidates", {candidates: 1}, matching["notified_candidates"])
    out.count("matching", "matching", "comparison_pool", {pool: 1}, matching["comparison_pool"])
    if matched in out.truths:
        out.count("matching", "matching", "unmatched", {candidates: 1, matched: -1}, matching["unmatched"])
        out.known({candidates: 1, matched: -1}, 0, None)
    if matched in out.truths and compared in out.truths:
        out.known({pool: 1, compared: -1}, 0, None)
        out.known({matched: MATCHES_PER_PERSON, compared: -1}, 0, None)


def _funnel(out: _Cells, exact: dict[str, Any]) -> None:
    for period in exact["funnel"]:
        row = f"{period['kind']}:{period['month']}"
        previous: str | None = None
        for step in period["steps"]:
            name = out.name(f"ev:f:{row}:{step['step']}", step["count"])
            out.count("funnel", row, step["step"], {name: 1}, step["count"])
            if previous is not None:
                out.known({previous: 1, name: -1}, 0, None)
                out.derived("funnel", row, f"left_before_{step['step']}", {previous: 1, name: -1})
            previous = name


def _areas(out: _Cells, exact: dict[str, Any]) -> None:
    city = next((a for a in exact["areas"] if a["area"] == "all"), None)
    for area in exact["areas"]:
        for period in area["months"]:
            for col, key in (("v", "shooting_victims"), ("n", "notifications")):
                name = out.name(f"ev:a:{area['area']}:{period['month']}:{col}", period[key])
                out.count("areas", f"{area['area']}:{period['month']}", key, {name: 1}, period[key])
    if city is None:
        return
    for period in city["months"]:
        for col in ("v", "n"):
            terms = {f"ev:a:all:{period['month']}:{col}": 1}
            others = [a["area"] for a in exact["areas"] if a["area"] != "all"]
            terms.update({f"ev:a:{area}:{period['month']}:{col}": -1 for area in others})
            out.known(terms, 0, None)
            out.derived("areas", f"unknown:{period['month']}", col, terms)


def cost(cell: Cell) -> tuple[Any, ...]:
    """Cheapest to withhold first: a cohort's cells before everyone's, small values first."""
    return (
        str(cell.get("row", "")).startswith("all"),
        cell.get("table") == "matching",
        cell.get("value") if cell.get("value") is not None else 0,
        str(cell.get("table")),
        str(cell.get("row")),
        str(cell.get("col")),
    )


def apply(exact: dict[str, Any], cells: list[Cell], threshold: int) -> dict[str, Any]:
    """The public edition: ``exact`` with every count the cells do not show withheld, and what
    rests on it (a point's share and interval, a step's share and median days, the hazard ratio)."""
    hidden = {(c["table"], str(c["row"]), str(c["col"])) for c in cells if c.get("kind") in ("primary", "withheld")}
    result = copy.deepcopy(exact)
    result["audience"], result["threshold"] = "public", threshold
    survival, counts = result["survival"], result["counts"]

    def points(key: str, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A point is shown with its number at risk (a small count of events withholds that too,
        ``_couple``); its count of events is never shown."""
        out = []
        for point in shown:
            day = point["day"]
            if ("survival", key, f"at_risk_{day}") in hidden:
                out.append({**dict.fromkeys(point), "day": day, "withheld": True})
            else:
                out.append({**point, "events": None})
        return out

    def withheld(key: str, col: str) -> bool:
        return ("survival", key, col) in hidden

    for key, list_key, size_key, events_key in (
        ("all:notified", "notified", "notified", "events"),
        ("comparison:matched_notified", "matched_notified", "matched_notified", None),
        ("comparison:comparison", "comparison", "comparison", None),
    ):
        survival[list_key] = points(key, survival[list_key])
        if withheld(key, "size"):
            counts[size_key] = None
        if events_key and withheld(key, "events"):
            counts[events_key] = None
    for group in survival["cohorts"]:
        key = f"{group['dimension']}:{group['cohort']}"
        group["points"] = points(key, group["points"])
        if withheld(key, "size"):
            group["size"] = None
        if withheld(key, "events"):
            group["events"] = None
    if any(withheld(f"comparison:{g}", c) for g in ("matched_notified", "comparison") for c in ("size", "events")):
        result["hazard_ratio"] = None
    matching = result["matching"]
    for field, place in (
        ("notified_candidates", ("matching", "matching", "notified_candidates")),
        ("comparison_pool", ("matching", "matching", "comparison_pool")),
        ("unmatched", ("matching", "matching", "unmatched")),
        ("matched", ("survival", "comparison:matched_notified", "size")),
        ("comparison_matched", ("survival", "comparison:comparison", "size")),
    ):
        if place in hidden:
            matching[field] = None
    for period in result["funnel"]:
        row = f"{period['kind']}:{period['month']}"
        before_hidden = False
        for step in period["steps"]:
            if ("funnel", row, step["step"]) in hidden:
                step["count"] = step["share"] = step["median_days"] = None
                before_hidden = True
                continue
            if before_hidden:
                step["share"] = None
            before_hidden = False
    for area in result["areas"]:
        for period in area["months"]:
            row = f"{area['area']}:{period['month']}"
            for col in ("shooting_victims", "notifications"):
                if ("areas", row, col) in hidden:
                    period[col] = None
    # The chart is drawn from the published points only (its weeks would be counts of their own).
    result["plot"] = {
        name: (
            ([{"day": 0, "survival": 1.0, "at_risk": size}] if size else [])
            + [
                {"day": p["day"], "survival": p["survival"], "at_risk": p["at_risk"]}
                for p in survival[name]
                if not p.get("withheld") and p.get("survival") is not None
            ]
        )
        for name, size in (
            ("notified", counts["notified"]),
            ("matched_notified", counts["matched_notified"]),
            ("comparison", counts["comparison"]),
        )
    }
    return result

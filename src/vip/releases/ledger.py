"""The release ledger's check: everything ever published, read together.

Each release is a list of *cells*, each a plain dictionary (stored as JSON in
:class:`vip.releases.models.Release`), saying what the reader learns and what it means in
terms of named underlying counts (``terms``: name -> coefficient):

``count``     published exactly: ``sum(terms) == value``;
``primary``   shown as "<threshold+1": ``1 <= sum(terms) <= threshold``;
``withheld``  shown as withheld: nothing (counts are never negative);
``rounded``   ``value`` is ``sum(terms)`` rounded to the nearest ``base``, halves up;
``percent``   ``value`` is ``100 * num / den`` as a whole percentage, halves up (``num`` and
              ``den`` are term dictionaries);
``known``     an identity or ordering every reader knows from the definitions:
              ``lo <= sum(terms) <= hi`` (``None`` for an open end);
``derived``   not published, but a count a reader could try to work out (a difference of
              cumulative counts, a denominator minus its numerator): protected like a cell.

Every cell of kind count, primary, withheld, rounded and derived is a *protected* quantity
(its terms count people or events), and so is every named count itself.

A name's true value is stored with each release (``truths``). When a later release holds a
different value for a name (late records, corrections), the name gets a new *version*: a
separate unknown for the reader, and the change between the versions is itself a protected
count (a restatement must not reveal "6 late referrals").

:func:`exposures` runs the integer-program attack of :mod:`vip.stats.ledger` over a list of
releases; :func:`protect` withholds cells of a new release until the whole ledger passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vip.stats.ledger import Exposure, Knowledge, attack

Cell = dict[str, Any]


@dataclass
class Edition:
    """One release as the check reads it: a label, its cells and the truths behind them."""

    label: str
    cells: list[Cell]
    truths: dict[str, int]


@dataclass
class _Built:
    knowledge: Knowledge
    # protected label -> names (unversioned) it is made of, to find the cells that can loosen it
    names_of: dict[str, set[str]] = field(default_factory=dict)
    # the variables the last edition names (what it can teach is about their groups only)
    touched: set[int] = field(default_factory=set)


def _label(edition: Edition, cell: Cell) -> str:
    where = "/".join(str(cell.get(k, "")) for k in ("table", "row", "col"))
    return f"{edition.label}: {where}"


def build(editions: Sequence[Edition], threshold: int) -> _Built:
    """The reader's knowledge of ``editions`` (in release order) as one linear system."""
    k = Knowledge()
    built = _Built(k)
    version: dict[str, tuple[int, int]] = {}  # name -> (version number, true value)

    def protect(label: str, coefs: dict[int, float], names: set[str]) -> None:
        k.protect(label, coefs)
        built.names_of[label] = names

    for edition in editions:
        current: dict[str, int] = {}
        for name, raw in sorted(edition.truths.items()):
            value = int(raw)
            previous = version.get(name)
            if previous is not None and previous[1] == value:
                current[name] = k.index[f"{name}#{previous[0]}"]
                continue
            number = 1 if previous is None else previous[0] + 1
            var = k.var(f"{name}#{number}", value)
            version[name] = (number, value)
            current[name] = var
            protect(f"{name}#{number}", {var: 1.0}, {name})
            if previous is not None:
                old = k.index[f"{name}#{previous[0]}"]
                sign = 1.0 if value > previous[1] else -1.0
                protect(f"{edition.label}: change of {name}", {var: sign, old: -sign}, {name})

        def terms(
            spec: dict[str, Any] | None, cell: Cell, edition: Edition = edition, current: dict[str, int] = current
        ) -> dict[int, float]:
            coefs: dict[int, float] = {}
            for name, coef in (spec or {}).items():
                if name not in current:
                    raise ValueError(f"{edition.label}: cell {cell} names {name!r}, which has no true value")
                coefs[current[name]] = coefs.get(current[name], 0.0) + float(coef)
            return coefs

        for cell in edition.cells:
            kind = cell["kind"]
            coefs = terms(cell.get("terms"), cell)
            shown: Any = cell.get("value")
            if kind == "count":
                k.equal(coefs, shown)
            elif kind == "primary":
                k.between(coefs, 1, threshold)
            elif kind == "rounded":
                base = int(cell.get("base", 5))
                k.between(coefs, max(0, shown - base // 2), shown + math.ceil(base / 2) - 1)
            elif kind == "percent":
                num, den = terms(cell.get("num"), cell), terms(cell.get("den"), cell)
                # value - 1/2 <= 100 num / den < value + 1/2, with den > 0, in integers:
                # 200 num - (2 value - 1) den >= 0 and 200 num - (2 value + 1) den <= -1.
                low = {i: 200 * c for i, c in num.items()}
                high = dict(low)
                for i, c in den.items():
                    low[i] = low.get(i, 0.0) - (2 * shown - 1) * c
                    high[i] = high.get(i, 0.0) - (2 * shown + 1) * c
                k.between(low, 0, math.inf)
                k.between(high, -math.inf, -1)
                k.between(den, 1, math.inf)
            elif kind == "known":
                lo, hi = cell.get("lo"), cell.get("hi")
                k.between(coefs, -math.inf if lo is None else lo, math.inf if hi is None else hi)
            elif kind not in ("withheld", "derived"):
                raise ValueError(f"{edition.label}: unknown cell kind {kind!r}")
            if kind in ("count", "primary", "withheld", "rounded", "derived") and coefs:
                protect(_label(edition, cell), coefs, _names(cell))
        built.touched = set(current.values())
    return built


def exposures(
    editions: Sequence[Edition],
    *,
    threshold: int,
    width: int,
    only: Sequence[str] | None = None,
) -> list[Exposure]:
    """Every protected count from 1 to ``threshold`` that all ``editions`` together narrow below ``width``."""
    built = build(editions, threshold)
    return attack(built.knowledge, threshold=threshold, width=width, only=only)


class LedgerError(Exception):
    """The ledger cannot take the release: earlier releases already reveal too much."""


def protect(
    new: Edition,
    prior: Sequence[Edition],
    *,
    threshold: int,
    width: int,
    cost: Callable[[Cell], tuple[Any, ...]],
    trials: int = 1,
) -> list[Cell]:
    """Withhold cells of ``new`` until the ledger with it exposes nothing; returns the withheld cells.

    ``new.cells`` is changed in place. Each round attacks the whole ledger; for each exposure
    (one per group of names per round) it looks at the published cells of ``new`` that share a
    name with it (cheapest first by ``cost``), withholds the first of up to ``trials`` that frees
    it on its own (or else the cheapest), and attacks again. A "<threshold+1" cell is relaxed to
    withheld only when nothing else is left. Every round withholds a cell, so the loop ends; with
    every cell withheld the release teaches nothing new. Withholding only removes knowledge, so
    the values seen in feasible solutions stay valid from round to round (``ranges``).

    Only the groups of quantities that ``new`` names are attacked (``near``): every row the
    reader learns from ``new`` is about its names, so a group without them is exactly what it was
    when the last of ``prior`` passed this check, and exposed nothing then. (Were an earlier
    release to expose something there, as under a threshold raised since, no cell of ``new``
    could help; :func:`exposures` reads the whole ledger.)
    """
    ranges: dict[str, tuple[float, float]] = {}
    withheld: list[Cell] = []
    editions = [*prior, new]
    while True:
        built = build(editions, threshold)
        found = attack(built.knowledge, threshold=threshold, width=width, ranges=ranges, near=built.touched)
        if not found:
            return withheld
        open_cells = [c for c in new.cells if c["kind"] in ("count", "rounded", "percent", "primary")]
        if not open_cells:
            target = found[0]
            raise LedgerError(
                f"earlier releases already narrow {target.label} to {target.low:g}..{target.high:g}; "
                "nothing in this release can be withheld to help"
            )
        handled: set[str] = set()
        for target in found:
            names = built.names_of.get(target.label, set())
            if names & handled:
                continue  # a cell touching these names was withheld this round: attack again first
            choice = _remedy(built, editions, new, target, names, threshold, width, cost, trials, ranges)
            if choice is None:
                continue
            choice["kind"] = "withheld"
            choice["value"] = None
            withheld.append(choice)
            handled |= names | _names(choice)


def _names(cell: Cell) -> set[str]:
    return set(cell.get("terms") or {}) | set(cell.get("num") or {}) | set(cell.get("den") or {})


def _remedy(
    built: _Built,
    editions: list[Edition],
    new: Edition,
    target: Exposure,
    names: set[str],
    threshold: int,
    width: int,
    cost: Callable[[Cell], tuple[Any, ...]],
    trials: int,
    ranges: dict[str, tuple[float, float]],
) -> Cell | None:
    """The cell of ``new`` to withhold for ``target``.

    The cells that name what ``target`` is made of come first; when none is left, the cells one
    relation further away (names linked to those by something the reader knows), and so on:
    the exposure runs through them. Up to ``trials`` candidates are tried (the first that frees
    ``target`` wins), more when the search had to widen; else the cheapest is withheld.
    """
    open_cells = [c for c in new.cells if c["kind"] in ("count", "rounded", "percent", "primary")]
    if not open_cells:
        return None
    reach, hops = set(names), 0
    near = [c for c in open_cells if reach & _names(c)]
    while not near and hops < 6:
        grown = _neighbours(built, reach)
        if grown == reach:
            break
        reach, hops = grown, hops + 1
        near = [c for c in open_cells if reach & _names(c)]
    near = sorted(near or open_cells, key=cost)
    ordinary = [c for c in near if c["kind"] != "primary"] or near
    for candidate in ordinary[: trials if hops == 0 else max(trials, 6)]:
        saved = candidate["kind"]
        candidate["kind"] = "withheld"
        trial = build(editions, threshold)
        # A trial's solutions hold only while the candidate is withheld: keep them apart.
        still = attack(trial.knowledge, threshold=threshold, width=width, only=[target.label], ranges=dict(ranges))
        candidate["kind"] = saved
        if not still:
            return candidate
    return ordinary[0]


def _neighbours(built: _Built, names: set[str]) -> set[str]:
    """``names`` and every name that shares a relation of the reader's knowledge with one of them."""
    k = built.knowledge
    base = [name.rsplit("#", 1)[0] for name in k.names]
    wanted = {i for i, name in enumerate(base) if name in names}
    out = set(names)
    for coefs, _lo, _hi in k.rows:
        if wanted.intersection(coefs):
            out.update(base[i] for i in coefs)
    return out

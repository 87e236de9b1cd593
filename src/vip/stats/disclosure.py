"""Statistical disclosure control for the ``public`` audience.

Method
======

A reader of a published table knows:

- every published cell exactly;
- a primary-suppressed cell ("<11") is an integer in ``[1, threshold]``;
- a complementary-suppressed cell ("*") is an integer in ``[0, +inf)``;
- the table's linear relations (see :mod:`vip.stats.tables`): the total row is the sum of
  the other rows, column by column, and a column sum's total equals the sum of its parts
  (plus a hidden non-negative remainder when the sum is not exact, e.g. FYTD also counts
  months the table does not show). Each relation is written ``total = sum(parts) [+ hidden]``.

A suppressed cell is *exposed* when that knowledge pins it to a single value.

:func:`audit` decides this with linear programming: the published cells are constants, the
suppressed cells and the hidden remainders are variables with the bounds above, every relation
is an equality, and for each suppressed cell ``linprog`` minimises and maximises it. A cell whose
interval holds fewer than two integers is an :class:`Exposure`. (For tables with one level of
column sums the constraint matrix is totally unimodular, so the LP bounds are integral and equal
the exact integer bounds.) To save solver calls, every LP solution found is a feasible table and
widens a per-cell envelope of seen values, seeded with the true table; a cell whose envelope
already spans two integers is provably not pinned and needs no LP of its own.

The strict reader
-----------------

The suppression rule is public ("counts 1-10 are shown as <11"), so a reader can also infer
that a "*" is *not* 1..threshold: it is 0 or at least ``threshold + 1``. That disjunction is
not convex and the LP above cannot see it, yet it pins cells: with a threshold of 9, "<10" and
"*" adding up to a published 11 can only be 1 and 10. ``strict=True`` adds this knowledge with
a mixed-integer program (``scipy.optimize.milp``, one binary per "*") and requires that no
suppressed *small count* (1..threshold) is pinned. A complementary cell pinned this way only
reveals a 0 or a large count, which is not confidential; requiring those too would hide most of
some tables. Strict exposures are reported in addition to the LP ones, so a strict-clean table
is also LP-clean. :func:`protect` is strict by default; :func:`audit` is not (it is the LP check
the spec asks for) unless asked.

:func:`protect` suppresses cells:

1. primary: every count in ``1..threshold`` (zeros and larger counts are published);
2. complementary, rule of two: while some relation has exactly one suppressed cell, suppress the
   cheapest other cell of that relation (exact and inexact relations alike);
3. audit (strict by default), and for each exposed cell add one more complementary cell, looking
   first in the relations through that cell, then (if those are fully suppressed) relaxing a
   primary cell of those relations to complementary (the reader then loses its ``<= threshold``
   bound, which is what pins a total of ``threshold`` ones), then widening to neighbouring
   relations; repeat from step 2 until the audit is clean.

"Cheapest" prefers non-total cells, then non-zero cells (a "*" over a zero protects little once
a reader suspects it), then the smallest count, then the position (row, column), so the result
is deterministic. Every round adds a suppression or relaxes a primary cell, so the loop
terminates; a table with every cell complementary-suppressed is always safe for well-formed
relations (any solution can be doubled, and any cell raised along with its totals), so the loop
ends with a clean audit. A relaxed primary cell shows "*" although it holds a small count; the
strict audit then gives it ``[0, inf)`` like the LP.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from vip.stats.tables import COMPLEMENTARY, PRIMARY, PublishedTable, Table, percent_label

Cell = tuple[int, int]  # (row index, column index)

_TOL = 1e-6


@dataclass(frozen=True)
class Exposure:
    """A suppressed cell that a reader can pin to one value: its feasible interval."""

    row: str
    col: str
    low: float
    high: float


@dataclass(frozen=True)
class _Relation:
    """``total = sum(parts) + offset`` (``exact``; the offset is known to the reader) or
    ``total = sum(parts) + hidden, hidden >= 0``."""

    total: Cell
    parts: tuple[Cell, ...]
    exact: bool
    offset: int = 0

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def _relations(table: Table) -> list[_Relation]:
    """Every linear relation a reader can use, one equation each; raises if the table breaks one."""
    relations: list[_Relation] = []
    n_rows, n_cols = len(table.row_keys), len(table.col_keys)
    if table.total_row is not None:
        t = _index(table.row_keys, table.total_row, table.id, "total row")
        for c in range(n_cols):
            relations.append(_Relation((t, c), tuple((r, c) for r in range(n_rows) if r != t), exact=True))
    for cs in table.column_sums:
        tc = _index(table.col_keys, cs.total, table.id, "column sum total")
        parts = [_index(table.col_keys, p, table.id, "column sum part") for p in cs.parts]
        if tc in parts:
            raise ValueError(f"table {table.id}: column {cs.total!r} is a part of its own sum")
        for r in range(n_rows):
            offset = 0
            if cs.remainder_known and not cs.exact:
                offset = table.cells[r][tc] - sum(table.cells[r][p] for p in parts)
            known = cs.exact or cs.remainder_known
            relations.append(_Relation((r, tc), tuple((r, p) for p in parts), exact=known, offset=offset))
    for rel in relations:
        total = table.cells[rel.total[0]][rel.total[1]]
        parts_sum = sum(table.cells[r][c] for r, c in rel.parts)
        if total < parts_sum or (rel.exact and total != parts_sum + rel.offset):
            r, c = rel.total
            raise ValueError(
                f"table {table.id}: {table.row_keys[r]}/{table.col_keys[c]} is {total}, "
                f"but its parts add up to {parts_sum}"
            )
    return relations


def _index(keys: list[str], key: str, table_id: str, what: str) -> int:
    try:
        return keys.index(key)
    except ValueError:
        raise ValueError(f"table {table_id}: {what} {key!r} is not one of {keys}") from None


def _total_cells(table: Table) -> set[Cell]:
    """Cells of the total row and of column-sum total columns (the headline figures)."""
    rows = {table.row_keys.index(table.total_row)} if table.total_row is not None else set()
    cols = {table.col_keys.index(cs.total) for cs in table.column_sums}
    return {(r, c) for r in range(len(table.row_keys)) for c in range(len(table.col_keys)) if r in rows or c in cols}


# --------------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------------


def audit(published: PublishedTable, *, strict: bool = False) -> list[Exposure]:
    """Suppressed cells that a reader can pin to a single value, with their feasible interval.

    An empty list means the table is safe. By default the intervals are the LP relaxation of
    what the reader knows (see the module docstring); ``high`` is ``math.inf`` when unbounded.
    With ``strict`` the reader also knows that "*" is never 1..threshold, and the intervals are
    exact integer bounds from a mixed-integer program.
    """
    table = published.table
    reader = _Reader(table, published.suppressed, published.threshold)
    pinned = reader.pinned(strict=strict)
    return [Exposure(table.row_keys[r], table.col_keys[c], lo, hi) for (r, c), (lo, hi) in pinned.items()]


def _integers_in(lo: float, hi: float) -> int:
    """How many integers lie in ``[lo, hi]`` (with tolerance); 2 means "at least two"."""
    if math.isinf(hi):
        return 2
    return max(0, min(2, math.floor(hi + _TOL) - math.ceil(lo - _TOL) + 1))


class _Reader:
    """What a reader knows of a published table, as a linear system.

    Variables: the suppressed cells (in cell order), then one hidden remainder per inexact
    relation that involves a suppressed cell. One equation ``total - sum(parts) - hidden = 0``
    per relation involving a suppressed cell, with the published cells moved to the right.
    Relations of published cells only teach nothing and are left out.
    """

    def __init__(self, table: Table, suppressed: dict[Cell, str], threshold: int) -> None:
        self.table = table
        self.threshold = threshold
        self.cells = sorted(suppressed)
        self.kinds = [suppressed[cell] for cell in self.cells]
        var = {cell: k for k, cell in enumerate(self.cells)}
        lower = [1.0 if kind == PRIMARY else 0.0 for kind in self.kinds]
        upper = [float(threshold) if kind == PRIMARY else math.inf for kind in self.kinds]
        truth = [float(table.cells[r][c]) for r, c in self.cells]
        equations: list[dict[int, float]] = []
        rhs: list[float] = []
        for rel in _relations(table):
            if not any(cell in var for cell in rel.cells):
                continue
            coefs: dict[int, float] = {}
            const = 0.0
            for cell, sign in ((rel.total, 1.0), *((p, -1.0) for p in rel.parts)):
                if cell in var:
                    coefs[var[cell]] = coefs.get(var[cell], 0.0) + sign
                else:
                    const += sign * table.cells[cell[0]][cell[1]]
            const -= rel.offset
            if not rel.exact:
                coefs[len(lower)] = -1.0
                lower.append(0.0)
                upper.append(math.inf)
                total = table.cells[rel.total[0]][rel.total[1]]
                truth.append(float(total - sum(table.cells[r][c] for r, c in rel.parts)))
            equations.append(coefs)
            rhs.append(-const)
        self.n = len(lower)
        self.a_eq = np.zeros((len(equations), self.n))
        for i, coefs in enumerate(equations):
            for k, v in coefs.items():
                self.a_eq[i, k] = v
        self.b_eq = np.array(rhs)
        self.lower = np.array(lower)
        self.upper = np.array(upper)
        self.truth = np.array(truth)
        # Envelope of values seen in feasible solutions: the true table, then every LP optimum.
        self.seen_lo = self.truth.copy()
        self.seen_hi = self.truth.copy()
        self._solved: dict[tuple[int, float], float] = {}  # (variable, sense) -> LP optimum
        self._bounds = [(lo, None if math.isinf(hi) else hi) for lo, hi in zip(lower, upper, strict=True)]

    def lp(self, k: int, sense: float) -> float:
        """Minimum (sense 1) or maximum (sense -1) of variable ``k`` in the LP relaxation."""
        if (k, sense) in self._solved:
            return self._solved[k, sense]
        objective = np.zeros(self.n)
        objective[k] = sense
        res = linprog(
            objective,
            A_eq=self.a_eq if len(self.b_eq) else None,
            b_eq=self.b_eq if len(self.b_eq) else None,
            bounds=self._bounds,
            method="highs",
        )
        if res.status == 3:  # unbounded (only ever upwards: every variable is >= 0)
            self._solved[k, sense] = math.inf
            return math.inf
        if res.status != 0:
            raise RuntimeError(f"table {self.table.id}: disclosure LP failed ({res.message})")
        np.minimum(self.seen_lo, res.x, out=self.seen_lo)
        np.maximum(self.seen_hi, res.x, out=self.seen_hi)
        self._solved[k, sense] = float(res.x[k])
        return self._solved[k, sense]

    def pinned(self, *, strict: bool = False, only: Cell | None = None) -> dict[Cell, tuple[float, float]]:
        """Suppressed cells the reader can pin (all, or just ``only``), in cell order.

        Every suppressed cell whose LP interval holds fewer than two integers; with ``strict``
        also every suppressed small count (1..threshold) that :meth:`strict_pinned` pins.
        """
        indices = range(len(self.cells)) if only is None else [self.cells.index(only)]
        pinned = _scan(self.cells, indices, self.seen_lo, self.seen_hi, self.lp)
        if strict:
            small = [k for k in indices if self.cells[k] not in pinned and 1 <= self.truth[k] <= self.threshold]
            if small:
                pinned.update(self.strict_pinned(small))
        return dict(sorted(pinned.items()))

    def strict_pinned(self, indices: list[int]) -> dict[Cell, tuple[float, float]]:
        """Cells among ``indices`` pinned when the reader also knows "*" is 0 or above the threshold.

        A complementary cell is then ``0`` or ``>= threshold + 1``: a binary ``z`` per such cell
        with ``(threshold + 1) z <= x <= M z``, every variable integer (``scipy.optimize.milp``).
        ``M`` is the cell's value plus the table's largest count plus ``threshold + 1``: a cap
        that can only make the reader look better informed (more pins, never fewer). Every MILP
        solution is checked exactly (integer, relations, bounds, disjunction) before it counts as
        a second possible value, so solver tolerances cannot hide a pin. Complementary cells that
        hold a count 1..threshold (primary cells relaxed by :func:`protect`) keep ``[0, inf)``:
        for them the reader's assumption is false and teaches nothing true.
        """
        threshold = self.threshold
        cap = max((max(row) for row in self.table.cells), default=0) + threshold + 1
        binaries = [  # (cell variable, M)
            (k, self.truth[k] + cap)
            for k, kind in enumerate(self.kinds)
            if kind == COMPLEMENTARY and not 1 <= self.truth[k] <= threshold
        ]
        n = self.n + len(binaries)
        a_eq = np.hstack([self.a_eq, np.zeros((len(self.b_eq), len(binaries)))])
        constraints = [LinearConstraint(a_eq, self.b_eq, self.b_eq)] if len(self.b_eq) else []
        if binaries:
            a_ub = np.zeros((2 * len(binaries), n))
            for j, (k, big) in enumerate(binaries):
                a_ub[2 * j, [k, self.n + j]] = (1.0, -(threshold + 1.0))  # x >= (t + 1) z
                a_ub[2 * j + 1, [k, self.n + j]] = (1.0, -big)  # x <= M z
            ub_lo, ub_hi = np.tile([0.0, -math.inf], len(binaries)), np.tile([math.inf, 0.0], len(binaries))
            constraints.append(LinearConstraint(a_ub, ub_lo, ub_hi))
        lower = np.concatenate([self.lower, np.zeros(len(binaries))])
        upper = np.concatenate([self.upper, np.ones(len(binaries))])
        truth = np.concatenate([self.truth, [1.0 if self.truth[k] > 0 else 0.0 for k, _ in binaries]])
        seen_lo, seen_hi = truth.copy(), truth.copy()

        def solve(k: int, sense: float) -> float:
            objective = np.zeros(n)
            objective[k] = sense
            res = milp(objective, constraints=constraints, bounds=Bounds(lower, upper), integrality=np.ones(n))
            if sense < 0 and res.status in (3, 4):  # "unbounded (or infeasible)": the true table is feasible
                return math.inf
            if res.status != 0 or res.x is None:
                raise RuntimeError(f"table {self.table.id}: disclosure MILP failed ({res.message})")
            # Trust only what can be checked exactly: an integer table that meets every relation and bound.
            x = np.round(res.x)
            if (
                np.abs(res.x - x).max() > _TOL
                or not np.array_equal(a_eq @ x, self.b_eq)
                or (x < lower).any()
                or (x > upper).any()
                or any(0 < x[k] <= threshold for k, _ in binaries)
            ):
                raise RuntimeError(f"table {self.table.id}: disclosure MILP is numerically unreliable")
            np.minimum(seen_lo, x, out=seen_lo)
            np.maximum(seen_hi, x, out=seen_hi)
            return float(x[k])

        return _scan(self.cells, indices, seen_lo, seen_hi, solve)


def _scan(
    cells: list[Cell],
    indices: Iterable[int],
    seen_lo: np.ndarray,
    seen_hi: np.ndarray,
    solve: Callable[[int, float], float],
) -> dict[Cell, tuple[float, float]]:
    """Minimise and maximise the cells ``indices``, skipping those already seen at two integer values.

    ``solve`` widens ``seen_lo``/``seen_hi`` with every solution it finds, so a cell often
    proves free without an optimisation of its own.
    """
    pinned: dict[Cell, tuple[float, float]] = {}
    for k in indices:
        cell = cells[k]
        if _integers_in(seen_lo[k], seen_hi[k]) >= 2:
            continue
        lo = solve(k, 1.0)
        if _integers_in(seen_lo[k], seen_hi[k]) >= 2:
            continue
        hi = solve(k, -1.0)
        if _integers_in(lo, hi) < 2:
            pinned[cell] = (lo, hi)
    return pinned


# --------------------------------------------------------------------------------------------
# Protection
# --------------------------------------------------------------------------------------------


def protect(table: Table, threshold: int, *, strict: bool = True) -> PublishedTable:
    """Primary and complementary suppression so that ``audit(..., strict=strict)`` finds no exposure.

    ``threshold`` 0 is the ``official`` audience: nothing is suppressed. Otherwise counts
    ``1..threshold`` are primary-suppressed and further cells are suppressed (see the module
    docstring). A threshold of 1 is refused: "<2" would print every suppressed 1.
    """
    if threshold < 0 or threshold == 1:
        raise ValueError(f"disclosure threshold must be 0 (official) or at least 2, not {threshold}")
    if threshold == 0:
        return PublishedTable(table=table, suppressed={}, threshold=0)
    suppressed = _Protector(table, threshold, strict=strict).run()
    return PublishedTable(table=table, suppressed=suppressed, threshold=threshold)


class _Protector:
    """The suppression loop of :func:`protect` and the state it shares."""

    def __init__(self, table: Table, threshold: int, *, strict: bool) -> None:
        self.table = table
        self.threshold = threshold
        self.strict = strict
        self.relations = _relations(table)
        self.through: dict[Cell, list[int]] = {}  # cell -> indices of the relations it is in
        for i, rel in enumerate(self.relations):
            for cell in rel.cells:
                self.through.setdefault(cell, []).append(i)
        self.totals = _total_cells(table)
        self.suppressed: dict[Cell, str] = {
            (r, c): PRIMARY
            for r, row in enumerate(table.cells)
            for c, value in enumerate(row)
            if 1 <= value <= threshold
        }

    def cost(self, cell: Cell) -> tuple[bool, bool, int, int, int]:
        """Sort key, cheapest to suppress first: non-totals, non-zeros, small counts, position."""
        value = self.table.cells[cell[0]][cell[1]]
        return (cell in self.totals, value == 0, value, cell[0], cell[1])

    def run(self) -> dict[Cell, str]:
        while True:
            self.close_singletons()
            exposed = _Reader(self.table, self.suppressed, self.threshold).pinned(strict=self.strict)
            if not exposed:
                return dict(sorted(self.suppressed.items()))
            touched: set[int] = set()
            acted = False
            for cell in exposed:
                if touched.intersection(self.through.get(cell, [])):
                    continue  # a relation through this cell changed this round: audit again first
                changed = self.remedy(cell)
                if changed is not None:
                    acted = True
                    touched.update(self.through.get(changed, []))
            if not acted:
                # Unreachable for well-formed relations (see the module docstring).
                raise RuntimeError(f"table {self.table.id}: cannot protect cells {sorted(exposed)}")

    def close_singletons(self) -> None:
        """Until no relation has exactly one suppressed cell, suppress its cheapest other cell."""
        changed = True
        while changed:
            changed = False
            for rel in self.relations:
                open_cells = [cell for cell in rel.cells if cell not in self.suppressed]
                if len(rel.cells) - len(open_cells) == 1 and open_cells:
                    self.suppressed[min(open_cells, key=self.cost)] = COMPLEMENTARY
                    changed = True

    def frees(self, cell: Cell, candidate: Cell) -> bool:
        """Whether also suppressing ``candidate`` leaves ``cell`` with two possible values."""
        trial = {**self.suppressed, candidate: COMPLEMENTARY}
        return not _Reader(self.table, trial, self.threshold).pinned(strict=self.strict, only=cell)

    def remedy(self, cell: Cell) -> Cell | None:
        """One change that loosens ``cell``: returns the cell suppressed or relaxed, or None.

        Searches the relations through ``cell``, then their neighbours, layer by layer: in each
        layer, suppress the cheapest published cell that frees ``cell`` on its own (tried in cost
        order), else the cheapest published cell; failing that, relax a primary cell to
        complementary (totals first, then the largest count), dropping its ``<= threshold`` bound.
        """
        seen = set(self.through.get(cell, []))
        layer = sorted(seen)
        while layer:
            layer_cells = sorted({c for i in layer for c in self.relations[i].cells})
            open_cells = sorted((c for c in layer_cells if c not in self.suppressed), key=self.cost)
            if open_cells:
                choice = next((c for c in open_cells if self.frees(cell, c)), open_cells[0])
                self.suppressed[choice] = COMPLEMENTARY
                return choice
            primaries = [c for c in layer_cells if self.suppressed[c] == PRIMARY]
            if primaries:
                choice = min(primaries, key=lambda c: (c not in self.totals, -self.table.cells[c[0]][c[1]], c))
                self.suppressed[choice] = COMPLEMENTARY
                return choice
            nxt = {i for c in layer_cells for i in self.through.get(c, [])} - seen
            seen |= nxt
            layer = sorted(nxt)
        return None


def protect_all(tables: list[Table], threshold: int, *, strict: bool = True) -> list[PublishedTable]:
    """:func:`protect` each table (tables share no relations, so each is protected alone)."""
    return [protect(table, threshold, strict=strict) for table in tables]


def rate_display(numerator: int | None, denominator: int | None) -> str:
    """A rate as a whole percentage (half rounds up), or an em dash when it cannot be shown.

    "—" when either count is suppressed (None) or the denominator is 0.
    """
    return percent_label(numerator, denominator)  # the one rounding rule (vip.stats.tables)

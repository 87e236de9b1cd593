"""Disclosure control over time: what a reader who holds every public release can work out.

One published table is checked by :mod:`vip.stats.disclosure`. A reader who keeps every
release knows much more: the same month appears in several reports, fiscal-year totals are
sums of months, cumulative series differ by monthly counts, a restated edition differs from
the first one by the records that arrived late. This module states all of that as one system
of linear knowledge over integer unknowns and asks, for every count that must stay protected,
how narrowly the reader can pin it.

The model
=========

- **Variables** are the underlying counts (e.g. "notifications delivered in area 3 in May
  2025"), non-negative integers, each with its true value (which only the program knows).
- **Knowledge** is linear: ``lo <= sum(coef * x) <= hi``. A published cell gives an equality,
  a "<11" cell the bounds ``1..threshold``, a rounded figure an interval, a rounded percentage
  two inequalities, and identities and known orderings add more.
- **Protected** quantities are linear expressions that count people or events (a cell, a
  monthly count, the change between two editions). Each one whose true value lies in
  ``1..threshold`` must not be narrowed by the reader to an interval of width below
  ``width``: with ``low``/``high`` the least and greatest values consistent with everything
  published, ``high - low >= width``.

:func:`attack` computes those intervals: integer programs (``scipy.optimize.milp``, HiGHS),
with the linear relaxation first (its interval contains the integer one, so an LP interval
narrower than ``width`` is an exposure at once) and an envelope of feasible integer solutions
seen so far (the true table first, then every integral optimum), so most quantities are
settled without a solve of their own. Solutions can be kept in a :class:`Pool` and offered to
the next attack, which keeps those still feasible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csgraph

_TOL = 1e-6
_EXPLORE_AT_LEAST = 6


@dataclass(frozen=True)
class Exposure:
    """A protected quantity the reader can narrow too far: its true value and feasible interval."""

    label: str
    truth: int
    low: float
    high: float


@dataclass
class Knowledge:
    """Variables with their true values, the reader's linear knowledge, and what must stay protected."""

    names: list[str] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)
    protected: list[tuple[str, dict[int, float], int]] = field(default_factory=list)

    def var(self, name: str, truth: int) -> int:
        """The variable ``name`` (created with its true value on first use)."""
        if name in self.index:
            return self.index[name]
        if truth < 0:
            raise ValueError(f"{name}: a count is never negative ({truth})")
        self.index[name] = len(self.names)
        self.names.append(name)
        self.truth.append(int(truth))
        return self.index[name]

    def value(self, coefs: dict[int, float]) -> float:
        return sum(c * self.truth[k] for k, c in coefs.items())

    def between(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        """The reader knows ``lo <= sum(coefs * x) <= hi`` (``-inf``/``inf`` for one side)."""
        coefs = {k: c for k, c in coefs.items() if c}
        if not coefs:
            return
        self.rows.append((coefs, lo, hi))

    def equal(self, coefs: dict[int, float], value: float) -> None:
        self.between(coefs, value, value)

    def protect(self, label: str, coefs: dict[int, float]) -> None:
        """``sum(coefs * x)`` counts people or events: keep it from being narrowed when small."""
        coefs = {k: c for k, c in coefs.items() if c}
        if coefs:
            self.protected.append((label, coefs, round(self.value(coefs))))

    def check_truth(self) -> None:
        """The true values must satisfy everything the reader knows (else the model is wrong)."""
        for coefs, lo, hi in self.rows:
            v = self.value(coefs)
            if v < lo - _TOL or v > hi + _TOL:
                names = ", ".join(self.names[k] for k in list(coefs)[:4])
                raise ValueError(f"the true values break a published relation ({names}: {v} not in [{lo}, {hi}])")


class _System:
    """``lo <= A x <= hi``, ``x >= 0``, over some of the knowledge's variables (``columns``)."""

    def __init__(self, a: sparse.csr_array, lo: np.ndarray, hi: np.ndarray, columns: np.ndarray) -> None:
        self.columns = columns
        self.n = len(columns)
        self.a, self.lo, self.hi = a, lo, hi
        # linprog wants A_ub x <= b_ub and A_eq x = b_eq.
        eq = self.lo == self.hi
        ub_rows, ub_vals = [], []
        finite_hi = ~eq & np.isfinite(self.hi)
        finite_lo = ~eq & np.isfinite(self.lo)
        if finite_hi.any():
            ub_rows.append(self.a[np.flatnonzero(finite_hi)])
            ub_vals.append(self.hi[finite_hi])
        if finite_lo.any():
            ub_rows.append(-self.a[np.flatnonzero(finite_lo)])
            ub_vals.append(-self.lo[finite_lo])
        self.a_ub = sparse.vstack(ub_rows).tocsr() if ub_rows else None
        self.b_ub = np.concatenate(ub_vals) if ub_vals else None
        self.a_eq = self.a[np.flatnonzero(eq)] if eq.any() else None
        self.b_eq = self.lo[eq] if eq.any() else None

    @classmethod
    def of(cls, knowledge: Knowledge) -> _System:
        n = len(knowledge.names)
        rows, cols, vals, lo, hi = [], [], [], [], []
        for i, (coefs, a, b) in enumerate(knowledge.rows):
            for k, c in coefs.items():
                rows.append(i)
                cols.append(k)
                vals.append(c)
            lo.append(a)
            hi.append(b)
        a = sparse.csr_array((vals, (rows, cols)), shape=(len(knowledge.rows), n))
        return cls(a, np.array(lo, dtype=float), np.array(hi, dtype=float), np.arange(n))

    def components(self) -> np.ndarray:
        """For each variable, the number of its connected component (variables linked through rows)."""
        m = self.a.shape[0]
        pattern = sparse.csr_array((np.ones(self.a.nnz), self.a.indices, self.a.indptr), shape=self.a.shape)
        graph = sparse.block_array([[None, pattern], [pattern.T, None]], format="csr") if m else None
        if graph is None:
            return np.arange(self.n)
        _count, labels = csgraph.connected_components(graph, directed=False)
        return labels[m:]

    def restrict(self, keep: np.ndarray) -> _System:
        """The sub-system of the variables ``keep`` (a boolean mask closed under the rows)."""
        cols = np.flatnonzero(keep)
        used = np.flatnonzero((self.a[:, cols] != 0).sum(axis=1) > 0) if self.a.shape[0] else np.array([], int)
        a = self.a[used][:, cols] if len(used) else sparse.csr_array((0, len(cols)))
        return _System(sparse.csr_array(a), self.lo[used], self.hi[used], cols)

    def feasible(self, x: np.ndarray) -> bool:
        if (x < -_TOL).any():
            return False
        if self.a.shape[0] == 0:
            return True
        ax = self.a @ x
        return bool((ax >= self.lo - _TOL).all() and (ax <= self.hi + _TOL).all())

    def lp(self, objective: np.ndarray, cap: float | None = None) -> tuple[float, np.ndarray | None]:
        """Minimise ``objective``; ``cap`` bounds every variable (for exploring, not for bounds)."""
        res = linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=(0, cap),
            method="highs",
        )
        if res.status in (2, 3) and cap is not None:
            return math.nan, None
        if res.status == 3:
            return -math.inf, None
        if res.status != 0:
            raise RuntimeError(f"disclosure ledger LP failed: {res.message}")
        return float(res.fun), res.x

    def ip(self, objective: np.ndarray) -> tuple[float, np.ndarray | None]:
        constraints = [LinearConstraint(self.a, self.lo, self.hi)] if self.a.shape[0] else []
        res = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(self.n),
            bounds=Bounds(0, np.inf),
            options={"time_limit": 30},
        )
        if res.status in (3, 4) and res.x is None:
            return -math.inf, None
        if res.x is None:
            raise RuntimeError(f"disclosure ledger integer program failed: {res.message}")
        if res.status == 0:
            return float(res.fun), res.x
        # Stopped at the time limit: the dual bound is a safe outer bound of the optimum.
        bound = getattr(res, "mip_dual_bound", None)
        return (float(bound) if bound is not None else float(res.fun)), res.x


def _whole(lo: float, hi: float) -> tuple[float, float]:
    """The integers an interval holds, as ``(least, greatest)`` (infinite ends stay infinite)."""
    low = lo if math.isinf(lo) else float(math.ceil(lo - _TOL))
    high = hi if math.isinf(hi) else float(math.floor(hi + _TOL))
    return low, high


def attack(
    knowledge: Knowledge,
    *,
    threshold: int,
    width: int,
    only: Iterable[str] | None = None,
    integer: bool = True,
    ranges: dict[str, tuple[float, float]] | None = None,
    near: Iterable[int] | None = None,
) -> list[Exposure]:
    """Every protected quantity with a true value in ``1..threshold`` narrowed below ``width``.

    ``only`` limits the check to the protected quantities with those labels. With ``integer``
    False the intervals are those of the linear relaxation (a weaker reader). ``ranges`` maps
    labels to values already seen in feasible integer solutions; it is read and widened, and is
    only valid while the knowledge does not grow (the caller's promise). ``near`` (variable
    indices) limits the check to the quantities of the groups those variables are in: a caller
    that knows the rest of the system was checked before, unchanged, skips it.

    The system falls apart into independent groups of variables (tables that no relation
    links); each quantity is optimised over its own group only, and a solution of one group
    completed with the true values elsewhere is a solution of the whole.
    """
    knowledge.check_truth()
    full = _System.of(knowledge)
    n = full.n
    component = full.components()
    groups_near = None if near is None else {int(component[k]) for k in near}
    wanted = set(only) if only is not None else None
    # Quantities with the same expression (a month's count shown in three reports) are one target.
    labels_of: dict[frozenset[tuple[int, float]], list[str]] = {}
    targets: list[tuple[str, dict[int, float], int]] = []
    for label, coefs, true_value in knowledge.protected:
        if not 1 <= true_value <= threshold or (wanted is not None and label not in wanted):
            continue
        if groups_near is not None and not any(int(component[k]) in groups_near for k in coefs):
            continue
        key = frozenset(coefs.items())
        if key not in labels_of:
            labels_of[key] = []
            targets.append((label, coefs, true_value))
        labels_of[key].append(label)
    if not targets:
        return []
    p_rows, p_cols, p_vals = [], [], []
    for i, (_label, coefs, _truth) in enumerate(targets):
        for k, c in coefs.items():
            p_rows.append(i)
            p_cols.append(k)
            p_vals.append(c)
    p = sparse.csr_array((p_vals, (p_rows, p_cols)), shape=(len(targets), n))
    truth = np.array(knowledge.truth, dtype=float)
    seen_lo = p @ truth
    seen_hi = seen_lo.copy()
    if ranges:
        for i, (label, _coefs, _truth) in enumerate(targets):
            if label in ranges:
                lo, hi = ranges[label]
                seen_lo[i] = min(seen_lo[i], lo)
                seen_hi[i] = max(seen_hi[i], hi)

    def seen(x: np.ndarray) -> None:
        values = p @ x
        np.minimum(seen_lo, values, out=seen_lo)
        np.maximum(seen_hi, values, out=seen_hi)

    systems: dict[frozenset[int], _System] = {}

    def system_of(cols: np.ndarray) -> _System:
        key = frozenset(int(c) for c in np.unique(component[cols]))
        if key not in systems:
            systems[key] = full.restrict(np.isin(component, list(key)))
        return systems[key]

    def whole(sub: _System, x: np.ndarray | None) -> np.ndarray | None:
        """An integral solution of ``sub``, completed with the true values: a solution of the whole."""
        if x is None:
            return None
        r = np.round(x)
        if np.abs(x - r).max(initial=0) > _TOL or not sub.feasible(r):
            return None
        out = truth.copy()
        out[sub.columns] = r
        return out

    # Explore first: push all unsettled quantities of a group up together, then down, inside
    # generous bounds (any solution found is feasible for the real system too). One vertex
    # often settles dozens of quantities at once.
    cap = 3.0 * float(truth.max(initial=0)) + 10.0 * (threshold + width) + 100.0
    for _round in range(2):
        unsettled = np.flatnonzero(seen_hi - seen_lo < width)
        if len(unsettled) == 0:
            break
        groups: dict[frozenset[int], list[int]] = {}
        for member in unsettled.tolist():
            cols = p[[member]].indices
            groups.setdefault(frozenset(int(c) for c in np.unique(component[cols])), []).append(member)
        for members in groups.values():
            if len(members) < _EXPLORE_AT_LEAST:
                continue  # a few quantities: their own optimisations are as cheap
            sub = system_of(p[[members[0]]].indices)
            weights = np.asarray(p[members].sum(axis=0)).ravel()[sub.columns]
            for sense in (-1.0, 1.0):
                _value, x = sub.lp(sense * weights, cap=cap)
                _widen(seen, whole(sub, x))

    exposures: list[Exposure] = []
    for i, (_label, coefs, value) in enumerate(targets):
        if seen_hi[i] - seen_lo[i] < width:
            row = p[[i]]
            sub = system_of(row.indices)
            objective = np.zeros(sub.n)
            objective[np.searchsorted(sub.columns, row.indices)] = row.data

            def found(x: np.ndarray | None, sub: _System = sub) -> None:
                _widen(seen, whole(sub, x))

            def settled(i: int = i) -> bool:
                return bool(seen_hi[i] - seen_lo[i] >= width)

            low, high = _interval(sub, objective, integer, width, found, settled)
            if low is not None and high is not None and high - low < width:
                exposures.extend(Exposure(same, value, low, high) for same in labels_of[frozenset(coefs.items())])
        if ranges is not None:
            for same in labels_of[frozenset(coefs.items())]:
                ranges[same] = (float(seen_lo[i]), float(seen_hi[i]))
    return exposures


def _widen(seen: Callable[[np.ndarray], None], x: np.ndarray | None) -> None:
    if x is not None:
        seen(x)


def _interval(
    sub: _System,
    objective: np.ndarray,
    integer: bool,
    width: int,
    found: Callable[[np.ndarray | None], None],
    settled: Callable[[], bool],
) -> tuple[float | None, float | None]:
    """The least and greatest value of ``objective`` (``None, None`` once seen solutions settle it)."""
    lp_lo, x = sub.lp(objective)
    found(x)
    if settled():
        return None, None
    neg, x = sub.lp(-objective)
    found(x)
    if settled():
        return None, None
    low, high = _whole(lp_lo, -neg)
    if not integer or high - low < width:
        return low, high
    ip_lo, x = sub.ip(objective)
    found(x)
    if settled():
        return None, None
    neg, x = sub.ip(-objective)
    found(x)
    if settled():
        return None, None
    return _whole(ip_lo, -neg)

"""Disclosure control: primary and complementary suppression, proven by linear programming.

The property test re-derives every suppressed cell's feasible range with its own LP (every cell
a variable, published cells fixed by their bounds) instead of trusting ``disclosure.audit``, and
checks with its own integer program that a reader who knows "*" is never 1..threshold still
cannot pin any small count.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from vip.stats.disclosure import Exposure, audit, protect, protect_all, rate_display
from vip.stats.tables import COMPLEMENTARY, PRIMARY, ColumnSum, PublishedTable, Table

AREAS = ["southeast", "northeast", "northwest", "southwest", "foothills", "valley", "na"]


def area_table(rows: dict[str, list[int]], *, exact: bool = False) -> Table:
    """The area-command table shape: areas + na + total; m, m1, m2 and FYTD.

    Each row gives the three months and the earlier months of the fiscal year; FYTD is their sum.
    With ``exact`` the earlier months are ignored and FYTD is the sum of the three months shown.
    """
    body = [[m, m1, m2, m + m1 + m2 + (0 if exact else earlier)] for m, m1, m2, earlier in (rows[k] for k in AREAS)]
    total = [sum(col) for col in zip(*body, strict=True)]
    return Table(
        id="area",
        title="Victims by area command",
        row_keys=[*AREAS, "total"],
        row_labels=[*AREAS, "Total"],
        col_keys=["m", "m1", "m2", "fytd"],
        col_labels=["Mar", "Feb", "Jan", "FYTD"],
        cells=[*body, total],
        total_row="total",
        column_sums=[ColumnSum("fytd", ("m", "m1", "m2"), exact=exact)],
    )


def cell(pub: PublishedTable, row: str, col: str) -> tuple[int, int]:
    return pub.table.row_keys.index(row), pub.table.col_keys.index(col)


# --------------------------------------------------------------------------------------------
# An independent LP check (deliberately not disclosure.audit's formulation)
# --------------------------------------------------------------------------------------------


def reader_system(pub: PublishedTable) -> tuple[np.ndarray, list[tuple[float, float | None]]]:
    """What a reader sees, as ``A x = 0`` with bounds.

    Every cell of the table is a variable (row-major); a published cell has bounds [v, v]; a
    "<t+1" cell [1, t]; a "*" cell [0, inf). Then one hidden remainder >= 0 per row of each
    inexact column sum. Returns the equations (one per row of ``A``) and the bounds.
    """
    t = pub.table
    n_rows, n_cols = len(t.row_keys), len(t.col_keys)
    n_cells = n_rows * n_cols
    bounds: list[tuple[float, float | None]] = []
    for r in range(n_rows):
        for c in range(n_cols):
            kind = pub.suppressed.get((r, c))
            if kind is None:
                bounds.append((t.cells[r][c], t.cells[r][c]))
            elif kind == PRIMARY:
                bounds.append((1, pub.threshold))
            else:
                assert kind == COMPLEMENTARY
                bounds.append((0, None))
    equations: list[np.ndarray] = []
    n_hidden = sum(len(t.row_keys) for cs in t.column_sums if not cs.exact)
    n_vars = n_cells + n_hidden
    hidden = n_cells
    if t.total_row is not None:
        tr = t.row_keys.index(t.total_row)
        for c in range(n_cols):
            eq = np.zeros(n_vars)
            for r in range(n_rows):
                eq[r * n_cols + c] = -1.0 if r == tr else 1.0
            equations.append(eq)
    for cs in t.column_sums:
        tc = t.col_keys.index(cs.total)
        for r in range(n_rows):
            eq = np.zeros(n_vars)
            eq[r * n_cols + tc] = -1.0
            for p in cs.parts:
                eq[r * n_cols + t.col_keys.index(p)] += 1.0
            if not cs.exact:
                eq[hidden] = 1.0
                bounds.append((0, None))
                hidden += 1
            equations.append(eq)
    assert len(bounds) == n_vars
    return np.array(equations).reshape(len(equations), n_vars), bounds


def feasible_ranges(pub: PublishedTable) -> dict[tuple[int, int], tuple[float, float]]:
    """(min, max) of every suppressed cell given what a reader sees (LP relaxation)."""
    a, bounds = reader_system(pub)
    n_cols, n_vars = len(pub.table.col_keys), a.shape[1]
    a_eq = a if len(a) else None
    b_eq = np.zeros(len(a)) if len(a) else None
    ranges = {}
    for r, c in pub.suppressed:
        k = r * n_cols + c
        out = []
        for sense in (1.0, -1.0):
            objective = np.zeros(n_vars)
            objective[k] = sense
            res = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:
                out.append(math.inf)
            else:
                assert res.status == 0, res.message  # the true table is always feasible
                out.append(res.fun * sense)
        ranges[(r, c)] = (out[0], out[1])
    return ranges


def small_counts_a_strict_reader_pins(pub: PublishedTable) -> list[tuple[int, int]]:
    """Suppressed small counts (1..t) with no other possible value for a reader who knows that
    a "*" is 0 or more than t.

    An integer program per cell and direction: is there a table consistent with everything
    published where the cell is at most v - 1 (or at least v + 1)? The "*" cells that hold 0 or
    more than t get a binary z with (t + 1) z <= x <= M z; M (twice the largest count plus t + 1)
    caps them, which can only help the reader.
    """
    t, threshold = pub.table, pub.threshold
    a, bounds = reader_system(pub)
    n_cols = len(t.col_keys)
    big = 2 * max(max(row) for row in t.cells) + threshold + 1
    star = [
        r * n_cols + c
        for (r, c), kind in pub.suppressed.items()
        if kind == COMPLEMENTARY and not 1 <= t.cells[r][c] <= threshold
    ]
    n = a.shape[1] + len(star)
    rows = [np.hstack([a, np.zeros((len(a), len(star)))])] if len(a) else []
    lows, highs = [np.zeros(len(a))], [np.zeros(len(a))]
    for j, k in enumerate(star):
        row = np.zeros((2, n))
        row[0, k], row[0, a.shape[1] + j] = 1, -(threshold + 1)  # x - (t+1) z >= 0
        row[1, k], row[1, a.shape[1] + j] = 1, -big  # x - M z <= 0
        rows.append(row)
        lows.append(np.array([0, -np.inf]))
        highs.append(np.array([np.inf, 0]))
    matrix = np.vstack(rows) if rows else np.zeros((0, n))
    lower = np.array([lo for lo, _ in bounds] + [0] * len(star), dtype=float)
    upper = np.array([np.inf if hi is None else hi for _, hi in bounds] + [1] * len(star), dtype=float)
    constraints = LinearConstraint(matrix, np.concatenate(lows), np.concatenate(highs))
    pinned = []
    for r, c in pub.suppressed:
        v = t.cells[r][c]
        if not 1 <= v <= threshold:
            continue
        k = r * n_cols + c
        alternatives = 0
        for lo, hi in ((-np.inf, v - 1), (v + 1, np.inf)):
            lb, ub = lower.copy(), upper.copy()
            lb[k], ub[k] = max(lb[k], lo), min(ub[k], hi)
            if lb[k] > ub[k]:
                continue
            res = milp(np.zeros(n), constraints=constraints, bounds=Bounds(lb, ub), integrality=np.ones(n))
            assert res.status in (0, 2), res.message  # feasible or infeasible, nothing else
            alternatives += res.status == 0
        if not alternatives:
            pinned.append((r, c))
    return pinned


# --------------------------------------------------------------------------------------------
# Unit tests
# --------------------------------------------------------------------------------------------

BIG = {
    "southeast": [40, 38, 45, 400],
    "northeast": [35, 30, 33, 310],
    "northwest": [22, 25, 20, 250],
    "southwest": [50, 48, 52, 480],
    "foothills": [18, 21, 19, 190],
    "valley": [44, 41, 39, 420],
    "na": [12, 15, 14, 120],
}


def test_nothing_small_nothing_suppressed() -> None:
    pub = protect(area_table(BIG), 10)
    assert pub.suppressed == {}
    assert audit(pub) == []


def test_threshold_zero_is_the_official_audience() -> None:
    rows = {**BIG, "na": [1, 0, 3, 20]}
    pub = protect(area_table(rows), 0)
    assert pub.suppressed == {}
    assert pub.display(*cell(pub, "na", "m")) == "1"
    assert pub.published(*cell(pub, "na", "m2")) == 3


@pytest.mark.parametrize("threshold", [-1, 1])
def test_threshold_must_be_zero_or_at_least_two(threshold: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        protect(area_table(BIG), threshold)


@pytest.mark.parametrize("exact", [False, True])
def test_primary_and_complementary(exact: bool) -> None:
    rows = {**BIG, "na": [3, 15, 14, 88]}
    pub = protect(area_table(rows, exact=exact), 10)
    na_m = cell(pub, "na", "m")
    assert pub.suppressed[na_m] == PRIMARY
    assert pub.display(*na_m) == "<11"
    assert pub.published(*na_m) is None
    # the row and the column of the small cell each hide one more cell, so neither sum gives it away
    na_row = [c for (r, c) in pub.suppressed if r == na_m[0]]
    m_col = [r for (r, c) in pub.suppressed if c == na_m[1]]
    assert len(na_row) >= 2 and len(m_col) >= 2
    assert all(kind == COMPLEMENTARY for key, kind in pub.suppressed.items() if key != na_m)
    assert {pub.display(*key) for key in pub.suppressed if key != na_m} == {"*"}
    # the smallest non-total cells close a rectangle: na's Jan (14) beside the 3, foothills' Mar (18)
    # below it, and foothills' Jan (19) closing both foothills' row and the Jan column
    assert pub.suppressed == {
        na_m: PRIMARY,
        cell(pub, "na", "m2"): COMPLEMENTARY,
        cell(pub, "foothills", "m"): COMPLEMENTARY,
        cell(pub, "foothills", "m2"): COMPLEMENTARY,
    }
    # totals stay published
    assert not any(r == pub.table.row_keys.index("total") or c == 3 for (r, c) in pub.suppressed)
    assert audit(pub) == []
    assert all(hi - lo >= 1 for lo, hi in feasible_ranges(pub).values())


def test_zero_is_published_and_not_suppressed() -> None:
    rows = {**BIG, "na": [0, 0, 0, 0]}
    pub = protect(area_table(rows, exact=True), 10)
    assert pub.suppressed == {}
    assert pub.display(*cell(pub, "na", "fytd")) == "0"


def test_exact_sum_hides_a_partner_in_the_row() -> None:
    # Without a partner, FYTD - Feb - Jan would give the 3 away.
    rows = {**BIG, "foothills": [3, 21, 19, 0]}
    pub = protect(area_table(rows, exact=True), 10)
    suppressed_in_row = [c for (r, c) in pub.suppressed if r == AREAS.index("foothills")]
    assert len(suppressed_in_row) >= 2
    assert audit(pub) == []


def test_display_strings_and_threshold() -> None:
    rows = {**BIG, "na": [4, 15, 14, 1200]}
    pub = protect(area_table(rows), 5)
    assert pub.display(*cell(pub, "na", "m")) == "<6"
    assert pub.display(*cell(pub, "southeast", "fytd")) == "523"  # 40 + 38 + 45 + 400 earlier
    fytd = sum(sum(v) for v in rows.values())
    assert pub.display(*cell(pub, "total", "fytd")) == f"{fytd:,}"


def test_total_row_cell_that_is_small_is_protected() -> None:
    # A column whose total is itself small: the total is primary, and so are its parts.
    rows = {k: [v[0], 0 if k not in ("na", "valley") else 2, v[2], v[3]] for k, v in BIG.items()}
    pub = protect(area_table(rows), 10)
    assert pub.suppressed[cell(pub, "total", "m1")] == PRIMARY
    assert audit(pub) == []
    assert all(hi - lo >= 1 for lo, hi in feasible_ranges(pub).values())


def test_threshold_many_ones_total_is_relaxed() -> None:
    # Five 1s adding up to 5 with threshold 5: every "<6" would be pinned to 1 by the total's
    # own bound, whatever else is hidden. The total is relaxed to "*" to break the pin.
    t = Table(
        id="ones",
        title="ones",
        row_keys=["a", "b", "c", "d", "e", "total"],
        row_labels=["A", "B", "C", "D", "E", "Total"],
        col_keys=["n"],
        col_labels=["N"],
        cells=[[1], [1], [1], [1], [1], [5]],
        total_row="total",
    )
    pub = protect(t, 5)
    assert pub.suppressed[(5, 0)] == COMPLEMENTARY
    assert all(pub.suppressed[(r, 0)] == PRIMARY for r in range(5))
    assert audit(pub) == []


def test_row_27_audit_detects_an_under_protected_table() -> None:
    rows = {**BIG, "na": [3, 15, 14, 0]}
    t = area_table(rows, exact=True)
    na_m = cell(PublishedTable(t, {}, 10), "na", "m")
    only_primary = PublishedTable(table=t, suppressed={na_m: PRIMARY}, threshold=10)
    assert audit(only_primary) == [Exposure("na", "m", 3.0, 3.0)]
    lo, hi = feasible_ranges(only_primary)[na_m]
    assert hi - lo < 1


def test_audit_inexact_sum_alone_does_not_pin() -> None:
    # FYTD also counts months not shown, so FYTD - Feb - Jan only bounds the month from above.
    t = Table(
        id="row",
        title="row",
        row_keys=["a"],
        row_labels=["A"],
        col_keys=["m", "m1", "fytd"],
        col_labels=["M", "M1", "FYTD"],
        cells=[[3, 40, 90]],  # 47 in months not shown
        column_sums=[ColumnSum("fytd", ("m", "m1"), exact=False)],
    )
    assert audit(PublishedTable(t, {(0, 0): PRIMARY}, 10)) == []
    t.cells[0] = [1, 40, 41]  # FYTD - M1 = 1, so the "<11" can only be 1 (and nothing is hidden)
    assert audit(PublishedTable(t, {(0, 0): PRIMARY}, 10)) == [Exposure("a", "m", 1.0, 1.0)]


def test_protect_all_and_determinism() -> None:
    rows = {**BIG, "na": [3, 2, 14, 120], "valley": [5, 41, 1, 420]}
    tables = [area_table(rows), area_table(rows, exact=False)]
    first, second = protect_all(tables, 10)
    assert first.suppressed == second.suppressed == protect(tables[0], 10).suppressed


def one_column(values: list[int]) -> Table:
    keys = [f"r{i}" for i in range(len(values))]
    return Table(
        id="column",
        title="column",
        row_keys=[*keys, "total"],
        row_labels=[*keys, "Total"],
        col_keys=["n"],
        col_labels=["N"],
        cells=[[v] for v in [*values, sum(values)]],
        total_row="total",
    )


def test_strict_reader_knows_a_star_is_not_small() -> None:
    # "<10" + "*" = 51 - 40 = 11. The LP lets "*" be anything >= 0, but a reader who knows the
    # rule knows "*" is 0 or >= 10, so it is 10 and the "<10" is 1.
    t = one_column([1, 10, 40])
    lax = protect(t, 9, strict=False)
    assert lax.suppressed == {(0, 0): PRIMARY, (1, 0): COMPLEMENTARY}
    assert audit(lax) == []
    assert audit(lax, strict=True) == [Exposure("r0", "n", 1.0, 1.0)]
    assert small_counts_a_strict_reader_pins(lax) == [(0, 0)]
    strict = protect(t, 9)
    assert strict.suppressed == {(0, 0): PRIMARY, (1, 0): COMPLEMENTARY, (2, 0): COMPLEMENTARY}
    assert audit(strict, strict=True) == []
    assert small_counts_a_strict_reader_pins(strict) == []


def test_inconsistent_tables_are_refused() -> None:
    t = one_column([3, 40])
    t.cells[-1][0] = 44
    with pytest.raises(ValueError, match="parts add up to 43"):
        protect(t, 10)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (16, 25, "64%"),
        (0, 25, "0%"),
        (1, 8, "13%"),  # 12.5 rounds half up
        (2, 3, "67%"),
        (25, 25, "100%"),
        (None, 25, "\u2014"),
        (16, None, "\u2014"),
        (5, 0, "\u2014"),
    ],
)
def test_rate_display(numerator: int | None, denominator: int | None, expected: str) -> None:
    assert rate_display(numerator, denominator) == expected


# --------------------------------------------------------------------------------------------
# Property: for generated tables, nothing suppressed can be pinned
# --------------------------------------------------------------------------------------------

counts = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 60), st.integers(100, 5000))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n_rows = draw(st.integers(2, 8))
    n_cols = draw(st.integers(2, 5))
    body = [[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)]
    with_sum = draw(st.booleans())
    column_sums = []
    if with_sum:
        exact = draw(st.booleans())
        parts = list(range(n_cols - 1))
        for row in body:
            hidden = 0 if exact else draw(st.one_of(st.just(0), counts))
            row[-1] = sum(row[p] for p in parts) + hidden
        column_sums = [ColumnSum(f"c{n_cols - 1}", tuple(f"c{p}" for p in parts), exact=exact)]
    total = [sum(col) for col in zip(*body, strict=True)]
    return Table(
        id="generated",
        title="generated",
        row_keys=[*(f"r{i}" for i in range(n_rows)), "total"],
        row_labels=[*(f"R{i}" for i in range(n_rows)), "Total"],
        col_keys=[f"c{j}" for j in range(n_cols)],
        col_labels=[f"C{j}" for j in range(n_cols)],
        cells=[*body, total],
        total_row="total",
        column_sums=column_sums,
    )


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), threshold=st.integers(5, 10))
def test_row_27_protected_tables_pin_no_suppressed_cell(table: Table, threshold: int) -> None:
    pub = protect(table, threshold)
    for r, row in enumerate(table.cells):
        for c, value in enumerate(row):
            if 1 <= value <= threshold:
                assert (r, c) in pub.suppressed  # every small count is hidden ...
            if pub.suppressed.get((r, c)) == PRIMARY:
                assert 1 <= value <= threshold  # ... and "<t+1" never lies
    assert audit(pub) == []
    assert audit(pub, strict=True) == []
    for (r, c), (lo, hi) in feasible_ranges(pub).items():
        assert lo <= table.cells[r][c] <= hi
        assert hi - lo >= 1 - 1e-6, (table.row_keys[r], table.col_keys[c], lo, hi)
    assert small_counts_a_strict_reader_pins(pub) == []


def test_a_known_fytd_remainder_is_protected_like_an_exact_sum() -> None:
    """FYTD's months not shown were published last month: FYTD - M-1 - M-2 - earlier = M."""
    table = Table(
        "areas",
        "known remainder",
        ["a", "b", "total"],
        ["A", "B", "Total"],
        ["m", "m1", "m2", "fytd"],
        ["NOV", "OCT", "SEPT", "FYTD"],
        [[5, 20, 30, 100], [40, 30, 25, 150], [45, 50, 55, 250]],
        total_row="total",
        column_sums=[ColumnSum("fytd", ("m", "m1", "m2"), exact=False, remainder_known=True)],
    )
    naive = PublishedTable(table, {(0, 0): PRIMARY}, 10)
    # A reader who knows the earlier months pins the suppressed 5 ...
    assert [(e.row, e.col) for e in audit(naive)] == [("a", "m")]
    # ... unless protect() adds the complementary cells that the known remainder calls for.
    protected = protect(table, 10)
    assert audit(protected) == []
    assert len(protected.suppressed) >= 4

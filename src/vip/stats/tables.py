"""The report's tables as plain data: what metrics produce and what disclosure control,
the renderers and the run records consume.

A ``Table`` is a grid of non-negative integer counts with the linear relations
that a reader could use to recover a hidden cell:

- ``total_row``: the key of a row that is the sum of all the other rows, column by column;
- ``column_sums``: columns that are the sum of other columns of the same row, plus
  (when ``exact`` is False) a non-negative remainder that is not published (FYTD is
  the shown months that fall in the fiscal year, plus the months not shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnSum:
    total: str  # column key of the sum
    parts: tuple[str, ...]  # column keys of the parts shown in the table
    exact: bool  # True: total == sum(parts); False: total == sum(parts) + remainder >= 0
    # The remainder (total - parts: FYTD's months not shown) is known to a reader from the
    # earlier months' reports; disclosure control must then treat the sum as exact.
    remainder_known: bool = False


@dataclass
class Table:
    id: str
    title: str
    row_keys: list[str]
    row_labels: list[str]
    col_keys: list[str]
    col_labels: list[str]
    cells: list[list[int]]
    total_row: str | None = None
    column_sums: list[ColumnSum] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.row_keys) != len(self.row_labels) or len(self.cells) != len(self.row_keys):
            raise ValueError(f"table {self.id}: rows, labels and cells disagree")
        if len(self.col_keys) != len(self.col_labels) or any(len(r) != len(self.col_keys) for r in self.cells):
            raise ValueError(f"table {self.id}: columns, labels and cells disagree")
        if any(v < 0 for r in self.cells for v in r):
            raise ValueError(f"table {self.id}: counts are never negative")

    def value(self, row: str, col: str) -> int:
        return self.cells[self.row_keys.index(row)][self.col_keys.index(col)]


PRIMARY = "primary"
COMPLEMENTARY = "complementary"


COUNT = "count"
PERCENT = "percent"  # a whole percentage (half up) of two counts that are not published
ROUNDED = "rounded"  # a count rounded to the nearest ROUNDING_BASE (half up)
ROUNDING_BASE = 5


def rounded(value: int, base: int = ROUNDING_BASE) -> int:
    """``value`` rounded to the nearest multiple of ``base``, halves up."""
    return (value + base // 2) // base * base


def percent(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` as a whole percentage, halves up (integers only).

    THE rounding rule of every rate the program prints (headline figures, tables, chart labels
    and alternative texts, the XLSX cells, the public edition): 21 of 40 is 52.5 %, printed 53 %
    everywhere. Never format a float ratio with ``:.0%`` (Python rounds halves to even, and a
    ratio such as 0.145 is stored just under the half): call this, or :func:`percent_label`.
    """
    return (200 * numerator + denominator) // (2 * denominator)


def percent_label(numerator: int | None, denominator: int | None) -> str:
    """A rate as printed: the whole percentage of :func:`percent` ("53%"), or an em dash when it
    cannot be shown (a count withheld, None, or no denominator)."""
    if numerator is None or denominator is None or denominator == 0:
        return "\u2014"
    return f"{percent(numerator, denominator):,}%"


def percent_fraction(numerator: int, denominator: int) -> float:
    """The printed percentage as a fraction (0.53 for 21 of 40): what a spreadsheet cell holds under
    the number format ``0%``, so that it shows exactly what the report prints."""
    return percent(numerator, denominator) / 100


@dataclass
class PublishedTable:
    """A table as an audience sees it: each cell a number or suppressed (and why).

    ``col_kinds`` says what each column's published numbers are: counts (the default),
    whole percentages, or counts rounded to the nearest ``ROUNDING_BASE``.
    """

    table: Table
    suppressed: dict[tuple[int, int], str]  # (row index, col index) -> PRIMARY | COMPLEMENTARY
    threshold: int  # counts 1..threshold are primary-suppressed (0: nothing suppressed)
    col_kinds: tuple[str, ...] = ()

    def kind(self, c: int) -> str:
        return self.col_kinds[c] if self.col_kinds else COUNT

    def is_suppressed(self, r: int, c: int) -> bool:
        return (r, c) in self.suppressed

    def published(self, r: int, c: int) -> int | None:
        return None if (r, c) in self.suppressed else self.table.cells[r][c]

    def display(self, r: int, c: int) -> str:
        kind = self.suppressed.get((r, c))
        if kind == PRIMARY:
            return f"<{self.threshold + 1}"
        if kind == COMPLEMENTARY:
            return "*"
        if self.kind(c) == PERCENT:
            return f"{self.table.cells[r][c]}%"
        return f"{self.table.cells[r][c]:,}"

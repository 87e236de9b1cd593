"""The integer-program attack over several releases (vip.stats.ledger)."""

from __future__ import annotations

import math

import pytest

from vip.stats.ledger import Knowledge, attack


def months(k: Knowledge, values: list[int]) -> list[int]:
    return [k.var(f"m{i}", v) for i, v in enumerate(values)]


def test_fytd_of_two_reports_pins_the_month_between() -> None:
    """FYTD(m) - FYTD(m-1) is month m: published both, a "<11" month is pinned."""
    k = Knowledge()
    m = months(k, [20, 14, 3])
    k.equal({m[0]: 1, m[1]: 1}, 34)  # FYTD in the second report
    k.equal({m[0]: 1, m[1]: 1, m[2]: 1}, 37)  # FYTD in the third
    k.between({m[2]: 1}, 1, 10)  # "<11"
    for i, var in enumerate(m):
        k.protect(f"m{i}", {var: 1})
    found = attack(k, threshold=10, width=3)
    assert [(e.label, e.low, e.high) for e in found] == [("m2", 3, 3)]


def test_withholding_the_later_fytd_frees_it() -> None:
    k = Knowledge()
    m = months(k, [20, 14, 3])
    k.equal({m[0]: 1, m[1]: 1}, 34)
    k.between({m[2]: 1}, 1, 10)
    k.protect("m2", {m[2]: 1})
    assert attack(k, threshold=10, width=3) == []


def test_a_narrow_interval_is_an_exposure_not_only_a_pin() -> None:
    k = Knowledge()
    a, b = months(k, [4, 30])
    k.equal({a: 1, b: 1}, 34)
    k.between({b: 1}, 29, 31)  # a rounded figure
    k.protect("a", {a: 1})
    (found,) = attack(k, threshold=10, width=3)
    assert (found.low, found.high) == (3, 5)
    assert attack(k, threshold=10, width=2) == []


def test_a_rounded_percentage_of_a_rounded_denominator_is_linear_knowledge() -> None:
    """62% of a denominator near 100: the numerator lies in a range the attack finds exactly."""
    k = Knowledge()
    num, den = months(k, [62, 100])
    k.between({den: 1}, 98, 102)
    k.between({num: 200, den: -123}, 0, math.inf)  # 100 num / den >= 61.5
    k.between({num: 200, den: -125}, -math.inf, -1)  # 100 num / den < 62.5
    k.protect("num", {num: 1})
    found = attack(k, threshold=100, width=5)
    assert [(e.low, e.high) for e in found] == [(61, 63)]


def test_integers_pin_what_the_relaxation_does_not() -> None:
    """2x = 7 +- ... : the linear relaxation allows 3.5, whole numbers do not."""
    k = Knowledge()
    a, b = months(k, [3, 1])
    k.equal({a: 2, b: 1}, 7)
    k.between({b: 1}, 0, 1.5)
    k.protect("a", {a: 1})
    assert attack(k, threshold=10, width=1, integer=False)[0].high == 3  # 3.5 rounds down to 3
    (found,) = attack(k, threshold=10, width=1)
    assert (found.low, found.high) == (3, 3)


def test_the_truth_must_satisfy_what_was_published() -> None:
    k = Knowledge()
    (a,) = months(k, [3])
    k.equal({a: 1}, 4)
    k.protect("a", {a: 1})
    with pytest.raises(ValueError, match="break a published relation"):
        attack(k, threshold=10, width=3)

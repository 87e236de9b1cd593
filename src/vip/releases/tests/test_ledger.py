"""The release ledger's check and protection (vip.releases.ledger)."""

from __future__ import annotations

from vip.releases.ledger import Edition, exposures, protect

COST = lambda cell: (cell.get("col") != "fytd", cell.get("value") or 0)  # noqa: E731


def report(label: str, month: int, fytd: int, month_value: int, truths: dict[str, int]) -> Edition:
    """A one-row report: the month (M) and FYTD, which sums months 1..month."""
    m_kind = "primary" if 1 <= month_value <= 10 else "count"
    cells = [
        {
            "table": "t",
            "row": "r",
            "col": "m",
            "kind": m_kind,
            "value": None if m_kind == "primary" else month_value,
            "terms": {f"x:{month}": 1},
        },
        {
            "table": "t",
            "row": "r",
            "col": "fytd",
            "kind": "count",
            "value": fytd,
            "terms": {f"x:{k}": 1 for k in range(1, month + 1)},
        },
    ]
    return Edition(label, cells, truths)


def test_the_second_months_fytd_is_withheld_when_it_would_give_the_month_away() -> None:
    truths = {"x:1": 20, "x:2": 4}
    first = report("m1", 1, 20, 20, {"x:1": 20})
    second = report("m2", 2, 24, 4, truths)
    assert exposures([first, second], threshold=10, width=3)  # x:2 = 24 - 20
    withheld = protect(second, [first], threshold=10, width=3, cost=COST)
    assert [(c["col"], c["kind"]) for c in withheld] == [("fytd", "withheld")]
    assert exposures([first, second], threshold=10, width=3) == []


def test_a_restatement_that_changes_by_a_small_count_is_a_protected_change() -> None:
    """Six late records between two editions of one month: the change is itself protected."""
    first = Edition(
        "e1", [{"table": "t", "row": "r", "col": "m", "kind": "count", "value": 40, "terms": {"x": 1}}], {"x": 40}
    )
    again = Edition(
        "e2", [{"table": "t", "row": "r", "col": "m", "kind": "count", "value": 46, "terms": {"x": 1}}], {"x": 46}
    )
    found = exposures([first, again], threshold=10, width=3)
    assert [e.label for e in found] == ["e2: change of x"]
    protect(again, [first], threshold=10, width=3, cost=COST)
    assert again.cells[0]["kind"] == "withheld"
    assert exposures([first, again], threshold=10, width=3) == []

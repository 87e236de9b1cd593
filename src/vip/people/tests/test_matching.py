"""The probabilistic matcher: each kind of evidence, pairs it must not propose, its place in the
link workflow (rejected never again, undo exact), search labels, and the demo's planted duplicates."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from vip.demo.generator import generate_bundle
from vip.people.linking import link_candidates_find, link_candidates_run, link_confirm, link_reject, link_undo
from vip.people.matching import THRESHOLD, Matcher, Record, canonical_first, soundex
from vip.people.models import Person, PersonLink
from vip.people.selectors import person_search
from vip.people.services import alias_add, person_create
from vip.referrals.services import referral_create

D = dt.date


def _record(pk: int, first: str, last: str, born: dt.date | None = None, **more: Any) -> Record:
    return Record.of(pk, first, last, born=born, **more)


def _weigh(a: Record, b: Record, *others: Record) -> tuple[float, list[str]]:
    matcher = Matcher([a, b, *others])
    score, evidence = matcher.compare(a, b)
    return score, [e.rule for e in evidence]


def _proposed(a: Record, b: Record, *others: Record) -> bool:
    found = Matcher([a, b, *others]).matches()
    return any({m.kept, m.duplicate} == {a.pk, b.pk} for m in found)


# --- each kind of evidence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "rule"),
    [
        ("Jose", "RAMIREZ", "first_name_same"),  # accents and case aside
        ("Pepe", "Ramírez", "first_name_nickname"),
        ("Joes", "Ramírez", "first_name_typo"),
        ("José", "Ramírez-Lucero", "last_name_compound"),
        ("José", "Ramirex", "last_name_typo"),
        ("Ramírez", "José", "names_swapped"),
    ],
)
def test_name_evidence_with_the_same_birth_date_is_proposed(first: str, last: str, rule: str) -> None:
    kept = _record(1, "José", "Ramírez", D(1998, 4, 12))
    other = _record(2, first, last, D(1998, 4, 12))
    score, rules = _weigh(kept, other)
    assert rule in rules and "birth_date_same" in rules
    assert score >= THRESHOLD
    assert _proposed(kept, other)


@pytest.mark.parametrize(
    ("born", "rule"),
    [
        (D(1998, 4, 12), "birth_date_same"),
        (D(1998, 4, 21), "birth_date_digits_swapped"),
        (D(1998, 12, 4), "birth_date_day_month_swapped"),
        (D(1998, 4, 13), "birth_date_one_digit"),
    ],
)
def test_birth_date_slips_with_the_same_name_are_proposed(born: dt.date, rule: str) -> None:
    kept, other = _record(1, "Robert", "Yazzie", D(1998, 4, 12)), _record(2, "Robert", "Yazzie", born)
    score, rules = _weigh(kept, other)
    assert rules[2] == rule and score >= THRESHOLD


def test_a_missing_birth_date_needs_more_evidence_phone_and_address() -> None:
    kept = _record(1, "Robert", "Yazzie", D(1998, 4, 12), phone="505-555-0143", address="1200 Coal Ave SE")
    bare = _record(2, "Robert", "Yazzie")
    assert "birth_date_missing" in _weigh(kept, bare)[1]
    assert not _proposed(kept, bare)  # a common enough name alone is not enough
    with_phone = _record(3, "Bobby", "Yazzie", phone="(505) 555-0143")
    assert "phone_same" in _weigh(kept, with_phone)[1]
    with_both = _record(4, "Robert", "Yazzie", phone="5055550143", address="1200 COAL AVE SE")
    score, rules = _weigh(kept, with_both)
    assert {"phone_same", "address_same"} <= set(rules) and score >= THRESHOLD


def test_a_shared_phone_or_address_weighs_less_than_one_of_a_kind() -> None:
    records = [_record(i, f"Name{i}", "Other", phone="505-555-0100") for i in range(10, 60)]
    records += [_record(1, "Ana", "Lee", phone="505-555-0100"), _record(2, "Ana", "Lee", phone="505-555-0100")]
    records += [_record(3, "Eva", "Kee", phone="505-555-0199"), _record(4, "Eva", "Kee", phone="505-555-0199")]
    matcher = Matcher(records)
    assert matcher.phone_weight["5055550100"] < matcher.phone_weight["5055550199"]


def test_an_alias_matches_a_name() -> None:
    kept = _record(1, "Marcos", "Tso", D(2001, 2, 3), aliases=[("Flaco", "", "Flaco")])
    other = _record(2, "Flaco", "Tso", D(2001, 2, 3))
    score, rules = _weigh(kept, other)
    assert "alias_first_name" in rules and score >= THRESHOLD
    married = _record(3, "Ana", "Begay", D(1990, 5, 6), aliases=[("", "Nez", "Nez")])
    maiden = _record(4, "Ana", "Nez", D(1990, 5, 6))
    score, rules = _weigh(married, maiden)
    assert "alias_last_name" in rules and score >= THRESHOLD


def test_nicknames_and_sounds() -> None:
    assert canonical_first("bobby") == canonical_first("rob") == "robert"
    assert canonical_first("pepe") == "jose"
    assert soundex("ramirez") == soundex("ramires") == "R562"
    assert soundex("") == ""


# --- pairs it must not propose --------------------------------------------------------------


def test_a_common_name_with_birth_dates_far_apart_is_not_proposed() -> None:
    a = _record(1, "José", "García", D(1975, 1, 2), phone="505-555-0101", address="100 Central Ave")
    b = _record(2, "Jose", "Garcia", D(1998, 6, 30), phone="505-555-0101", address="100 Central Ave")
    assert "birth_date_different" in _weigh(a, b)[1]
    assert not _proposed(a, b)


def test_twins_are_not_proposed() -> None:
    """Same last name, birth date, address and phone; different first names."""
    a = _record(1, "Mateo", "Chávez", D(2004, 8, 9), phone="505-555-0170", address="4410 Bell Ave SE")
    b = _record(2, "Lucas", "Chávez", D(2004, 8, 9), phone="505-555-0170", address="4410 Bell Ave SE")
    score, rules = _weigh(a, b)
    assert "first_name_different" in rules and score < THRESHOLD
    assert not _proposed(a, b)


def test_brothers_born_a_few_years_apart_on_the_same_day_are_not_proposed() -> None:
    a, b = _record(1, "Sergio", "Sisneros", D(2002, 1, 15)), _record(2, "Sergio", "Sisneros", D(2005, 1, 15))
    assert "birth_date_one_digit_year" in _weigh(a, b)[1]
    assert not _proposed(a, b)


def test_different_sex_counts_against() -> None:
    a = _record(1, "Maria", "Lopez", D(2000, 1, 2), sex="female")
    b = _record(2, "Mario", "Lopez", D(2000, 1, 2), sex="male")
    assert "sex_different" in _weigh(a, b)[1]
    assert not _proposed(a, b)


# --- in the link workflow (database) --------------------------------------------------------


@pytest.fixture
def bobby(program, make_user):
    kept = person_create(actor=None, key="VIP-9", first_name="Robert", last_name="Yazzie", date_of_birth=D(2001, 3, 12))
    duplicate = person_create(
        actor=None, key="MRN0000009", first_name="Bobby", last_name="YAZZIE", date_of_birth=D(2001, 12, 3)
    )
    person_create(actor=None, key="VIP-10", first_name="Robert", last_name="Yazzie", date_of_birth=D(1979, 9, 1))
    referral_create(actor=None, person=duplicate, received_on=D(2022, 11, 1), source="hospital")
    alias_add(actor=None, person=duplicate, kind="street_name", name="Flaco")
    return {"kept": kept, "duplicate": duplicate, "manager": make_user("manager")}


def _who_points_where() -> dict[tuple[str, Any], Any]:
    from vip.people.linking import _relations

    return {
        (model._meta.label, pk): person_id
        for model, field in _relations()
        for pk, person_id in model._default_manager.values_list("pk", f"{field}_id")
    }


def test_the_matcher_proposes_with_evidence_in_words(bobby) -> None:
    run = link_candidates_run(actor=None)
    assert run.people == 3 and run.pairs_compared >= 1
    [link] = run.proposed
    assert (link.kept, link.duplicate, link.proposed_by, link.status) == (
        bobby["kept"],
        bobby["duplicate"],
        None,
        PersonLink.Status.PROPOSED,
    )
    rules = {item["rule"]: item for item in link.evidence}
    assert (
        "first_name_nickname" in rules and "a common nickname: Robert / Bobby" in rules["first_name_nickname"]["detail"]
    )
    assert all(item["detail"] and item["weight"] for item in link.evidence)
    assert link_candidates_find(actor=None) == []  # already proposed


def test_a_rejected_pair_is_never_proposed_again(bobby, make_user) -> None:
    [link] = link_candidates_find(actor=None)
    link_reject(actor=bobby["manager"], link=link, reason="two cousins, says the family")
    assert link_candidates_find(actor=None) == []
    assert PersonLink.objects.get().status == PersonLink.Status.REJECTED


def test_undo_is_exact_after_a_probabilistic_link(bobby, make_user, client) -> None:
    before = _who_points_where()
    [link] = link_candidates_find(actor=None)
    link_confirm(actor=bobby["manager"], link=link, reason="the same hospital bracelet")
    assert _who_points_where() != before
    assert link_candidates_find(actor=None) == []  # a record linked away is not matched again
    link_undo(actor=make_user("manager"), link=link, reason="a clerk's mistake")
    assert _who_points_where() == before


def test_search_labels_a_linked_record_with_the_kept_one(bobby, client) -> None:
    manager = bobby["manager"]
    [hit] = person_search(user=manager, query="bobby")
    assert (hit.linked, hit.linked_to) == (False, None)
    [link] = link_candidates_find(actor=None)
    link_confirm(actor=manager, link=link)
    [hit] = person_search(user=manager, query="bobby")
    assert hit.person == bobby["duplicate"] and hit.linked and hit.linked_to == bobby["kept"]
    client.force_login(manager)
    page = client.get("/people/", {"q": "bobby"}).content.decode()
    assert "Linked record of" in page and f"/people/{bobby['kept'].pk}/" in page
    from vip.audit.models import AuditEvent

    shown = AuditEvent.objects.filter(action="person.search").latest("pk").changes["shown"]
    assert sorted(shown) == sorted([bobby["duplicate"].pk, bobby["kept"].pk])


def test_search_says_linked_even_when_the_kept_record_is_not_visible(bobby, make_user) -> None:
    from vip.people.services import person_assign_peer

    peer = make_user("peer")
    person_assign_peer(actor=None, person=bobby["duplicate"], peer=peer)
    [link] = link_candidates_find(actor=None)
    link_confirm(actor=bobby["manager"], link=link)
    [hit] = person_search(user=peer, query="bobby")
    assert hit.linked and hit.linked_to is None


# --- the demo city's planted duplicates -----------------------------------------------------


def test_the_demo_city_plants_duplicates_and_the_matcher_finds_them(tmp_path: Path) -> None:
    bundle, truth_file = tmp_path / "city", tmp_path / "duplicates.csv"
    counts = generate_bundle(
        bundle,
        seed=5,
        scale=0.4,
        end=D(2026, 11, 28),
        areas=("southeast", "northeast", "northwest", "foothills", "southwest", "valley"),
        service_categories=("housing", "other"),
        duplicates_file=truth_file,
    )
    with truth_file.open(encoding="utf-8", newline="") as handle:
        truth = {row["duplicate_key"]: row["person_key"] for row in csv.DictReader(handle)}
    with (bundle / "people.csv").open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))
    with (bundle / "involvements.csv").open(encoding="utf-8", newline="") as handle:
        involved = {row["person_key"] for row in csv.DictReader(handle)}
    assert not (bundle / "duplicates.csv").exists()  # the truth is not in the bundle
    assert 0.015 < len(truth) / counts["people.csv"] < 0.04
    assert set(truth) <= involved  # every second record carries involvements
    keys = [row["person_key"] for row in people]
    records = [
        Record.of(
            i,
            row["first_name"],
            row["last_name"],
            row["middle_name"],
            D.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None,
            row["sex"],
            row["phone"],
            row["address"],
        )
        for i, row in enumerate(people)
    ]
    found = {(keys[m.kept], keys[m.duplicate]) for m in Matcher(records).matches()}
    right = {pair for pair in found if truth.get(pair[1]) == pair[0] or truth.get(pair[0]) == pair[1]}
    assert len(right) / len(found) >= 0.95
    assert len(right) / len(truth) >= 0.85


@pytest.mark.django_db
def test_the_matcher_on_an_imported_demo_city(program, tmp_path: Path) -> None:
    from vip.interchange.services import bundle_import

    bundle, truth_file = tmp_path / "city", tmp_path / "duplicates.csv"
    generate_bundle(
        bundle,
        seed=3,
        scale=0.1,
        end=D(2023, 6, 30),
        areas=list(program.areas),
        service_categories=list(program.service_categories),
        time_zone=program.time_zone,
        duplicates_file=truth_file,
    )
    assert bundle_import(actor=None, path=bundle).written
    with truth_file.open(encoding="utf-8", newline="") as handle:
        truth = {row["duplicate_key"]: row["person_key"] for row in csv.DictReader(handle)}
    assert truth
    run = link_candidates_run(actor=None)
    pairs = {(link.kept.key, link.duplicate.key) for link in run.proposed}
    right = {pair for pair in pairs if truth.get(pair[1]) == pair[0]}
    assert len(right) >= 0.75 * len(truth) and len(right) >= len(pairs) - 1
    assert Person.objects.count() == run.people

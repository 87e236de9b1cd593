"""The demo city's field records (interchange format 2): they leave the rest of the city as it was,
refer to what exists, keep the program's rules and come in plausible proportions.

Pure tests, like test_generator.py: no database. That the importer takes them whole (and exports
them back) is test_demo_round_trip.py's.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from vip.demo.field_work import FIELD_FILES, MILESTONE_BITS
from vip.demo.generator import FILES
from vip.demo.tests.test_generator import AREAS, generate, read

MILESTONES = {"intake": 2500, "safety_plan": 2500, "service_connected": 5000, "days_90": 10000, "job_or_school": 15000}
YEARS = (date(2026, 11, 28) - date(2020, 3, 1)).days / 365.25

Data = dict[str, list[dict[str, str]]]


def digests(folder: Path, names: object) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def field_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("field-city")
    return folder, generate(folder, scale=0.5, field_work=MILESTONES)


@pytest.fixture(scope="module")
def data(field_city: tuple[Path, dict[str, int]]) -> Data:
    folder, _ = field_city
    return {name: read(folder, name) for name in (*FILES, *FIELD_FILES)}


def test_field_records_leave_the_version_1_files_byte_identical(
    tmp_path: Path, field_city: tuple[Path, dict[str, int]]
) -> None:
    folder, counts = field_city
    without = generate(tmp_path, scale=0.5)
    assert not any((tmp_path / name).exists() for name in FIELD_FILES)
    assert digests(tmp_path, FILES) == digests(folder, FILES)
    assert {name: counts[name] for name in FILES} == without


def test_field_records_are_deterministic_and_counted(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", scale=0.1, field_work=MILESTONES)
    second = generate(tmp_path / "b", scale=0.1, field_work=MILESTONES)
    assert first == second
    assert digests(tmp_path / "a", FIELD_FILES) == digests(tmp_path / "b", FIELD_FILES)
    for name, header in FIELD_FILES.items():
        rows = read(tmp_path / "a", name)
        assert len(rows) == first[name], name
        with (tmp_path / "a" / name).open(encoding="utf-8", newline="") as handle:
            assert tuple(next(csv.reader(handle))) == header


def test_every_field_file_has_rows(data: Data) -> None:
    assert all(data[name] for name in FIELD_FILES), {name: len(data[name]) for name in FIELD_FILES}


def test_field_records_refer_to_what_exists(data: Data) -> None:
    people = {row["person_key"] for row in data["people.csv"]}
    hospital = {row["referral_key"]: row for row in data["referrals.csv"] if row["source"] == "hospital"}
    mediations = {row["mediation_key"] for row in data["mediations.csv"]}
    incentives = {row["incentive_key"]: row for row in data["incentives.csv"]}
    groups = {row["group_key"] for row in data["groups.csv"]}
    call_ins = {row["call_in_key"] for row in data["call_ins.csv"]}
    for name in ("incentives.csv", "group_members.csv", "call_in_attendance.csv", "safety_plans.csv"):
        assert {row["person_key"] for row in data[name]} <= people, name
    assert {row["person_key"] for row in data["safety_check_ins.csv"]} <= people
    assert {row["person_key"] for row in data["mediation_parties.csv"] if row["person_key"]} <= people
    assert {row["mediation_key"] for row in data["mediation_parties.csv"]} == mediations
    assert {row["incentive_key"] for row in data["incentive_payments.csv"]} <= set(incentives)
    assert {row["group_key"] for row in data["group_members.csv"]} == groups  # a group is written once known
    for row in data["call_ins.csv"]:
        assert row["groups"] and set(row["groups"].split(";")) <= groups
        assert row["groups"].split(";") == sorted(row["groups"].split(";"))  # as the export writes them
    assert {row["call_in_key"] for row in data["call_in_attendance.csv"]} <= call_ins
    assert {row["referral_key"] for row in data["hospital_referrals.csv"]} <= set(hospital)
    details = {row["referral_key"] for row in data["hospital_referrals.csv"]}
    assert {row["referral_key"] for row in data["bedside_visits.csv"]} <= details


def test_keys_are_unique(data: Data) -> None:
    for name, key in (
        ("mediations.csv", ("mediation_key",)),
        ("mediation_parties.csv", ("mediation_key", "person_key", "party_name")),
        ("incentives.csv", ("incentive_key",)),
        ("incentive_payments.csv", ("payment_key",)),
        ("groups.csv", ("group_key",)),
        ("group_members.csv", ("member_key",)),
        ("call_ins.csv", ("call_in_key",)),
        ("call_in_attendance.csv", ("call_in_key", "person_key")),
        ("safety_plans.csv", ("person_key", "version")),
        ("safety_check_ins.csv", ("check_in_key",)),
        ("hospital_referrals.csv", ("referral_key",)),
        ("bedside_visits.csv", ("visit_key",)),
    ):
        keys = [tuple(row[c] for c in key) for row in data[name]]
        assert len(keys) == len(set(keys)), name
    names = [row["name"].lower() for row in data["groups.csv"]]
    assert len(names) == len(set(names))


def test_field_records_keep_the_programs_rules(data: Data) -> None:
    received = {row["referral_key"]: row["received_on"] for row in data["referrals.csv"]}
    for row in data["mediation_parties.csv"]:
        assert bool(row["person_key"]) != bool(row["party_name"]), row
        assert row["role"] in {"party", "supporter"}
    for row in data["mediations.csv"]:
        assert row["outcome"] in {"resolved", "ongoing", "escalated"}
        assert row["topics"] and row["area"] in {*AREAS, ""}
    for row in data["group_members.csv"]:
        assert row["source"] in {"police_intelligence", "self_reported", "peer_knowledge"}
        assert not row["member_to"] or row["member_to"] >= row["member_from"], row
    for row in data["hospital_referrals.csv"]:
        assert row["injury_date"] <= received[row["referral_key"]], row
        assert (row["consent_to_contact"] == "not_asked") == (not row["consent_recorded_on"]), row
        assert not row["consent_recorded_on"] or row["consent_recorded_on"] >= row["injury_date"]
    for row in data["bedside_visits.csv"]:
        assert datetime.fromisoformat(row["attempted_at"]).date().isoformat() >= received[row["referral_key"]]
        if row["consent_given"]:
            assert row["outcome"] in {"reached", "declined"}, row
        assert not (row["outcome"] == "declined" and row["consent_given"] == "yes"), row
    # Incentives: a milestone once per person; payments of approved incentives, after the milestone,
    # at the milestone's amount; a reversal is the negative of one payment of the same incentive.
    incentives = {row["incentive_key"]: row for row in data["incentives.csv"]}
    held = Counter((row["person_key"], row["milestone"]) for row in incentives.values())
    assert max(held.values()) == 1
    assert {row["milestone"] for row in incentives.values()} == set(MILESTONE_BITS)
    payments = {row["payment_key"]: row for row in data["incentive_payments.csv"]}
    reversed_ = Counter(row["reverses"] for row in payments.values() if row["reverses"])
    assert reversed_ and max(reversed_.values()) == 1
    for row in payments.values():
        incentive = incentives[row["incentive_key"]]
        assert incentive["status"] == "approved"
        assert row["paid_on"] >= incentive["reached_on"]
        if row["reverses"]:
            original = payments[row["reverses"]]
            assert original["incentive_key"] == row["incentive_key"] and not original["reverses"]
            assert row["amount"] == f"-{original['amount']}"
        else:
            assert row["amount"] == incentive["amount"] == f"{MILESTONES[incentive['milestone']] // 100}.00"
    # Safety plans: versions 1, 2, ... in order of writing; check-ins only once a plan exists.
    versions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in data["safety_plans.csv"]:
        versions[row["person_key"]].append((int(row["version"]), row["written_on"]))
    for person, written in versions.items():
        assert [v for v, _ in written] == list(range(1, len(written) + 1)), person
        assert [d for _, d in written] == sorted(d for _, d in written), person
    for row in data["safety_check_ins.csv"]:
        assert datetime.fromisoformat(row["checked_at"]).date().isoformat() >= versions[row["person_key"]][0][1]
        assert row["status"] in {"safe", "concerns", "unsafe"}


def test_field_records_come_in_plausible_proportions(data: Data) -> None:
    """At half scale (a city of some 1,500 people), what a program of its size would record."""
    delivered = {row["person_key"] for row in data["notifications.csv"] if row["outcome"] == "delivered"}
    planned = {row["person_key"] for row in data["safety_plans.csv"]}
    assert planned <= delivered
    assert 0.2 < len(planned) / len(delivered) < 0.6
    assert 15 < len(data["mediations.csv"]) / YEARS < 100
    assert 1 <= len(data["call_ins.csv"]) / YEARS <= 8
    attended = Counter(row["attended"] for row in data["call_in_attendance.csv"])
    assert 0.35 < attended["yes"] / sum(attended.values()) < 0.75
    sources = Counter(row["source"] for row in data["group_members.csv"])
    assert sources.most_common(1)[0][0] == "police_intelligence" and len(sources) == 3
    hospital = [row for row in data["referrals.csv"] if row["source"] == "hospital"]
    assert len(data["hospital_referrals.csv"]) > 0.85 * len(hospital)
    reached = {row["referral_key"] for row in data["bedside_visits.csv"] if row["outcome"] == "reached"}
    assert 0.4 < len(reached) / len(data["hospital_referrals.csv"]) < 0.8
    statuses = Counter(row["status"] for row in data["incentives.csv"])
    assert statuses["approved"] / len(data["incentives.csv"]) > 0.8
    paid = sum(float(row["amount"]) for row in data["incentive_payments.csv"])
    assert 3_000 < paid / YEARS < 40_000  # dollars a year
    # Mediations bring in people outside the program, and the program's own participants.
    parties = data["mediation_parties.csv"]
    assert any(row["party_name"] for row in parties) and any(row["person_key"] for row in parties)


def test_milestones_the_city_cannot_tell_are_not_used(tmp_path: Path) -> None:
    counts = generate(tmp_path, scale=0.1, field_work={"intake": 2000, "graduation": 50000})
    milestones = {row["milestone"] for row in read(tmp_path, "incentives.csv")}
    assert milestones == {"intake"}
    assert counts["incentives.csv"] > 0
    assert {row["amount"] for row in read(tmp_path, "incentive_payments.csv")} <= {"20.00", "-20.00"}

"""The synthetic city: deterministic, well-formed, referentially whole and plausible.

Pure tests: no database, no Django models; small scales keep them fast.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vip.demo.generator import FILES, generate_bundle

AREAS = ("southeast", "northeast", "northwest", "foothills", "southwest", "valley")
CATEGORIES = (
    "housing",
    "employment",
    "behavioral_health",
    "substance_use",
    "education",
    "basic_needs",
    "benefits_documents",
    "conflict_mediation",
    "relocation",
    "legal",
    "financial_literacy",
    "medical",
    "family_support",
    "other",
)
SOURCES = {
    "shooting_review",
    "law_enforcement_data",
    "hospital",
    "school",
    "community",
    "self_or_family",
    "other",
}
FAILURES = {"not_found", "refused", "wrong_address", "in_custody", "hospitalized", "other"}
ATTEMPT_OUTCOMES = {"delivered", *FAILURES}
INCIDENT_TYPES = {"shooting", "homicide", "aggravated_assault", "shots_fired", "robbery", "other"}
ROLES = {"victim", "suspect", "arrestee", "witness", "associate"}
OUTCOME_TYPES = {"arrest_violent", "arrest_firearm", "arrest_other", "shot", "killed"}
STATUSES = {"referred", "connected", "completed", "declined", "lost_contact"}
TEAM_ORDER = ("peer_support", "police", "community_leader", "other")
START = date(2020, 3, 1)
END = date(2026, 11, 28)
ZONE = ZoneInfo("America/Denver")

Data = dict[str, list[dict[str, str]]]


def generate(out: Path, **kwargs: object) -> dict[str, int]:
    arguments: dict[str, object] = {
        "end": END,
        "areas": AREAS,
        "service_categories": CATEGORIES,
        "scale": 0.1,
    }
    arguments.update(kwargs)
    return generate_bundle(out, **arguments)  # type: ignore[arg-type]


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def digest(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A whole program, 2020-03-01 to 2026-11-28, at half scale."""
    folder = tmp_path_factory.mktemp("city")
    return folder, generate(folder, scale=0.5)


@pytest.fixture(scope="module")
def data(city: tuple[Path, dict[str, int]]) -> Data:
    folder, _ = city
    return {name: read(folder, name) for name in FILES}


def parse_stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


# --- determinism and scale ----------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", seed=7)
    second = generate(tmp_path / "b", seed=7)
    assert first == second
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_output_does_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    script = (
        "import sys; from datetime import date; from pathlib import Path;"
        "from vip.demo.generator import generate_bundle;"
        f"generate_bundle(Path(sys.argv[1]), scale=0.05, end=date(2022, 6, 30), areas={list(AREAS)!r},"
        f" service_categories={list(CATEGORIES)!r})"
    )
    digests = []
    for hash_seed in ("1", "2"):
        folder = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(folder)], check=True, env=env)  # noqa: S603
        digests.append(digest(folder))
    assert digests[0] == digests[1]


def test_a_different_seed_gives_a_different_city(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=1)
    generate(tmp_path / "b", seed=2)
    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert all(first[name] != second[name] for name in FILES)


def test_scale_multiplies_volume(tmp_path: Path) -> None:
    small = generate(tmp_path / "small", scale=0.2)
    large = generate(tmp_path / "large", scale=0.8)
    ratio = sum(large.values()) / sum(small.values())
    assert 3.0 < ratio < 5.3
    for name in FILES:
        assert 2.0 < large[name] / small[name] < 7.0, name


def test_every_file_has_rows_even_at_a_tiny_scale(tmp_path: Path) -> None:
    counts = generate(tmp_path, scale=0.05)
    assert set(counts) == set(FILES)
    assert all(count > 0 for count in counts.values()), counts


def test_scale_one_is_a_city_of_a_few_thousand_people(tmp_path: Path) -> None:
    counts = generate(tmp_path, scale=1.0)
    assert 2000 <= counts["people.csv"] <= 4500
    assert 20_000 <= sum(counts.values()) <= 40_000


def test_returned_counts_and_progress_match_the_files(tmp_path: Path) -> None:
    reported: list[int] = []
    counts = generate(tmp_path, scale=0.3, progress=reported.append)
    for name in FILES:
        assert counts[name] == len(read(tmp_path, name))
    assert sum(reported) == sum(counts.values())
    assert len(reported) > 1


def test_a_short_run_ends_on_its_end_date(tmp_path: Path) -> None:
    end = date(2020, 9, 30)
    counts = generate(tmp_path, scale=0.3, end=end)
    assert all(count > 0 for count in counts.values()), counts
    for row in read(tmp_path, "notifications.csv"):
        assert parse_stamp(row["attempted_at"]).date() <= end
    for row in read(tmp_path, "service_referrals.csv"):
        for column in ("referred_on", "connected_on", "closed_on"):
            assert row[column] <= end.isoformat()


def test_end_before_start_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="before start"):
        generate(tmp_path, end=date(2020, 2, 1))


# --- format --------------------------------------------------------------------------------


def test_files_follow_the_canonical_csv_form(city: tuple[Path, dict[str, int]]) -> None:
    folder, _ = city
    for name, header in FILES.items():
        raw = (folder / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), name
        text = raw.decode("utf-8")
        assert text.endswith("\r\n")
        assert text.count("\r\n") >= text.count("\n")  # every line ends with CRLF (cells hold no newlines)
        rows = list(csv.reader(text.splitlines()))
        assert tuple(rows[0]) == header
        for row in rows[1:]:
            assert len(row) == len(header), (name, row)
            assert all(cell == cell.strip() for cell in row), (name, row)


def test_headers_are_the_spec_columns() -> None:
    assert FILES["people.csv"][:4] == ("person_key", "first_name", "last_name", "middle_name")
    message = ("legal_risk_explained", "offer_of_help", "letter_given", "notes")
    assert FILES["notifications.csv"][-4:] == message
    assert FILES["involvements.csv"] == ("incident_key", "person_key", "role")


def test_codes_are_from_the_lists(data: Data) -> None:
    areas = {*AREAS, ""}
    for row in data["people.csv"]:
        assert row["area"] in areas
        assert row["sex"] in {"male", "female", "other", ""}
        assert row["race"] in {
            "american_indian",
            "asian",
            "black",
            "pacific_islander",
            "white",
            "multiple",
            "other",
            "",
        }
        assert row["ethnicity"] in {"hispanic", "not_hispanic", ""}
        assert row["first_name"]
        assert row["last_name"]
    for row in data["referrals.csv"]:
        assert row["source"] in SOURCES
        assert row["area"] in areas
    for row in data["incidents.csv"]:
        assert row["type"] in INCIDENT_TYPES
        assert row["area"] in areas
    assert {row["role"] for row in data["involvements.csv"]} == ROLES
    for row in data["notifications.csv"]:
        assert row["outcome"] in ATTEMPT_OUTCOMES
        assert row["area"] in areas
        roles = row["team"].split(";")
        assert roles == sorted(roles, key=TEAM_ORDER.index)
        assert len(set(roles)) == len(roles)
        for column in ("legal_risk_explained", "offer_of_help", "letter_given"):
            assert row[column] in {"yes", "no", ""}
    for row in data["service_referrals.csv"]:
        assert row["category"] in CATEGORIES
        assert row["status"] in STATUSES
    assert {row["type"] for row in data["outcomes.csv"]} == OUTCOME_TYPES


def test_dates_and_date_times_are_canonical(data: Data) -> None:
    for name, column in (
        ("people.csv", "date_of_birth"),
        ("referrals.csv", "received_on"),
        ("outcomes.csv", "occurred_on"),
        ("service_referrals.csv", "referred_on"),
        ("service_referrals.csv", "connected_on"),
        ("service_referrals.csv", "closed_on"),
    ):
        for row in data[name]:
            if row[column]:
                assert date.fromisoformat(row[column]).isoformat() == row[column]
    for name, column in (("incidents.csv", "occurred_at"), ("notifications.csv", "attempted_at")):
        for row in data[name]:
            moment = parse_stamp(row[column])
            # The offset is America/Denver's at that local time (DST-correct), written as isoformat does.
            local = moment.replace(tzinfo=None).replace(tzinfo=ZONE)
            assert local.isoformat(timespec="seconds") == row[column]
            assert local.hour != 2


def test_some_attempts_are_late_at_night(data: Data) -> None:
    hours = Counter(parse_stamp(row["attempted_at"]).hour for row in data["notifications.csv"])
    late = sum(hours[h] for h in (21, 22, 23, 0))
    assert 0.02 < late / sum(hours.values()) < 0.2
    assert sum(hours[h] for h in range(9, 21)) / sum(hours.values()) > 0.7


# --- keys and references ----------------------------------------------------------------------


def test_keys_are_unique(data: Data) -> None:
    for name in FILES:
        key = FILES[name][0]
        if name == "involvements.csv":
            keys = [(row["incident_key"], row["person_key"], row["role"]) for row in data[name]]
        else:
            keys = [row[key] for row in data[name]]
        assert len(keys) == len(set(keys)), name


def test_keys_look_like_the_sending_systems(data: Data) -> None:
    for name, prefix in (
        ("people.csv", "P"),
        ("referrals.csv", "R"),
        ("notifications.csv", "N"),
        ("service_referrals.csv", "S"),
        ("outcomes.csv", "O"),
    ):
        keys = [row[FILES[name][0]] for row in data[name]]
        if name == "people.csv":  # planted second records carry a police or hospital record number
            keys = [key for key in keys if not re.fullmatch(r"(APD|MRN)\d{7}", key)]
        assert all(re.fullmatch(prefix + r"\d{6}", key) for key in keys), name
    for row in data["incidents.csv"]:
        assert re.fullmatch(r"\d{2}-\d{6}", row["incident_key"])
        assert row["incident_key"][:2] == row["occurred_at"][2:4]  # case numbers start with the year


def test_references_resolve(data: Data) -> None:
    people = {row["person_key"] for row in data["people.csv"]}
    for name in FILES:
        if name != "people.csv" and "person_key" in FILES[name]:
            assert {row["person_key"] for row in data[name]} <= people, name
    referrals = {row["referral_key"] for row in data["referrals.csv"]}
    answered = {row["referral_key"] for row in data["notifications.csv"]}
    assert answered - {""} <= referrals
    incidents = {row["incident_key"] for row in data["incidents.csv"]}
    assert {row["incident_key"] for row in data["involvements.csv"]} <= incidents


def test_every_person_appears_somewhere_else(data: Data) -> None:
    used = set()
    for name in FILES:
        if name != "people.csv" and "person_key" in FILES[name]:
            used |= {row["person_key"] for row in data[name]}
    assert used == {row["person_key"] for row in data["people.csv"]}


def test_notifications_answer_referrals_of_the_same_person(data: Data) -> None:
    referrals = {row["referral_key"]: row for row in data["referrals.csv"]}
    rows = data["notifications.csv"]
    with_key = [row for row in rows if row["referral_key"]]
    assert len(with_key) / len(rows) > 0.9
    for row in with_key:
        referral = referrals[row["referral_key"]]
        assert referral["person_key"] == row["person_key"]
        assert referral["received_on"] < row["attempted_at"][:10]


# --- the program's logic -----------------------------------------------------------------------


def test_nothing_happens_before_start_or_after_end(data: Data) -> None:
    first, last = START.isoformat(), END.isoformat()
    for name, column in (
        ("referrals.csv", "received_on"),
        ("outcomes.csv", "occurred_on"),
        ("service_referrals.csv", "referred_on"),
        ("service_referrals.csv", "connected_on"),
        ("service_referrals.csv", "closed_on"),
        ("incidents.csv", "occurred_at"),
        ("notifications.csv", "attempted_at"),
    ):
        days = [row[column][:10] for row in data[name] if row[column]]
        assert first <= min(days), (name, column)
        assert max(days) <= last, (name, column)
    for row in data["people.csv"]:
        assert not row["date_of_birth"] or row["date_of_birth"] < first


def test_every_source_and_every_attempt_outcome_occurs(data: Data) -> None:
    sources = Counter(row["source"] for row in data["referrals.csv"])
    assert set(sources) == SOURCES
    top_two = {source for source, _ in sources.most_common(2)}
    assert top_two == {"shooting_review", "law_enforcement_data"}
    outcomes = Counter(row["outcome"] for row in data["notifications.csv"])
    assert set(outcomes) == ATTEMPT_OUTCOMES
    failures = outcomes.copy()
    del failures["delivered"]
    assert failures.most_common(1)[0][0] == "not_found"


def test_failed_attempts_leave_the_message_fields_empty(data: Data) -> None:
    delivered = [row for row in data["notifications.csv"] if row["outcome"] == "delivered"]
    failed = [row for row in data["notifications.csv"] if row["outcome"] != "delivered"]
    assert sum(row["legal_risk_explained"] == "yes" for row in delivered) / len(delivered) > 0.8
    assert all(row["legal_risk_explained"] == "" and row["offer_of_help"] == "" for row in failed)
    assert (
        sum(row["team"].startswith("peer_support") for row in data["notifications.csv"])
        / len(data["notifications.csv"])
        > 0.9
    )


def test_people_are_delivered_after_failed_attempts_and_some_never(data: Data) -> None:
    by_person: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in data["notifications.csv"]:
        by_person[row["person_key"]].append((row["attempted_at"], row["outcome"]))
    delivered = {key for key, attempts in by_person.items() if any(o == "delivered" for _, o in attempts)}
    never = set(by_person) - delivered
    assert 0.05 < len(never) / len(by_person) < 0.35
    referred = {row["person_key"] for row in data["referrals.csv"]}
    assert len(set(by_person)) / len(referred) > 0.75
    delivery_days = {
        key: {stamp[:10] for stamp, outcome in by_person[key] if outcome == "delivered"} for key in delivered
    }
    again = [key for key, days in delivery_days.items() if len(days) > 1]
    assert 0 < len(again) / len(delivered) < 0.15


def test_service_referral_statuses_and_dates_agree(data: Data) -> None:
    for row in data["service_referrals.csv"]:
        status, referred = row["status"], row["referred_on"]
        connected, closed = row["connected_on"], row["closed_on"]
        if status in {"connected", "completed"}:
            assert connected, row
        if connected:
            assert connected >= referred, row
            assert status != "referred", row
        if status in {"completed", "declined", "lost_contact"}:
            assert closed >= referred, row
            assert not connected or closed >= connected, row
        else:
            assert not closed, row
        if status == "declined":
            assert not connected, row
        if status == "referred":
            assert (END - date.fromisoformat(referred)).days <= 120, row


def test_services_follow_delivery(data: Data) -> None:
    first_delivery: dict[str, str] = {}
    for row in data["notifications.csv"]:
        if row["outcome"] == "delivered":
            day = row["attempted_at"][:10]
            first_delivery[row["person_key"]] = min(day, first_delivery.get(row["person_key"], day))
    for row in data["service_referrals.csv"]:
        assert row["person_key"] in first_delivery
        assert row["referred_on"] >= first_delivery[row["person_key"]]


def test_a_plausible_share_of_notified_people_engage(data: Data) -> None:
    notified = {row["person_key"] for row in data["notifications.csv"] if row["outcome"] == "delivered"}
    engaged = {row["person_key"] for row in data["service_referrals.csv"] if row["connected_on"]}
    assert 0.45 <= len(notified & engaged) / len(notified) <= 0.7


def test_fast_categories_connect_more_than_slow_ones(data: Data) -> None:
    rate: dict[str, float] = {}
    for category in ("basic_needs", "housing", "substance_use"):
        rows = [row for row in data["service_referrals.csv"] if row["category"] == category]
        rate[category] = sum(bool(row["connected_on"]) for row in rows) / len(rows)
    assert rate["basic_needs"] > rate["housing"]
    assert rate["basic_needs"] > rate["substance_use"]


def test_people_look_like_the_program_population(data: Data) -> None:
    people = {row["person_key"]: row for row in data["people.csv"]}
    first_referral: dict[str, str] = {}
    for row in data["referrals.csv"]:
        first_referral.setdefault(row["person_key"], row["received_on"])
    ages = []
    for key, received in first_referral.items():
        if people[key]["date_of_birth"]:
            born = date.fromisoformat(people[key]["date_of_birth"])
            ages.append((date.fromisoformat(received) - born).days / 365.25)
    assert sum(16 <= age < 36 for age in ages) / len(ages) > 0.65
    assert any(age < 18 for age in ages)
    assert any(age >= 36 for age in ages)
    total = len(people)
    assert 0.01 < sum(not row["date_of_birth"] for row in people.values()) / total < 0.06
    assert 0.02 < sum(not row["area"] for row in people.values()) / total < 0.1
    assert sum(row["sex"] == "male" for row in people.values()) / total > 0.6
    assert Counter(row["ethnicity"] for row in people.values()).most_common(1)[0][0] == "hispanic"
    with_address = [row for row in people.values() if row["area"]]
    assert all(row["city"] == "Albuquerque" and row["state"] == "NM" for row in with_address)
    assert all(row["postal_code"].startswith("871") for row in with_address)
    assert any(not row["last_name"].isascii() for row in people.values())


def test_groups_recur_together_and_retaliate(data: Data) -> None:
    roles_by_incident: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in data["involvements.csv"]:
        roles_by_incident[row["incident_key"]][row["role"]].add(row["person_key"])
    pairs: Counter[tuple[str, str]] = Counter()
    victims_then_suspects = 0
    victims: set[str] = set()
    for key in sorted(roles_by_incident, key=lambda k: (int(k[:2]), int(k[3:]))):
        roles = roles_by_incident[key]
        people = sorted(roles["victim"] | roles["suspect"] | roles["associate"])
        for i, first in enumerate(people):
            for second in people[i + 1 :]:
                pairs[first, second] += 1
        victims_then_suspects += len(roles["suspect"] & victims)
        victims |= roles["victim"]
    assert sum(count >= 2 for count in pairs.values()) > 10  # co-involved again
    assert victims_then_suspects > 10  # yesterday's victims are today's suspects


def test_outcomes_match_the_incidents_and_death_is_final(data: Data) -> None:
    incidents = {row["incident_key"]: row for row in data["incidents.csv"]}
    killed_on: dict[str, str] = {}
    for row in data["outcomes.csv"]:
        if row["type"] == "killed":
            assert incidents[row["source_ref"]]["type"] == "homicide"
            killed_on[row["person_key"]] = row["occurred_on"]
        if row["type"] == "shot":
            assert incidents[row["source_ref"]]["type"] == "shooting"
    assert killed_on
    for name, column in (
        ("outcomes.csv", "occurred_on"),
        ("referrals.csv", "received_on"),
        ("notifications.csv", "attempted_at"),
        ("service_referrals.csv", "referred_on"),
        ("service_referrals.csv", "connected_on"),
    ):
        for row in data[name]:
            if row["person_key"] in killed_on:
                assert row[column][:10] <= killed_on[row["person_key"]], (name, row)


def test_some_notified_people_are_involved_in_further_violence(data: Data) -> None:
    first_delivery: dict[str, date] = {}
    for row in data["notifications.csv"]:
        if row["outcome"] == "delivered":
            day = date.fromisoformat(row["attempted_at"][:10])
            first_delivery[row["person_key"]] = min(day, first_delivery.get(row["person_key"], day))
    eligible = {key for key, day in first_delivery.items() if (END - day).days >= 365}
    violent = {"arrest_violent", "arrest_firearm", "shot", "killed"}
    again = set()
    before = set()
    for row in data["outcomes.csv"]:
        key = row["person_key"]
        if key in first_delivery and row["type"] in violent:
            days = (date.fromisoformat(row["occurred_on"]) - first_delivery[key]).days
            if key in eligible and 0 < days <= 365:
                again.add(key)
            if days < 0:
                before.add(key)
    assert 0.06 <= len(again) / len(eligible) <= 0.25
    assert before


def test_volumes_ramp_up_in_2020_and_vary_by_month(data: Data) -> None:
    delivered_by_month = Counter(
        row["attempted_at"][:7] for row in data["notifications.csv"] if row["outcome"] == "delivered"
    )
    first_months = sum(delivered_by_month[m] for m in ("2020-03", "2020-04", "2020-05", "2020-06"))
    year_later = sum(delivered_by_month[m] for m in ("2021-03", "2021-04", "2021-05", "2021-06"))
    assert first_months < year_later
    months_2023 = [delivered_by_month[f"2023-{m:02d}"] for m in range(1, 13)]
    assert len(set(months_2023)) > 3


@pytest.mark.parametrize("clock_change", [date(2021, 3, 14), date(2021, 11, 7)])
def test_date_times_on_clock_change_days_are_unambiguous(tmp_path: Path, clock_change: date) -> None:
    generate(tmp_path, scale=40, start=clock_change.replace(day=clock_change.day - 1), end=clock_change)
    stamps = [row["occurred_at"] for row in read(tmp_path, "incidents.csv")]
    stamps += [row["attempted_at"] for row in read(tmp_path, "notifications.csv")]
    on_the_day = [parse_stamp(stamp) for stamp in stamps if stamp.startswith(clock_change.isoformat())]
    assert len(on_the_day) > 20
    offsets = set()
    for moment in on_the_day:
        naive = moment.replace(tzinfo=None)
        assert naive.hour != 2
        assert naive.replace(tzinfo=ZONE).utcoffset() == naive.replace(tzinfo=ZONE, fold=1).utcoffset()
        assert moment.isoformat() == naive.replace(tzinfo=ZONE).isoformat(timespec="seconds")
        offsets.add(moment.utcoffset())
    assert len(offsets) == 2  # both sides of the change occur


def test_other_area_and_category_lists_are_honoured(tmp_path: Path) -> None:
    generate(tmp_path, scale=0.3, areas=("north", "south"), service_categories=("housing", "counselling"))
    assert {row["area"] for row in read(tmp_path, "people.csv")} == {"north", "south", ""}
    assert {row["category"] for row in read(tmp_path, "service_referrals.csv")} == {"housing", "counselling"}
    empty = tmp_path / "empty"
    counts = generate(empty, scale=0.1, areas=(), service_categories=())
    assert counts["service_referrals.csv"] == 0
    assert {row["area"] for row in read(empty, "incidents.csv")} == {""}


# --- planted duplicates -----------------------------------------------------------------------


def test_planted_duplicates_leave_the_rest_of_the_city_unchanged(tmp_path: Path, monkeypatch) -> None:
    """The city with its planted second records taken out (their involvements given back to
    their person) is byte for byte the city generated without any."""
    from vip.demo.generator import _Duplicates

    truth_file = tmp_path / "truth.csv"
    generate(tmp_path / "with", seed=11, scale=0.3, duplicates_file=truth_file)
    monkeypatch.setattr(_Duplicates, "SHARE", 0.0)
    generate(tmp_path / "without", seed=11, scale=0.3)
    truth = {row["duplicate_key"]: row["person_key"] for row in read(tmp_path, "truth.csv")}
    assert truth and not (tmp_path / "with" / "truth.csv").exists()
    for name in FILES:
        lines = (tmp_path / "with" / name).read_text(encoding="utf-8").splitlines()
        if name == "people.csv":
            lines = [line for line in lines if line.split(",", 1)[0] not in truth]
        if name == "involvements.csv":
            lines = [",".join(truth.get(part, part) for part in line.split(",")) for line in lines]
        assert lines == (tmp_path / "without" / name).read_text(encoding="utf-8").splitlines(), name


def test_planted_duplicates_vary_the_name_and_birth_date(data: Data, city: tuple[Path, dict[str, int]]) -> None:
    people = {row["person_key"]: row for row in data["people.csv"]}
    second = [row for key, row in people.items() if key[:3] in ("APD", "MRN")]
    assert 0.015 < len(second) / len(people) < 0.04
    involved = Counter(row["person_key"] for row in data["involvements.csv"])
    assert all(involved[row["person_key"]] for row in second)
    assert any(row["first_name"].isupper() for row in second)
    assert any("-" in row["last_name"] for row in second)

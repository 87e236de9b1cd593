"""Every metric on a small program, against values computed by hand.

The report month is August 2022: M-2 (June) lies in the previous fiscal year,
so FYTD (July-August) covers M and M-1 only.
"""

from __future__ import annotations

import re

import pytest

from vip.core.config import program_config
from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.reports.facts import load_facts
from vip.reports.metrics import compute
from vip.stats.tables import ColumnSum

pytestmark = pytest.mark.django_db

BUNDLE = {
    "people.csv": """person_key,first_name,last_name,date_of_birth,area
P1,Ana,García,2004-08-20,southeast
P2,Luis,Baca,2000-01-01,valley
P3,Rosa,Chávez,1987-05-05,
P4,Marcus,Lee,,northeast
P5,Devon,Yazzie,2005-12-31,valley
P6,Tomás,Ortiz,1997-08-01,foothills
""",
    "referrals.csv": """referral_key,person_key,received_on,source
R1,P1,2022-06-05,hospital
R2,P2,2022-07-10,shooting_review
R3,P3,2022-08-01,law_enforcement_data
R4,P4,2022-08-31,community
R5,P5,2022-09-01,school
R6,P6,2022-05-20,self_or_family
""",
    "notifications.csv": """attempt_key,person_key,attempted_at,outcome,area
N1,P1,2022-06-10T11:00:00-06:00,delivered,southeast
N2,P1,2022-08-25T10:00:00-06:00,delivered,
N3,P1,2022-08-25T20:00:00-06:00,delivered,valley
N4,P2,2022-07-15T15:00:00-06:00,delivered,valley
N5,P2,2022-08-02T15:00:00-06:00,not_found,valley
N6,P3,2022-08-05T12:00:00-06:00,delivered,
N7,P4,2022-08-31T23:30:00-06:00,delivered,northeast
N8,P5,2022-09-01T00:30:00,delivered,valley
N9,P6,2022-08-01,delivered,foothills
N10,P6,2022-08-20T09:00:00-06:00,delivered,foothills
N11,P6,2022-08-21T09:00:00-06:00,refused,valley
""",
    "service_referrals.csv": """service_referral_key,person_key,category,referred_on,status,connected_on,closed_on
S1,P1,housing,2022-06-12,connected,2022-06-20,
S2,P1,employment,2022-08-26,connected,2022-08-28,
S3,P2,basic_needs,2022-07-16,completed,2022-08-03,2022-08-30
S4,P3,substance_use,2022-08-06,declined,,2022-08-07
S5,P6,medical,2022-08-02,connected,2022-08-02,
S6,P5,housing,2022-07-01,connected,2022-07-05,
""",
    "outcomes.csv": """outcome_key,person_key,occurred_on,type
O1,P1,2022-06-10,arrest_violent
O2,P2,2022-08-10,shot
O3,P3,2022-08-20,arrest_other
O4,P6,2022-09-05,arrest_firearm
O5,P5,2022-08-15,killed
O6,P4,2022-08-31,arrest_firearm
O7,P1,2022-07-20,arrest_firearm
""",
}


@pytest.fixture
def numbers(program, write_bundle):
    assert bundle_import(actor=None, path=write_bundle(BUNDLE)).written
    month = Month(2022, 8)
    return compute(load_facts(program_config(), month), month)


def _rows(table) -> dict[str, list[int]]:
    return dict(zip(table.row_labels, table.cells, strict=True))


def test_area_command_table(numbers) -> None:
    table = numbers.table("area_command")
    assert table.col_labels == ["AUG", "JULY", "JUNE", "FYTD"]
    assert _rows(table) == {
        "Southeast": [1, 0, 1, 1],  # P1 on 25 Aug (two deliveries, the first has no area: P1's own)
        "Northeast": [1, 0, 0, 1],  # P4 at 23:30 on 31 August, local time
        "Northwest": [0, 0, 0, 0],
        "Foothills": [2, 0, 0, 2],  # P6 on 1 and 20 August (a failed attempt on the 21st does not count)
        "Southwest": [0, 0, 0, 0],
        "Valley": [0, 1, 0, 1],  # P2 in July
        "N/A": [1, 0, 0, 1],  # P3: no area anywhere
        "Total": [5, 1, 1, 6],  # June is in the previous fiscal year: not in FYTD
    }
    # FYTD is exactly August + July here: June lies in the previous fiscal year.
    assert table.column_sums == [ColumnSum("fytd", ("m", "m1"), exact=True)]


def test_running_success_rate(numbers) -> None:
    rows = _rows(numbers.table("running_success_rate"))
    assert list(rows)[-1] == "AUG 2022"
    assert rows["AUG 2022"] == [3, 5]  # P1, P2, P6 engaged of P1, P2, P3, P4, P6 notified
    assert rows["JULY 2022"] == [1, 2]  # P2 connected only in August
    assert rows["JUNE 2022"] == [1, 1]
    assert rows["MAY 2022"] == [0, 0]
    assert len(rows) == 12


def test_headline_rates(numbers) -> None:
    assert _rows(numbers.table("headline_rates")) == {
        "VIP running success rate": [3, 5],
        # P1 (firearm arrest 20 July) and P2 (shot 10 August) after their first notification; P1's
        # arrest on the day of notification, P4's on the day of notification and P6's in September do not count.
        "No further violence": [3, 5],
    }


def test_summary_by_age_group(numbers) -> None:
    table = numbers.table("summary_by_age_group")
    assert table.title == "August summary by age group"
    assert _rows(table) == {
        "Under 18": [0, 0],
        "18-24": [1, 1],  # P1 turned 18 on 20 August, notified on the 25th; P2 newly engaged at 22
        "25-34": [1, 1],  # P6, 25 on 1 August: notified and newly engaged
        "35 and over": [1, 0],  # P3
        "Unknown": [1, 0],  # P4 has no date of birth
        "Total": [4, 2],  # P1 was first engaged in June: not new in August
    }


def test_people_engaged(numbers) -> None:
    assert _rows(numbers.table("people_engaged")) == {"People newly engaged": [2, 3]}  # + P5 in July


def test_services_connected(numbers) -> None:
    rows = _rows(numbers.table("services_connected"))
    assert {k: v for k, v in rows.items() if v != [0, 0]} == {
        "Housing": [0, 1],  # P5 in July; P1's in June is the previous fiscal year
        "Employment": [1, 1],
        "Basic needs": [1, 1],
        "Medical care": [1, 1],
        "Total": [3, 4],
    }


def test_referrals_by_source(numbers) -> None:
    rows = _rows(numbers.table("referrals_by_source"))
    assert {k: v for k, v in rows.items() if v != [0, 0, 0, 0]} == {
        "Shooting review": [0, 1, 0, 1],
        "Law-enforcement data": [1, 0, 0, 1],
        "Hospital": [0, 0, 1, 0],
        "Community": [1, 0, 0, 1],
        "Total": [2, 1, 1, 3],
    }


def test_enforcement_and_further_violence(numbers) -> None:
    assert _rows(numbers.table("enforcement")) == {
        "Arrests: violent offence": [0, 0],  # P1's was on the day of notification, in June
        "Arrests: firearm offence": [0, 1],  # P1 in July; P4's on the day of notification does not count
        "Arrests: other": [1, 1],  # P3, notified on 5 August, arrested on the 20th
        "Total": [1, 2],
    }
    assert _rows(numbers.table("further_violence")) == {
        "Shot (not fatal)": [1, 1],  # P2
        "Killed": [0, 0],  # P5 was killed before any notification
        "Total": [1, 1],
    }


def test_same_facts_same_fingerprint(program, write_bundle) -> None:
    assert bundle_import(actor=None, path=write_bundle(BUNDLE)).written
    month = Month(2022, 8)
    first = load_facts(program_config(), month)
    second = load_facts(program_config(), month)
    assert first.fingerprint() == second.fingerprint()


def test_a_category_no_longer_offered_keeps_its_history(program, write_bundle, tmp_path) -> None:
    from pathlib import Path

    from vip.configuration.services import profile_load

    assert bundle_import(actor=None, path=write_bundle(BUNDLE)).written
    profile = (Path(__file__).parents[2] / "configuration" / "profiles" / "albuquerque.toml").read_text(
        encoding="utf-8"
    )
    for code in ("medical", "legal"):  # drop the whole [[service_categories]] block of each
        profile = re.sub(rf'\[\[service_categories\]\]\ncode = "{code}"\n(?:[^\[].*\n)*', "", profile)
    path = tmp_path / "fewer.toml"
    path.write_text(profile, encoding="utf-8")
    profile_load(actor=None, name=str(path))
    month = Month(2022, 8)
    rows = _rows(compute(load_facts(program_config(), month), month).table("services_connected"))
    labels = list(rows)
    assert "Legal help" not in labels  # no longer offered, and nothing connected
    assert labels[-2:] == ["Medical care", "Total"]  # no longer offered, but P6 connected in August
    assert rows["Medical care"] == [1, 1]
    assert rows["Total"] == [3, 4]


def test_a_notification_in_an_area_no_longer_reported_counts_in_the_persons_area(program, write_bundle) -> None:
    """Definition 2: the attempt's area; if it is none of the report's areas (here one taken out of
    the report after the visit), the person's area; if that is none either, N/A."""
    from vip.core.models import Area

    bundle = {
        "people.csv": "person_key,first_name,last_name,date_of_birth,area\n"
        "Q1,Ana,Lucero,1990-01-01,southeast\nQ2,Ben,Ortega,1991-02-02,valley\n",
        "notifications.csv": "attempt_key,person_key,attempted_at,outcome,area\n"
        "M1,Q1,2022-08-10T10:00:00-06:00,delivered,valley\nM2,Q2,2022-08-11T10:00:00-06:00,delivered,valley\n",
    }
    assert bundle_import(actor=None, path=write_bundle(bundle)).written
    month = Month(2022, 8)

    def in_month() -> dict[str, int]:
        table = compute(load_facts(program_config(), month), month).table("area_command")
        return {label: cells[0] for label, cells in _rows(table).items() if cells[0]}

    assert in_month() == {"Valley": 2, "Total": 2}
    Area.objects.filter(code="valley").update(active=False)
    assert in_month() == {"Southeast": 1, "N/A": 1, "Total": 2}  # Q2 lives in valley too: N/A

"""Issue 14: an export never carries a voided entry as a valid one, an import never changes one,
and an import refuses what cannot have happened yet (a date or date-time in the future), as the
services refuse it: ``file:line: column: message``, nothing written."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from vip.core.config import program_config
from vip.core.future import latest_day
from vip.interchange.export import bundle_export
from vip.interchange.mapped import mapped_import
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import PEOPLE, messages, table_counts
from vip.interchange.tests.test_mapped import EXPORT, MAPPING, _rows, _write_csv
from vip.interchange.tests.worlds import differences, stored
from vip.notifications.models import NotificationAttempt
from vip.notifications.services import attempt_void
from vip.outcomes.models import Outcome
from vip.outcomes.services import outcome_void
from vip.referrals.models import Referral
from vip.service_referrals.models import ServiceReferral
from vip.service_referrals.services import service_referral_void

pytestmark = pytest.mark.django_db


def _keys(folder: Path, name: str) -> list[str]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return [row[0] for row in list(csv.reader(handle))[1:]]


def _void_some(manager) -> None:
    attempt = NotificationAttempt.objects.get(key="N1")
    attempt_void(actor=manager, attempt=attempt, reason="recorded twice", expected_version=attempt.version)
    service = ServiceReferral.objects.get(key="S4")
    service_referral_void(actor=manager, referral=service, reason="wrong person", expected_version=service.version)
    outcome = Outcome.objects.get(key="O2")
    outcome_void(actor=manager, outcome=outcome, reason="not this person", expected_version=outcome.version)


# --- voided entries ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "manager", "police"])
def test_an_export_leaves_voided_entries_out_and_its_reimport_changes_nothing(rich, role, tmp_path: Path) -> None:
    _void_some(rich["users"]["manager"])
    user = rich["users"][role] if role else None
    out = tmp_path / "export"
    counts = bundle_export(actor=user, out_dir=out)
    assert "N1" not in _keys(out, "notifications.csv") and "N2" in _keys(out, "notifications.csv")
    assert "O2" not in _keys(out, "outcomes.csv") and "O1" in _keys(out, "outcomes.csv")
    assert "S4" not in _keys(out, "service_referrals.csv")
    assert counts["notifications.csv"] == NotificationAttempt.objects.filter(voided_at__isnull=True).count()
    if role == "police":
        return  # the police do not import
    before = stored()
    result = bundle_import(actor=user, path=out)
    assert result.written, messages(result)
    assert {n: (c.created, c.updated) for n, c in result.counts.items() if c.created or c.updated} == {}
    assert differences(before, stored()) == []  # the voided rows, kept, untouched
    assert NotificationAttempt.objects.get(key="N1").voided_at is not None


def test_the_analysts_deidentified_export_leaves_voided_entries_out_too(rich, tmp_path: Path) -> None:
    out = tmp_path / "analyst"
    bundle_export(actor=rich["users"]["analyst"], out_dir=out)
    before = len(_keys(out, "deidentified_notifications.csv"))
    _void_some(rich["users"]["manager"])
    out = tmp_path / "analyst-after"
    bundle_export(actor=rich["users"]["analyst"], out_dir=out)
    assert len(_keys(out, "deidentified_notifications.csv")) == before - 1


def test_an_export_leaves_out_a_voided_referral(rich, tmp_path: Path) -> None:
    from vip.referrals.services import referral_void

    referral = Referral.objects.get(key="R2")
    referral_void(
        actor=rich["users"]["manager"], referral=referral, reason="a duplicate", expected_version=referral.version
    )
    out = tmp_path / "export"
    bundle_export(actor=None, out_dir=out)
    assert "R2" not in _keys(out, "referrals.csv") and "R1" in _keys(out, "referrals.csv")


def test_a_bundle_made_before_the_voiding_cannot_change_or_revive_the_voided_entry(rich, tmp_path: Path) -> None:
    manager = rich["users"]["manager"]
    old = tmp_path / "before"
    bundle_export(actor=None, out_dir=old)
    _void_some(manager)
    before = stored()
    result = bundle_import(actor=manager, path=old)
    assert not result.written
    n1 = _keys(old, "notifications.csv").index("N1") + 2  # the line: the header is line 1
    o2 = _keys(old, "outcomes.csv").index("O2") + 2
    refused = " names an entry voided in the case file: an import does not change it"
    assert f"notifications.csv:{n1}: attempt_key: 'N1'{refused}" in messages(result)
    assert f"outcomes.csv:{o2}: outcome_key: 'O2'{refused}" in messages(result)
    assert len(messages(result)) == 3
    assert differences(before, stored()) == []
    # With skip_invalid, the rest goes in and the voided rows wait in the rejects, with their reason.
    result = bundle_import(actor=manager, path=old, skip_invalid=True, rejects_dir=tmp_path / "rejects")
    assert result.written and result.rejected == 3
    assert "voided in the case file" in (tmp_path / "rejects" / "notifications.csv").read_text()
    assert NotificationAttempt.objects.get(key="N1").voided_at is not None


# --- dates in the future -----------------------------------------------------------------------


def _invalid(result) -> list[str]:
    assert not result.valid and not result.written
    return messages(result)


def _tomorrow() -> str:
    return (latest_day() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("name", "header", "row", "column"),
    [
        ("referrals.csv", "referral_key,person_key,received_on,source", "R1,P1,{day},hospital", "received_on"),
        ("outcomes.csv", "outcome_key,person_key,occurred_on,type", "O1,P1,{day},shot", "occurred_on"),
        ("incidents.csv", "incident_key,occurred_at,type", "22-1,{day},shooting", "occurred_at"),
        ("notifications.csv", "attempt_key,person_key,attempted_at,outcome", "N1,P1,{day},delivered", "attempted_at"),
        (
            "service_referrals.csv",
            "service_referral_key,person_key,category,referred_on,status,connected_on",
            "S1,P1,housing,2022-11-01,connected,{day}",
            "connected_on",
        ),
    ],
)
def test_an_import_refuses_an_event_day_in_the_future_naming_file_line_and_column(
    program, write_bundle, name, header, row, column
) -> None:
    day = _tomorrow()
    path = write_bundle({"people.csv": PEOPLE, name: f"{header}\n{row.format(day=day)}\n"})
    before = table_counts()
    problems = _invalid(bundle_import(actor=None, path=path))
    assert problems == [
        f"{name}:2: {column}: {day} is in the future (latest allowed: {latest_day()}): enter when it happened"
    ]
    assert table_counts() == before


def test_a_birth_date_in_the_future_is_refused(program, write_bundle) -> None:
    day = _tomorrow()
    path = write_bundle({"people.csv": PEOPLE + f"P3,Eva,Chávez,{day},female,valley\n"})
    (problem,) = _invalid(bundle_import(actor=None, path=path))
    assert problem.startswith(f"people.csv:4: date_of_birth: {day} is in the future")


@override_settings(VIP_FUTURE_TOLERANCE_MINUTES=10)
def test_a_moment_within_the_tolerance_is_taken_and_one_beyond_it_refused(program, write_bundle) -> None:
    zone = program_config().zone
    soon = (timezone.now() + dt.timedelta(minutes=5)).astimezone(zone).isoformat(timespec="seconds")
    later = (timezone.now() + dt.timedelta(minutes=30)).astimezone(zone).isoformat(timespec="seconds")
    header = "attempt_key,person_key,attempted_at,outcome"
    path = write_bundle({"people.csv": PEOPLE, "notifications.csv": f"{header}\nN1,P1,{soon},delivered\n"})
    assert bundle_import(actor=None, path=path).written
    path = write_bundle({"people.csv": PEOPLE, "notifications.csv": f"{header}\nN2,P1,{later},delivered\n"})
    (problem,) = _invalid(bundle_import(actor=None, path=path))
    assert problem.startswith(f"notifications.csv:2: attempted_at: {later} is in the future (latest allowed: ")


def test_the_mapped_import_refuses_a_future_date_against_the_source_line_and_column(program, tmp_path) -> None:
    rows = _rows()
    header = rows[0]
    # A whole incident (every line of its case number) said to happen next year.
    case = rows[1][header.index("CASE_NUMBER")]
    year = latest_day().year + 1
    lines = [n + 1 for n, row in enumerate(rows) if n and row[header.index("CASE_NUMBER")] == case]
    for n in lines:
        rows[n - 1][header.index("OCCURRED")] = f"11/03/{year} 14:05"
    source = _write_csv(tmp_path / "export.csv", rows)
    before = table_counts()
    result = mapped_import(actor=None, path=source, mapping_path=MAPPING)
    assert not result.valid and table_counts() == before
    problems = [str(p) for p in result.problems]
    assert (
        problems[0].startswith(f"export.csv:{lines[0]}: OCCURRED: {year}-11-03T14:05:00")
        and "in the future" in problems[0]
    )
    assert EXPORT.exists()

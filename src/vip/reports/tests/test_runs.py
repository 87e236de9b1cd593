"""Report runs: recorded, published runs frozen, later changes listed as restatements."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vip.audit.models import AuditEvent
from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.reports.models import ReportRun
from vip.reports.selectors import public_file, public_runs
from vip.reports.services import report_generate, report_publish

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "seed_november_2022"
NOV = Month(2022, 11)


@pytest.fixture
def seeded(program):
    assert bundle_import(actor=None, path=FIXTURE).written


def test_a_run_records_what_it_read_and_said(seeded, make_user) -> None:
    analyst = make_user("analyst")
    run = report_generate(actor=analyst, month=NOV, audience="official", formats=["json", "csv"])
    assert (run.month, run.audience, run.definitions_version) == ("2022-11", "official", "2022.1")
    assert len(run.data_fingerprint) == 64
    assert run.data_as_of is not None
    assert run.numbers["tables"][0]["id"] == "area_command"
    assert {f.format: f.sha256 for f in run.files.all()} == {
        f.format: hashlib.sha256(bytes(f.content)).hexdigest() for f in run.files.all()
    }
    event = AuditEvent.objects.get(action="report.generate")
    assert (event.actor, event.object_id) == (analyst, str(run.pk))
    assert event.changes["data_fingerprint"] == run.data_fingerprint


def test_published_run_is_frozen_and_changes_are_listed_as_restatements(seeded, make_user, write_bundle) -> None:
    manager = make_user("manager")
    published = report_generate(actor=manager, month=NOV, audience="official", formats=["json", "pdf"], publish=True)
    frozen = {f.format: bytes(f.content) for f in published.files.all()}

    # A late record: one more delivered notification in Southeast in November.
    late = write_bundle(
        {
            "notifications.csv": "attempt_key,person_key,attempted_at,outcome,area\n"
            "LATE1,P001,2022-11-15T10:00:00-07:00,delivered,southeast\n"
        }
    )
    assert bundle_import(actor=None, path=late).written
    again = report_generate(actor=manager, month=NOV, audience="official", formats=["json"])
    assert again.restates == published
    changed = {(c["table"], c["row"], c["column"]): (c["published"], c["now"]) for c in again.restatements}
    assert changed[("area_command", "southeast", "m")] == ("9", "10")
    assert changed[("area_command", "total", "fytd")] == ("117", "118")
    assert again.data_fingerprint != published.data_fingerprint

    published.refresh_from_db()
    assert published.published
    assert {f.format: bytes(f.content) for f in published.files.all()} == frozen
    assert published.numbers["tables"][0]["rows"][0]["cells"][0]["display"] == "9"
    with pytest.raises(ValidationError, match="already published"):
        report_publish(actor=manager, run=published)

    # Publishing the restated run keeps the first one and points to it.
    restated = report_publish(actor=manager, run=again)
    assert restated.published
    assert restated.restates == published
    assert len(restated.restatements) == len(again.restatements)


def test_same_data_no_restatement(seeded) -> None:
    report_generate(actor=None, month=NOV, formats=["json"], publish=True)
    again = report_generate(actor=None, month=NOV, formats=["json"])
    assert again.restatements == []


def test_public_page_serves_the_latest_published_public_run(seeded) -> None:
    report_generate(actor=None, month=NOV, audience="official", formats=["json"], publish=True)
    report_generate(actor=None, month=NOV, audience="public", formats=["json"])  # a draft: not public
    assert list(public_runs()) == []
    first = report_generate(actor=None, month=NOV, audience="public", formats=["json", "html"], publish=True)
    assert list(public_runs()) == [first]
    second = report_generate(actor=None, month=NOV, audience="public", formats=["json", "html"], publish=True)
    assert list(public_runs()) == [second]
    assert public_file(month="2022-11", fmt="html").run == second


@pytest.mark.parametrize("role", ["police", "peer", "admin"])
def test_who_generates(seeded, make_user, role) -> None:
    with pytest.raises(PermissionDenied):
        report_generate(actor=make_user(role), month=NOV, formats=["json"])


def test_analysts_generate_but_do_not_publish(seeded, make_user) -> None:
    analyst = make_user("analyst")
    run = report_generate(actor=analyst, month=NOV, formats=["json"])
    with pytest.raises(PermissionDenied):
        report_publish(actor=analyst, run=run)
    with pytest.raises(PermissionDenied):
        report_generate(actor=analyst, month=NOV, formats=["json"], publish=True)
    assert not ReportRun.objects.filter(published=True).exists()


def test_a_month_that_has_not_ended(seeded) -> None:
    with pytest.raises(ValidationError, match="has not ended"):
        report_generate(actor=None, month=Month(2099, 1), formats=["json"])

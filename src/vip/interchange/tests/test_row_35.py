"""Security row 35: an import never clears or overwrites a value the importing account may not
read; re-importing one's own export changes nothing.

A rich world is built through the services and a full bundle (every table of the bundle
populated, a value in every field, among them the fields most readers may not read: visit
notes, case notes, health providers and details, consents, police-only fields, outcome notes).
Then every role that exports makes its export and re-imports it unchanged: every stored value
of every table (all models, all columns, read raw from the database, encrypted values as
stored) is the same before and after, and the import reports nothing created or updated.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from vip.core.access import ACTIONS, hidden_fields
from vip.interchange import services
from vip.interchange.export import bundle_export
from vip.interchange.services import bundle_import
from vip.interchange.tests.worlds import RICH, differences, stored, write_lines
from vip.notifications.models import NotificationAttempt
from vip.outcomes.models import Outcome
from vip.service_referrals.models import ServiceReferral

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The roles that export (those that import are among them; the others' imports are refused).
EXPORTERS = tuple(role for role in ACTIONS["interchange.export"].roles)
IMPORTERS = tuple(role for role in ACTIONS["interchange.import"].roles)


@pytest.mark.parametrize("role", EXPORTERS)
def test_row_35_reimporting_ones_own_export_changes_no_stored_value(rich, role: str, tmp_path: Path) -> None:
    user = rich["users"][role]
    out = tmp_path / f"export-{role}"
    bundle_export(actor=user, out_dir=out)
    before = stored()
    if role not in IMPORTERS:
        with pytest.raises(PermissionDenied):
            bundle_import(actor=user, path=out)
        assert differences(before, stored()) == []
        return
    result = bundle_import(actor=user, path=out)
    assert result.written, [str(p) for p in result.problems]
    assert {name: (c.created, c.updated) for name, c in result.counts.items() if c.created or c.updated} == {}
    assert differences(before, stored()) == []


@pytest.mark.parametrize("role", EXPORTERS)
def test_row_35_holds_for_every_role_that_exports_were_it_allowed_to_import(
    rich, role: str, tmp_path: Path, monkeypatch
) -> None:
    """The importer's keeping does not depend on today's policy letting only managers import:
    with the import allowed to every role that exports, each one's export re-imported changes
    nothing (the analyst's de-identified export is not a bundle: refused, nothing written)."""
    monkeypatch.setattr(services, "_check_permission", lambda actor, action="interchange.import": None)
    user = rich["users"][role]
    out = tmp_path / f"export-{role}"
    bundle_export(actor=user, out_dir=out)
    before = stored()
    result = bundle_import(actor=user, path=out)
    if role == "analyst":
        assert not result.written and result.problems, result
    else:
        assert result.written, [str(p) for p in result.problems]
        assert {n: (c.created, c.updated) for n, c in result.counts.items() if c.created or c.updated} == {}
    assert differences(before, stored()) == []


@pytest.mark.parametrize("role", IMPORTERS)
def test_row_35_a_blank_cell_for_an_unreadable_field_keeps_the_stored_value(rich, role: str, tmp_path: Path) -> None:
    """Blank every cell of a field the importer may not read, change a field they do read: the
    field they read is updated, the others keep what is stored (values, not only rows)."""
    user = rich["users"][role]
    out = tmp_path / "export"
    bundle_export(actor=user, out_dir=out)
    kept = {
        "notes": dict(NotificationAttempt.objects.values_list("key", "notes")),
        "provider": dict(ServiceReferral.objects.values_list("key", "provider")),
        "details": dict(ServiceReferral.objects.values_list("key", "details")),
        "outcome notes": dict(Outcome.objects.values_list("key", "notes")),
    }
    assert all(any(values.values()) for values in kept.values()), kept
    hidden = {
        "notifications.csv": hidden_fields(user, NotificationAttempt),
        "service_referrals.csv": hidden_fields(user, ServiceReferral),
        "outcomes.csv": hidden_fields(user, Outcome),
    }
    assert hidden["notifications.csv"] >= {"notes"} and hidden["service_referrals.csv"] >= {"provider"}
    for name, fields in hidden.items():
        with open(out / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for field in fields & set(row):
                row[field] = ""
            if name == "notifications.csv" and row["attempt_key"] == "N1":
                row["outcome"] = "refused"
        with open(out / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    result = bundle_import(actor=user, path=out)
    assert result.written, [str(p) for p in result.problems]
    assert result.counts["notifications.csv"].updated == 1
    assert NotificationAttempt.objects.get(key="N1").outcome == "refused"
    assert dict(NotificationAttempt.objects.values_list("key", "notes")) == kept["notes"]
    assert dict(ServiceReferral.objects.values_list("key", "provider")) == kept["provider"]
    assert dict(ServiceReferral.objects.values_list("key", "details")) == kept["details"]
    assert dict(Outcome.objects.values_list("key", "notes")) == kept["outcome notes"]


def test_row_35_a_record_the_importer_may_not_read_is_refused_not_overwritten(
    rich, tmp_path: Path, monkeypatch
) -> None:
    """A key naming a record outside what the importing account sees (a peer's bundle naming a
    person on another caseload) is refused with file:line, and nothing is written."""
    monkeypatch.setattr(services, "_check_permission", lambda actor, action="interchange.import": None)
    peer = rich["users"]["peer"]
    folder = write_lines(
        tmp_path / "other",
        {"people.csv": [RICH["people.csv"][0], RICH["people.csv"][1].replace(",Ana,", ",Anita,")]},
    )
    before = stored()
    result = bundle_import(actor=peer, path=folder)
    assert not result.written
    assert [str(p) for p in result.problems] == [
        "people.csv:2: person_key: 'P1' names a record your account may not read: refused"
    ]
    assert differences(before, stored()) == []


def test_row_35_dates_and_times_survive_the_round_trip(rich, tmp_path: Path) -> None:
    """An attempt or incident with a date only stays a date only, one with a time keeps it."""
    manager = rich["users"]["manager"]
    out = tmp_path / "export"
    bundle_export(actor=manager, out_dir=out)
    text = (out / "incidents.csv").read_text(encoding="utf-8")
    assert "22-110000,2022-11-20,shots_fired" in text and "22-104455,2022-10-02T23:40:00-06:00" in text
    assert NotificationAttempt.objects.get(key="N3").attempted_at is None
    assert NotificationAttempt.objects.get(key="N2").attempted_on == dt.date(2022, 11, 30)


def test_row_35_the_comparison_sees_a_wiped_value(rich, tmp_path: Path) -> None:
    """The check can fail: the operator (who reads everything) importing a manager's export does
    replace the stored notes and providers with the blanks sent, and the comparison shows it."""
    out = tmp_path / "export"
    bundle_export(actor=rich["users"]["manager"], out_dir=out)
    before = stored()
    bundle_import(actor=None, path=out)
    changed = {line.split(":")[0] for line in differences(before, stored())}
    assert {"notifications_notificationattempt", "service_referrals_servicereferral"} <= changed

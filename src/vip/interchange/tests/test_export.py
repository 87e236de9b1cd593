"""Export: canonical formats, round trips (example and property-based), reader permissions."""

from __future__ import annotations

import csv
import datetime as dt
import string
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vip.audit.models import AuditEvent
from vip.interchange.export import bundle_export
from vip.interchange.schema import FILES
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import table_counts
from vip.notifications.models import NotificationAttempt
from vip.outcomes.models import Outcome
from vip.people.models import Person
from vip.people.services import person_assign_peer
from vip.service_referrals.models import ServiceReferral

pytestmark = pytest.mark.django_db

CANONICAL = {
    "people.csv": [
        "person_key,first_name,last_name,middle_name,date_of_birth,sex,race,ethnicity,address,city,state,postal_code,area,phone,died_on",
        'P1,Ana,García,,2000-02-29,female,white,hispanic,"1234 Central Ave SE, Apt 2",Albuquerque,NM,87106,southeast,505-555-0101,',
        "P2,Luis,Baca,José,,male,,not_hispanic,,,,,,,2023-03-01",
        "P3,Marcus,Lee,,1995-07-04,male,black,not_hispanic,,,,,valley,,2023-01-09",
    ],
    "referrals.csv": [
        "referral_key,person_key,received_on,source,referred_by,area,reason",
        'R1,P1,2022-10-03,hospital,UNM Hospital,southeast,"Gunshot wound, treated and released"',
        "R2,P2,2022-11-01,shooting_review,APD,,",
    ],
    "incidents.csv": [
        "incident_key,occurred_at,type,area,address",
        "22-104455,2022-10-02T23:40:00-06:00,shooting,southeast,400 block of Louisiana Blvd SE",
        "22-110000,2022-11-20,shots_fired,,",
    ],
    "involvements.csv": [
        "incident_key,person_key,role",
        "22-104455,P1,victim",
        "22-104455,P2,suspect",
        "22-104455,P2,arrestee",
        "22-110000,P3,witness",
    ],
    "notifications.csv": [
        "attempt_key,person_key,referral_key,attempted_at,outcome,team,area,legal_risk_explained,offer_of_help,letter_given,notes",
        "N1,P1,R1,2022-11-03T14:05:00-06:00,not_found,peer_support;police,,,,,",
        'N2,P1,R1,2022-11-30T23:30:00-07:00,delivered,peer_support;police;community_leader,southeast,yes,yes,no,"Said ""thank you"""',
        "N3,P2,,2022-11-07,delivered,peer_support,,no,yes,yes,",
    ],
    "service_referrals.csv": [
        "service_referral_key,person_key,category,provider,referred_on,status,connected_on,closed_on",
        "S1,P1,housing,Casa Esperanza,2022-11-04,connected,2022-11-10,",
        "S2,P1,substance_use,Clinic,2022-11-04,declined,,2022-11-20",
        "S3,P2,employment,,2022-11-08,referred,,",
    ],
    "outcomes.csv": [
        "outcome_key,person_key,occurred_on,type,source_ref,notes",
        "O1,P2,2022-12-15,arrest_firearm,22-120001,",
    ],
}


def _write(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return folder


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _as_set(folder: Path, name: str) -> set[tuple[tuple[str, str], ...]]:
    return {tuple(sorted(row.items())) for row in _rows(folder, name)}


def test_canonical_bundle_round_trips_byte_for_byte(program, tmp_path: Path) -> None:
    source = _write(tmp_path / "in", CANONICAL)
    assert bundle_import(actor=None, path=source).written
    out = tmp_path / "out"
    counts = bundle_export(actor=None, out_dir=out)
    assert counts == {name: len(lines) - 1 for name, lines in CANONICAL.items()}
    for spec in FILES:
        # Same header order as the spec; same rows (the export is ordered by insertion).
        assert (out / spec.name).read_bytes() == (source / spec.name).read_bytes(), spec.name


def test_import_of_the_export_is_a_no_op(program, tmp_path: Path) -> None:
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    out = tmp_path / "out"
    bundle_export(actor=None, out_dir=out)
    before = table_counts()
    result = bundle_import(actor=None, path=out)
    assert all(c.created == c.updated == 0 for c in result.counts.values())
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 1
    assert after == before


def test_export_is_audited(program, tmp_path: Path) -> None:
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    bundle_export(actor=None, out_dir=tmp_path / "out")
    event = AuditEvent.objects.get(action="interchange.export")
    assert event.changes["counts"]["people.csv"] == 3


def test_police_export_has_no_peer_notes_and_no_health_referrals(program, make_user, tmp_path: Path) -> None:
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    out = tmp_path / "police"
    bundle_export(actor=make_user("police"), out_dir=out)
    # As on every page: service referrals but the health and substance-use ones, never a provider.
    services = _rows(out, "service_referrals.csv")
    assert {row["service_referral_key"] for row in services} == {"S1", "S3"}
    assert {row["provider"] for row in services} == {""}
    assert all(row["notes"] == "" for row in _rows(out, "notifications.csv"))
    assert "thank you" not in "".join(p.read_text(encoding="utf-8") for p in out.iterdir())


def test_manager_export_leaves_out_case_content_and_health_details(program, make_user, tmp_path: Path) -> None:
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    out = tmp_path / "manager"
    bundle_export(actor=make_user("manager"), out_dir=out)
    # As on the pages: every referral, its provider withheld (shown only under a consent).
    services = _rows(out, "service_referrals.csv")
    assert {row["service_referral_key"] for row in services} == {"S1", "S2", "S3"}
    assert {row["provider"] for row in services} == {""}
    assert all(row["notes"] == "" for row in _rows(out, "notifications.csv"))
    assert {row["notes"] for row in _rows(out, "outcomes.csv")} == {""}  # police work product


def test_peer_export_is_their_caseload_without_police_records(program, make_user, tmp_path: Path) -> None:
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    peer = make_user("peer")
    person_assign_peer(actor=None, person=Person.objects.get(key="P1"), peer=peer)
    out = tmp_path / "peer"
    bundle_export(actor=peer, out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",  # format 2: the format version and the files' row counts
        "notifications.csv",
        "people.csv",
        "referrals.csv",
        "service_referrals.csv",
    ]
    assert [row["person_key"] for row in _rows(out, "people.csv")] == ["P1"]
    assert {row["attempt_key"] for row in _rows(out, "notifications.csv")} == {"N1", "N2"}


def test_analyst_export_is_deidentified(program, make_user, tmp_path: Path) -> None:
    """An analyst gets the de-identified export, not a bundle (security row 42: test_row_42.py)."""
    bundle_import(actor=None, path=_write(tmp_path / "in", CANONICAL))
    out = tmp_path / "analyst"
    bundle_export(actor=make_user("analyst"), out_dir=out)
    assert not (out / "people.csv").exists()
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))
    for secret in ("García", "Baca", "Central Ave", "2000-02-29", "505-555", "P1,", "22-104455", "UNM Hospital"):
        assert secret not in text
    assert "2023-03-01" not in text and "2023-01-09" not in text
    people = _rows(out, "deidentified_people.csv")
    assert {row["area"] for row in people} == {"southeast", "", "valley"}
    assert sorted(row["died_year"] for row in people) == ["", "2023", "2023"]  # a day of death: its year
    pseudonyms = {row["person_pseudonym"] for row in people}
    # Pseudonyms join the files of one export.
    assert {row["person_pseudonym"] for row in _rows(out, "deidentified_notifications.csv")} <= pseudonyms
    again = tmp_path / "analyst2"
    bundle_export(actor=make_user("analyst"), out_dir=again)
    # ... and of that export only: a second export's are unrelated.
    assert pseudonyms.isdisjoint(row["person_pseudonym"] for row in _rows(again, "deidentified_people.csv"))


def test_admin_exports_nothing(program, make_user, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        bundle_export(actor=make_user("admin"), out_dir=tmp_path / "admin")


# ---- property test: generated bundles survive import -> export unchanged -------------------

text_cells = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\n"),
    max_size=30,
).map(str.strip)
names = st.text(alphabet=string.ascii_letters + "áéíóúñÁÉÍÓÚÑ' -", min_size=1, max_size=20).map(str.strip).filter(bool)
# Up to the day before yesterday: an import refuses what has not happened yet (vip.core.future).
PAST = dt.date.today() - dt.timedelta(days=2)
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=PAST)
moments = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime.combine(PAST, dt.time()), timezones=st.just(dt.UTC)
).map(lambda m: m.replace(microsecond=0))


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Denver")
    areas = ["", "southeast", "valley", "foothills"]
    n_people = draw(st.integers(min_value=1, max_value=8))
    people = [
        [
            "person_key",
            "first_name",
            "last_name",
            "middle_name",
            "date_of_birth",
            "sex",
            "race",
            "ethnicity",
            "address",
            "city",
            "state",
            "postal_code",
            "area",
            "phone",
            "died_on",
        ]
    ]
    keys = [f"K{i}" for i in range(n_people)]
    for key in keys:
        born = draw(st.one_of(st.none(), dates))
        died = draw(st.one_of(st.none(), st.dates(min_value=born or dt.date(1950, 1, 1), max_value=PAST)))
        people.append(
            [
                key,
                draw(names),
                draw(names),
                draw(st.sampled_from(["", "Marie"])),
                str(born or ""),
                draw(st.sampled_from(["", "male", "female", "other"])),
                draw(st.sampled_from(["", "black", "white", "multiple"])),
                draw(st.sampled_from(["", "hispanic", "not_hispanic"])),
                draw(text_cells),
                "Albuquerque",
                "NM",
                draw(st.sampled_from(["", "87106"])),
                draw(st.sampled_from(areas)),
                "",
                str(died or ""),
            ]
        )
    attempts = [
        [
            "attempt_key",
            "person_key",
            "referral_key",
            "attempted_at",
            "outcome",
            "team",
            "area",
            "legal_risk_explained",
            "offer_of_help",
            "letter_given",
            "notes",
        ]
    ]
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        when = draw(st.one_of(dates.map(str), moments.map(lambda m: m.astimezone(zone).isoformat())))
        team = draw(st.sets(st.sampled_from(["peer_support", "police", "community_leader", "other"])))
        ordered = ";".join(r for r in ["peer_support", "police", "community_leader", "other"] if r in team)
        attempts.append(
            [
                f"A{i}",
                draw(st.sampled_from(keys)),
                "",
                when,
                draw(st.sampled_from(["delivered", "not_found", "refused"])),
                ordered,
                draw(st.sampled_from(areas)),
                draw(st.sampled_from(["", "yes", "no"])),
                draw(st.sampled_from(["", "yes", "no"])),
                draw(st.sampled_from(["", "yes", "no"])),
                draw(text_cells),
            ]
        )
    services = [
        [
            "service_referral_key",
            "person_key",
            "category",
            "provider",
            "referred_on",
            "status",
            "connected_on",
            "closed_on",
        ]
    ]
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        referred = draw(dates)
        status = draw(st.sampled_from(["referred", "connected", "completed", "declined", "lost_contact"]))
        connected = (
            referred + dt.timedelta(days=draw(st.integers(0, 40))) if status in {"connected", "completed"} else None
        )
        closed = (
            (connected or referred) + dt.timedelta(days=draw(st.integers(0, 40)))
            if status in {"completed", "declined", "lost_contact"}
            else None
        )
        services.append(
            [
                f"S{i}",
                draw(st.sampled_from(keys)),
                draw(st.sampled_from(["housing", "medical", "other"])),
                draw(text_cells),
                str(referred),
                status,
                str(connected or ""),
                str(closed or ""),
            ]
        )
    return {"people.csv": people, "notifications.csv": attempts, "service_referrals.csv": services}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bundle=bundles())
def test_property_generated_bundles_round_trip(program, tmp_path_factory, bundle) -> None:
    from django.db import transaction

    folder = tmp_path_factory.mktemp("gen")
    for name, rows in bundle.items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    sid = transaction.savepoint()
    try:
        result = bundle_import(actor=None, path=folder)
        assert result.written, [str(p) for p in result.problems]
        out = tmp_path_factory.mktemp("out")
        bundle_export(actor=None, out_dir=out)
        for name in bundle:
            assert _as_set(out, name) == _as_set(folder, name), name
        before = table_counts()
        again = bundle_import(actor=None, path=out)
        assert all(c.created == c.updated == 0 for c in again.counts.values())
        after = table_counts()
        assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 1
        assert after == before
    finally:
        transaction.savepoint_rollback(sid)


def test_row_35_a_manager_reimporting_their_export_loses_nothing(program, make_user, tmp_path: Path) -> None:
    """A manager's export leaves visit notes, providers and outcome notes blank (the policy
    withholds them from managers); re-imported unchanged, it changes no stored value, and a
    blank cell for such a field keeps what is stored while a field the manager reads is updated."""
    with_notes = {
        **CANONICAL,
        "outcomes.csv": [*CANONICAL["outcomes.csv"][:1], "O1,P2,2022-12-15,arrest_firearm,22-120001,on a warrant"],
    }
    bundle_import(actor=None, path=_write(tmp_path / "in", with_notes))
    manager = make_user("manager")
    stored = {
        "notes": dict(NotificationAttempt.objects.values_list("key", "notes")),
        "provider": dict(ServiceReferral.objects.values_list("key", "provider")),
        "outcome": dict(Outcome.objects.values_list("key", "notes")),
    }
    assert any(stored["notes"].values()) and any(stored["provider"].values()) and any(stored["outcome"].values())
    out = tmp_path / "manager"
    bundle_export(actor=manager, out_dir=out)
    assert {row["notes"] for row in _rows(out, "notifications.csv")} == {""}
    result = bundle_import(actor=manager, path=out)
    assert all(c.created == c.updated == 0 for c in result.counts.values()), result.counts
    # A blank cell the manager may not read keeps the stored value; a field they read is updated.
    lines = (out / "notifications.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("N1,") and ",not_found," in lines[1]
    lines[1] = lines[1].replace(",not_found,", ",refused,")
    (out / "notifications.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    bundle_import(actor=manager, path=out)
    assert NotificationAttempt.objects.get(key="N1").outcome == "refused"
    assert dict(NotificationAttempt.objects.values_list("key", "notes")) == stored["notes"]
    assert dict(ServiceReferral.objects.values_list("key", "provider")) == stored["provider"]
    assert dict(Outcome.objects.values_list("key", "notes")) == stored["outcome"]
    # The operator (who reads everything) still replaces what they send.
    bundle_import(actor=None, path=out)
    assert set(NotificationAttempt.objects.values_list("notes", flat=True)) == {""}

"""Uploads of the Data page off the request path: ``run_upload`` checks or imports a kept file as
the account that uploaded it, every problem named ``file:line: column: message`` after the file
the manager uploaded; the file is kept privately and deleted when the work is done."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from vip.audit.models import AuditEvent
from vip.interchange.models import SavedMapping, Upload
from vip.interchange.tests.helpers import table_counts
from vip.interchange.uploads import (
    UploadRefused,
    problems_of,
    run_upload,
    saved_mappings_for,
    upload_create,
    upload_import,
    uploads_for,
    uploads_purge,
)
from vip.people.models import Person

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
EXPORT = (EXAMPLES / "police-rms-export.csv").read_bytes()
MAPPING = (EXAMPLES / "police-rms-mapping.toml").read_bytes()


@pytest.fixture(autouse=True)
def folder(settings, tmp_path: Path) -> Path:
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.VIP_UPLOAD_DIR


def _file(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _bad_export() -> bytes:
    """The example export with a birth date that is not one on line 3."""
    lines = EXPORT.decode().splitlines(keepends=True)
    lines[2] = lines[2].replace("01/31/1999", "31/01/1999")
    return "".join(lines).encode()


def _mapped(user, content: bytes = EXPORT, *, dry_run: bool = False, mapping: bytes | None = MAPPING, **more):
    return upload_create(
        actor=user,
        kind=Upload.Kind.MAPPED,
        file=_file(content, "apd-november.csv"),
        dry_run=dry_run,
        mapping_file=_file(mapping, "apd.toml") if mapping is not None else None,
        **more,
    )


class Nameless:
    """A file whose name is only folders (Django's own parser drops such names)."""

    name = "../"

    def chunks(self, chunk_size=None):
        yield b"x"


def _counts(summary: dict) -> dict[str, tuple[int, int, int]]:
    return {name: (c["created"], c["updated"], c["unchanged"]) for name, c in summary["counts"].items()}


def test_the_file_is_kept_privately_under_a_random_name(program, make_user, folder: Path) -> None:
    upload = _mapped(make_user("manager"), dry_run=True)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    kept = folder / upload.stored_as
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_bytes() == EXPORT
    assert "apd" not in upload.stored_as and upload.stored_as.endswith(".csv") and len(upload.stored_as) == 36
    assert stat.S_IMODE((folder / upload.mapping_stored_as).stat().st_mode) == 0o600
    assert (upload.file_name, upload.size, upload.sha256) == (
        "apd-november.csv",
        len(EXPORT),
        hashlib.sha256(EXPORT).hexdigest(),
    )
    assert upload.status == Upload.Status.RECEIVED
    event = AuditEvent.objects.get(action="interchange.upload")
    assert event.object_id == str(upload.pk)
    assert event.changes["file_name"] == "apd-november.csv" and upload.stored_as not in str(event.changes)


def test_check_then_import_then_the_same_file_again_changes_nothing(program, make_user, folder: Path) -> None:
    manager = make_user("manager")
    seen: list[tuple[str, int, int]] = []
    checked = _mapped(manager, dry_run=True)
    summary = run_upload(checked.pk, progress=lambda phase, done, total: seen.append((phase, done, total)))
    checked.refresh_from_db()
    assert summary["status"] == checked.status == Upload.Status.CHECKED
    assert summary["lines"] == 7 and summary["problem_count"] == 0 and not summary["written"]
    assert seen and all(total > 0 for _, _, total in seen)
    assert not Person.objects.exists()
    assert checked.importable  # a check without problem keeps its file for the import

    imported = upload_import(actor=manager, upload=checked)
    checked.refresh_from_db()
    assert not checked.importable and checked.stored_as == ""
    summary = run_upload(imported.pk)
    imported.refresh_from_db()
    assert imported.status == Upload.Status.IMPORTED
    assert _counts(summary) == {
        "people.csv": (4, 0, 0),
        "incidents.csv": (4, 0, 0),
        "involvements.csv": (7, 0, 0),
    }
    assert Person.objects.count() == 4
    assert imported.stored_as == imported.mapping_stored_as == ""
    assert list(folder.iterdir()) == [], "the files are deleted once the import is done"
    done = AuditEvent.objects.filter(action="interchange.upload_done").order_by("id")
    assert [e.changes["status"] for e in done] == ["checked", "imported"]

    again = run_upload(_mapped(manager).pk)
    assert _counts(again) == {
        "people.csv": (0, 0, 4),
        "incidents.csv": (0, 0, 4),
        "involvements.csv": (0, 0, 7),
    }
    assert again["status"] == "imported"
    # Run twice (a job retried): the second run does nothing and answers the same.
    assert run_upload(imported.pk) == summary


def test_a_bad_line_is_named_after_the_uploaded_file_and_nothing_is_written(program, make_user, folder) -> None:
    manager = make_user("manager")
    before = table_counts()
    upload = _mapped(manager, _bad_export())
    summary = run_upload(upload.pk)
    upload.refresh_from_db()
    assert summary["status"] == upload.status == Upload.Status.INVALID
    assert summary["problem_count"] == 1
    assert [str(p) for p in problems_of(upload)] == [
        "apd-november.csv:3: DOB: '31/01/1999' is not a date in the format '%m/%d/%Y'"
    ]
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 2  # the upload, its end
    assert after == before
    assert list(folder.iterdir()) == [], "a file with problems is not kept"


def test_a_bad_mapping_is_named_after_the_uploaded_mapping(program, make_user) -> None:
    bad = MAPPING.replace(b'first_name = "FIRST_NAME"', b'first_nam = "FIRST_NAME"')
    upload = _mapped(make_user("manager"), mapping=bad, save_mapping_as="APD")
    run_upload(upload.pk)
    upload.refresh_from_db()
    problems = [str(p) for p in problems_of(upload)]
    assert problems[0] == "apd.toml:48: people.first_name: required: say which source column gives it"
    assert problems[1].startswith("apd.toml:50: people.first_nam: not a field"), problems
    assert not Person.objects.exists()
    assert not SavedMapping.objects.exists(), "a mapping with problems is not saved"


def test_a_mapping_saved_once_reads_next_months_export(program, make_user) -> None:
    manager = make_user("manager")
    first = _mapped(manager, dry_run=True, save_mapping_as="APD records system")
    assert run_upload(first.pk)["saved_mapping"] == "APD records system"
    saved = SavedMapping.objects.get()
    assert saved.text.encode() == MAPPING and saved.file_name == "apd.toml" and saved.saved_by == manager
    assert AuditEvent.objects.filter(action="interchange.mapping_save").count() == 1
    later = _mapped(manager, mapping=None, saved_mapping=saved)
    assert later.mapping_name == "apd.toml" and later.mapping_stored_as == ""
    assert run_upload(later.pk)["status"] == "imported"
    assert Person.objects.count() == 4
    assert list(saved_mappings_for(manager)) == [saved]


def test_a_bundle_upload_names_its_members(program, make_user) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name,date_of_birth\nP1,Ana,García,2001-02-30\n")
    upload = upload_create(
        actor=make_user("manager"), kind=Upload.Kind.BUNDLE, file=_file(buffer.getvalue(), "city.zip"), dry_run=False
    )
    run_upload(upload.pk)
    upload.refresh_from_db()
    assert [str(p) for p in problems_of(upload)] == [
        "people.csv:2: date_of_birth: '2001-02-30' is not a real calendar date"
    ]
    junk = upload_create(
        actor=make_user("manager"), kind=Upload.Kind.BUNDLE, file=_file(b"%PDF-1.4", "city.zip"), dry_run=True
    )
    run_upload(junk.pk)
    junk.refresh_from_db()
    assert [p.file for p in problems_of(junk)] == ["city.zip"]  # never the kept file's random name


def test_only_managers_upload_and_read_uploads(program, make_user) -> None:
    manager = make_user("manager")
    upload = _mapped(manager, dry_run=True)
    for role in ("peer", "police", "analyst", "admin", "integration"):
        user = make_user(role)
        with pytest.raises(PermissionDenied):
            _mapped(user)
        with pytest.raises(PermissionDenied):
            uploads_for(user)
        with pytest.raises(PermissionDenied):
            saved_mappings_for(user)
    assert list(uploads_for(make_user("manager"))) == [upload]  # every manager sees the program's uploads
    assert Upload.objects.count() == 1


def test_refused_names_and_kinds(program, make_user) -> None:
    manager = make_user("manager")
    with pytest.raises(UploadRefused, match=r"expected a file ending in \.csv"):
        upload_create(actor=manager, kind=Upload.Kind.MAPPED, file=_file(EXPORT, "export.exe"), dry_run=True)
    with pytest.raises(UploadRefused, match="either a mapping file or a saved mapping"):
        _mapped(manager, mapping=None)
    with pytest.raises(UploadRefused, match=r"ending in \.toml"):
        upload_create(
            actor=manager,
            kind=Upload.Kind.MAPPED,
            file=_file(EXPORT, "e.csv"),
            dry_run=True,
            mapping_file=_file(MAPPING, "m.json"),
        )
    with pytest.raises(UploadRefused, match="no name"):
        upload_create(actor=manager, kind=Upload.Kind.BUNDLE, file=Nameless(), dry_run=True)
    assert not Upload.objects.exists()


def test_an_invalid_check_cannot_be_imported(program, make_user) -> None:
    manager = make_user("manager")
    upload = _mapped(manager, _bad_export(), dry_run=True)
    run_upload(upload.pk)
    upload.refresh_from_db()
    with pytest.raises(UploadRefused):
        upload_import(actor=manager, upload=upload)


def test_files_are_purged_after_the_configured_hours(program, make_user, folder: Path, settings) -> None:
    settings.VIP_UPLOAD_KEEP_HOURS = 2
    manager = make_user("manager")
    old = _mapped(manager, dry_run=True)
    fresh = _mapped(manager, dry_run=True)
    Upload.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - dt.timedelta(hours=3))
    stray = folder / "left-by-a-stopped-process.csv"
    stray.write_bytes(b"x")
    import os

    three_hours_ago = (timezone.now() - dt.timedelta(hours=3)).timestamp()
    os.utime(stray, (three_hours_ago, three_hours_ago))
    assert uploads_purge() == 3  # the old export, its mapping, the stray file
    old.refresh_from_db()
    assert old.status == Upload.Status.EXPIRED and old.stored_as == "" and old.mapping_stored_as == ""
    assert sorted(p.name for p in folder.iterdir()) == sorted([fresh.stored_as, fresh.mapping_stored_as])
    assert AuditEvent.objects.get(action="interchange.upload_purge").changes["uploads"] == [old.pk]
    assert run_upload(old.pk)["status"] == "expired"  # a job that comes too late does nothing


def test_a_workbook_is_read_under_its_own_name(program, make_user, tmp_path: Path) -> None:
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Involvements"
    for row in csv.reader(io.StringIO(EXPORT.decode())):
        sheet.append(row)
    sheet.cell(row=3, column=10, value="31/01/1999")  # DOB of line 3
    buffer = io.BytesIO()
    book.save(buffer)
    upload = upload_create(
        actor=make_user("manager"),
        kind=Upload.Kind.MAPPED,
        file=_file(buffer.getvalue(), "apd-november.xlsx"),
        dry_run=True,
        mapping_file=_file(MAPPING, "apd.toml"),
    )
    assert upload.stored_as.endswith(".xlsx")
    run_upload(upload.pk)
    upload.refresh_from_db()
    assert [str(p) for p in problems_of(upload)] == [
        "apd-november.xlsx[Involvements]:3: DOB: '31/01/1999' is not a date in the format '%m/%d/%Y'"
    ]

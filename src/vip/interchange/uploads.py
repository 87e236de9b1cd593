"""Imports uploaded in the browser: keep the file safely, check or import it, record how it went.

The Data page hands a manager's file (a bundle, or a records system's export with its mapping)
to ``upload_create``, which streams it into a private folder (``VIP_UPLOAD_DIR``: 0700, under
the data directory, never under static or media files) under a random name with 0600
permissions, and records an ``Upload`` (who, when, the file's name, size and SHA-256). Nothing
here logs a file's name or content.

``run_upload(upload_id, progress=...)`` does the work: it runs the importer the command line
runs (``bundle_import`` or ``mapped_import``) as the account that uploaded, records the result
and the first problems on the upload, and returns a summary (a plain, JSON-able dict). It takes
only the upload's id so that it can run off the request path, in a worker; the page calls it
inline until the task queue takes it over (``vip.interchange.views._start``).

A file is deleted as soon as the work on it is done, except after a check that found no
problem: that file is kept so the manager can import it as it is (``upload_import``), until
``uploads_purge`` deletes it ``VIP_UPLOAD_KEEP_HOURS`` after the upload (with anything else
left in the folder that long).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from vip.accounts.models import User
from vip.audit.services import Actor, audit_record
from vip.core.access import require, selects, visible
from vip.interchange.mapped import MappedImportResult, mapped_import
from vip.interchange.models import SavedMapping, Upload
from vip.interchange.reader import Problem
from vip.interchange.services import MAX_PROBLEMS_KEPT, ImportResult, ProgressFn, bundle_import

CHUNK = 1 << 20
DATA_SUFFIXES = {Upload.Kind.BUNDLE: {".zip"}, Upload.Kind.MAPPED: {".csv", ".txt", ".xlsx", ".xlsm"}}
MAPPING_SUFFIXES = {".toml"}


class UploadedFile(Protocol):
    """What Django's uploaded files offer (and what a test's stand-in needs)."""

    name: str | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


class UploadRefused(ValueError):  # noqa: N818 -- a refusal the page shows, not a failure
    """The upload cannot be taken (its name or its kind); the message says why."""


def upload_dir() -> Path:
    """The private folder of uploaded files (made on first use, readable by the program only)."""
    folder = Path(settings.VIP_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _safe_name(name: str | None) -> str:
    """The file's own name, as the browser gave it (no folders, nothing unprintable)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:255]
    if base in {"", ".", ".."}:
        raise UploadRefused("the file has no name")
    return base


def _keep(file: UploadedFile, suffix: str) -> tuple[str, int, str]:
    """Stream the file into the private folder under a random name: (that name, size, SHA-256)."""
    stored = secrets.token_hex(16) + suffix
    path = upload_dir() / stored
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in file.chunks(CHUNK):
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return stored, size, digest.hexdigest()


def _delete(*stored: str) -> None:
    for name in stored:
        if name:
            (upload_dir() / name).unlink(missing_ok=True)


def upload_create(
    *,
    actor: Actor,
    kind: str,
    file: UploadedFile,
    dry_run: bool,
    mapping_file: UploadedFile | None = None,
    saved_mapping: SavedMapping | None = None,
    save_mapping_as: str = "",
) -> Upload:
    """Keep an uploaded file (and its uploaded mapping) and record the upload, audited."""
    require(actor, "interchange.upload")
    require(actor, "interchange.import" if kind == Upload.Kind.BUNDLE else "interchange.import_mapped")
    uploads_purge()
    name = _safe_name(file.name)
    suffix = Path(name).suffix.lower()
    if suffix not in DATA_SUFFIXES[Upload.Kind(kind)]:
        wanted = ", ".join(sorted(DATA_SUFFIXES[Upload.Kind(kind)]))
        raise UploadRefused(f"{name}: expected a file ending in {wanted}")
    mapping_name = ""
    if kind == Upload.Kind.MAPPED:
        if (mapping_file is None) == (saved_mapping is None):
            raise UploadRefused("give either a mapping file or a saved mapping")
        if mapping_file is not None:
            mapping_name = _safe_name(mapping_file.name)
            if Path(mapping_name).suffix.lower() not in MAPPING_SUFFIXES:
                raise UploadRefused(f"{mapping_name}: expected a mapping file ending in .toml")
        else:
            assert saved_mapping is not None
            mapping_name = saved_mapping.file_name
    if save_mapping_as:
        require(actor, "interchange.mapping_save")
    stored, size, sha = _keep(file, suffix)
    mapping_stored, mapping_sha = "", ""
    try:
        if mapping_file is not None:
            mapping_stored, _size, mapping_sha = _keep(mapping_file, ".toml")
        elif saved_mapping is not None:
            mapping_sha = saved_mapping.sha256
        with transaction.atomic():
            upload = Upload.objects.create(
                kind=kind,
                uploaded_by=actor if isinstance(actor, User) else None,
                uploaded_at=timezone.now(),
                file_name=name,
                size=size,
                sha256=sha,
                stored_as=stored,
                mapping_name=mapping_name,
                mapping_sha256=mapping_sha,
                mapping_stored_as=mapping_stored,
                saved_mapping=saved_mapping,
                save_mapping_as=save_mapping_as.strip() if mapping_file is not None else "",
                dry_run=dry_run,
            )
            audit_record(actor=actor, action="interchange.upload", target=upload, changes=_described(upload))
    except BaseException:
        _delete(stored, mapping_stored)
        raise
    return upload


def _described(upload: Upload) -> dict[str, Any]:
    """What the audit says of an upload: never its content, never the kept file's random name."""
    return {
        "kind": upload.kind,
        "file_name": upload.file_name,
        "size": upload.size,
        "sha256": upload.sha256,
        "mapping": upload.mapping_name,
        "mapping_sha256": upload.mapping_sha256,
        "saved_mapping": upload.saved_mapping.name if upload.saved_mapping else "",
        "dry_run": upload.dry_run,
    }


def upload_import(*, actor: Actor, upload: Upload) -> Upload:
    """Import, as it is, a file a check found without problem: a new upload takes over its file."""
    require(actor, "interchange.upload")
    require(actor, "interchange.import" if upload.kind == Upload.Kind.BUNDLE else "interchange.import_mapped")
    with transaction.atomic():
        checked = Upload.objects.select_for_update().get(pk=upload.pk)
        if not checked.importable:
            raise UploadRefused("this upload cannot be imported as it is: upload the file again")
        again = Upload.objects.create(
            kind=checked.kind,
            uploaded_by=actor if isinstance(actor, User) else None,
            uploaded_at=timezone.now(),
            file_name=checked.file_name,
            size=checked.size,
            sha256=checked.sha256,
            stored_as=checked.stored_as,
            mapping_name=checked.mapping_name,
            mapping_sha256=checked.mapping_sha256,
            mapping_stored_as=checked.mapping_stored_as,
            saved_mapping=checked.saved_mapping,
            dry_run=False,
        )
        Upload.objects.filter(pk=checked.pk).update(stored_as="", mapping_stored_as="")
        audit_record(
            actor=actor,
            action="interchange.upload",
            target=again,
            changes={**_described(again), "checked_upload": checked.pk},
        )
    return again


def mapping_save(*, actor: Actor, name: str, text: str, file_name: str) -> SavedMapping:
    """Keep a mapping file by name (replacing the one of that name), audited."""
    require(actor, "interchange.mapping_save")
    name = name.strip()
    if not name:
        raise UploadRefused("a saved mapping needs a name")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with transaction.atomic():
        saved, created = SavedMapping.objects.update_or_create(
            name=name,
            defaults={
                "text": text,
                "file_name": file_name,
                "sha256": sha,
                "saved_at": timezone.now(),
                "saved_by": actor if isinstance(actor, User) else None,
            },
        )
        audit_record(
            actor=actor,
            action="interchange.mapping_save",
            target=saved,
            changes={"name": name, "file_name": file_name, "sha256": sha, "replaced": not created},
        )
    return saved


# --------------------------------------------------------------------------- reads


@selects(Upload)
def uploads_for(user: Any) -> QuerySet[Upload]:
    """The uploads the policy lets ``user`` read (refuses a role that reads none), newest first."""
    return visible(Upload.objects.select_related("uploaded_by"), user).order_by("-uploaded_at", "-id")


@selects(SavedMapping)
def saved_mappings_for(user: Any) -> QuerySet[SavedMapping]:
    return visible(SavedMapping.objects.all(), user).order_by("name")


# --------------------------------------------------------------------------- the work


def run_upload(upload_id: int, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Check or import an upload (the task's body): as the account that uploaded it.

    ``progress(phase, bytes_done, total_bytes)`` is the importer's own progress callback.
    Returns the upload's summary: its id, status, lines read, problem count and the counts per
    file (``created``/``updated``/``unchanged``...). The problems themselves (they may quote the
    police export) stay on the upload, which only managers read.
    """
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update(of=("self",))
            .select_related("uploaded_by", "saved_mapping")
            .get(pk=upload_id)
        )
        if upload.status != Upload.Status.RECEIVED:
            return summary(upload)
        upload.status = Upload.Status.RUNNING
        upload.save(update_fields=["status"])
    actor: Actor = upload.uploaded_by
    try:
        outcome = _run(upload, actor, progress)
    except BaseException:
        _finish(upload, actor, Upload.Status.FAILED, {"error": "the import stopped unexpectedly"}, [], keep=False)
        raise
    status, result, problems, mapping_text = outcome
    kept = status == Upload.Status.CHECKED
    if (
        mapping_text is not None
        and upload.save_mapping_as
        and not any(p.file == upload.mapping_name for p in problems)
        and status in {Upload.Status.CHECKED, Upload.Status.IMPORTED}
    ):
        saved = mapping_save(actor=actor, name=upload.save_mapping_as, text=mapping_text, file_name=upload.mapping_name)
        result["saved_mapping"] = saved.name
    _finish(upload, actor, status, result, problems, keep=kept)
    return summary(upload)


def _run(
    upload: Upload, actor: Actor, progress: ProgressFn | None
) -> tuple[str, dict[str, Any], list[Problem], str | None]:
    """Run the importer on the kept file, seen under its own name (so every problem names the
    file the manager uploaded): (status, result, problems, the mapping's text)."""
    folder = upload_dir()
    mapping_text: str | None = None
    imported: ImportResult | MappedImportResult
    with tempfile.TemporaryDirectory(prefix="run-", dir=folder) as tmp:
        run = Path(tmp)
        source = run / upload.file_name
        source.symlink_to(folder / upload.stored_as)
        if upload.kind == Upload.Kind.BUNDLE:
            imported = bundle_import(
                actor=actor, path=source, dry_run=upload.dry_run, progress=progress, label=upload.file_name
            )
            lines = sum(c.read for c in imported.counts.values())
        else:
            (run / "mapping").mkdir(mode=0o700)
            mapping = run / "mapping" / upload.mapping_name
            if upload.mapping_stored_as:
                mapping_text = (folder / upload.mapping_stored_as).read_text(encoding="utf-8", errors="replace")
                mapping.symlink_to(folder / upload.mapping_stored_as)
            else:
                assert upload.saved_mapping is not None
                mapping.write_text(upload.saved_mapping.text, encoding="utf-8")
            imported = mapped_import(
                actor=actor, path=source, mapping_path=mapping, dry_run=upload.dry_run, progress=progress
            )
            lines = imported.lines
    problems = list(imported.problems)
    if imported.written:
        status = Upload.Status.IMPORTED
    elif imported.problem_count:
        status = Upload.Status.INVALID
    else:
        status = Upload.Status.CHECKED
    summary_ = {
        "lines": lines,
        "problem_count": imported.problem_count,
        "written": imported.written,
        "counts": {name: vars(c) for name, c in imported.counts.items()},
    }
    return status, summary_, problems, mapping_text


def _finish(
    upload: Upload, actor: Actor, status: str, result: dict[str, Any], problems: list[Problem], *, keep: bool
) -> None:
    upload.status = status
    upload.finished_at = timezone.now()
    upload.result = result
    upload.problems = [[p.file, p.line, p.column, p.message] for p in problems[:MAX_PROBLEMS_KEPT]]
    stored = (upload.stored_as, upload.mapping_stored_as)
    if not keep:
        upload.stored_as = upload.mapping_stored_as = ""
    with transaction.atomic():
        upload.save(update_fields=["status", "finished_at", "result", "problems", "stored_as", "mapping_stored_as"])
        audit_record(
            actor=actor,
            action="interchange.upload_done",
            target=upload,
            changes={
                "status": status,
                "problem_count": result.get("problem_count", 0),
                "counts": result.get("counts", {}),
                "file_kept": keep,
            },
        )
    if not keep:
        _delete(*stored)


def summary(upload: Upload) -> dict[str, Any]:
    """The JSON-able outcome of an upload (what a job records as its result)."""
    return {
        "upload": upload.pk,
        "kind": upload.kind,
        "dry_run": upload.dry_run,
        "status": upload.status,
        **upload.result,
    }


def problems_of(upload: Upload) -> list[Problem]:
    return [Problem(*row) for row in upload.problems]


# --------------------------------------------------------------------------- the clean-up


def uploads_purge(now: dt.datetime | None = None) -> int:
    """Delete the kept files older than ``VIP_UPLOAD_KEEP_HOURS`` (and anything else left that
    long in the folder); uploads never finished are marked expired. Returns the files deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.VIP_UPLOAD_KEEP_HOURS)
    folder = upload_dir()
    stale = list(Upload.objects.filter(uploaded_at__lt=cutoff).exclude(stored_as="", mapping_stored_as=""))
    names: list[str] = []
    if stale:
        with transaction.atomic():
            for upload in stale:
                names += [upload.stored_as, upload.mapping_stored_as]
                if not upload.finished:
                    upload.status = Upload.Status.EXPIRED
                    upload.finished_at = now
                upload.stored_as = upload.mapping_stored_as = ""
                upload.save(update_fields=["status", "finished_at", "stored_as", "mapping_stored_as"])
            audit_record(
                actor=None,
                action="interchange.upload_purge",
                object_type="interchange.upload",
                changes={"uploads": [u.pk for u in stale], "older_than_hours": settings.VIP_UPLOAD_KEEP_HOURS},
            )
    deleted = 0
    for name in names:
        if name and (folder / name).exists():
            (folder / name).unlink(missing_ok=True)
            deleted += 1
    # Whatever else is that old (a file whose upload never got recorded, a run's folder left by a
    # stopped process): nothing in the folder outlives the limit.
    kept = set(Upload.objects.exclude(stored_as="").values_list("stored_as", flat=True))
    kept |= set(Upload.objects.exclude(mapping_stored_as="").values_list("mapping_stored_as", flat=True))
    for path in list(folder.iterdir()):
        try:
            old = dt.datetime.fromtimestamp(path.lstat().st_mtime, tz=dt.UTC) < cutoff
        except FileNotFoundError:
            continue
        if old and path.name not in kept:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            deleted += 1
    return deleted

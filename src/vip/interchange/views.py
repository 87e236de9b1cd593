"""The Data page: imports uploaded in the browser (a bundle, or a records system's export with its
mapping), each checked first and reported as ``file:line: column: message``; and the export.

An upload is kept and recorded (``vip.interchange.uploads.upload_create``), then its work is
started in one place, ``_start``: inline today, a job of the task queue tomorrow. The pages show
an upload's status, its counts and its problems, a page of them at a time.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vip.accounts.models import User
from vip.audit.reads import record_or_404
from vip.core.access import can_some, require_some
from vip.core.paging import paginate
from vip.interchange.deidentified import PREFIX as DEIDENTIFIED_PREFIX
from vip.interchange.export import bundle_export
from vip.interchange.field_files import FIELD_FILES_BY_NAME
from vip.interchange.models import SavedMapping, Upload
from vip.interchange.reader import Problem
from vip.interchange.schema import FILES_BY_NAME
from vip.interchange.uploads import (
    UploadRefused,
    problems_of,
    saved_mappings_for,
    upload_create,
    upload_import,
    uploads_for,
)
from vip.jobs.models import Job
from vip.jobs.selectors import job_list
from vip.jobs.services import job_enqueue

PROBLEMS_PER_PAGE = 50


class ImportForm(forms.Form):
    bundle = forms.FileField(label=_("Bundle (.zip of CSV files)"))
    dry_run = forms.BooleanField(label=_("Check only: write nothing"), required=False)


class MappedForm(forms.Form):
    source = forms.FileField(label=_("Records system's export (.csv or .xlsx)"))
    saved_mapping = forms.ModelChoiceField(
        label=_("A saved mapping"),
        queryset=SavedMapping.objects.none(),
        required=False,
        empty_label=_("(none: upload the mapping file)"),
    )
    mapping = forms.FileField(label=_("or the mapping file (.toml)"), required=False)
    save_as = forms.CharField(
        label=_("Save the uploaded mapping as (optional)"),
        max_length=100,
        required=False,
        help_text=_("Kept under this name once it reads without a problem, for next month's export."),
    )
    dry_run = forms.BooleanField(label=_("Check only: write nothing"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["saved_mapping"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = saved_mappings_for(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("mapping")) == bool(data.get("saved_mapping")):
            raise forms.ValidationError(gettext("Choose a saved mapping or upload a mapping file (one of the two)."))
        if data.get("save_as") and not data.get("mapping"):
            self.add_error("save_as", gettext("Only an uploaded mapping file can be saved."))
        return data


@dataclass
class Shown:
    """An upload as a page shows it: its status, counts, and one page of its problems."""

    upload: Upload
    problems: list[Problem]
    page: Page
    job: Job | None = None  # while the upload waits for the worker or is being read: its job

    @property
    def pending(self) -> bool:
        return self.upload.status in {Upload.Status.RECEIVED, Upload.Status.RUNNING}

    @property
    def problem_count(self) -> int:
        return int(self.upload.result.get("problem_count", len(self.problems)))

    @property
    def more(self) -> int:
        """Problems found beyond those kept (the first 1,000)."""
        return max(self.problem_count - len(self.problems), 0)

    @property
    def written(self) -> bool:
        return self.upload.status == Upload.Status.IMPORTED

    @property
    def valid(self) -> bool:
        return self.upload.status in {Upload.Status.CHECKED, Upload.Status.IMPORTED}

    @property
    def counts(self) -> list[dict[str, Any]]:
        rows = []
        for name, c in self.upload.result.get("counts", {}).items():
            field_file = FIELD_FILES_BY_NAME.get(name)  # format 2's files name their records too
            spec = FILES_BY_NAME.get(name) or (field_file.spec if field_file else None)
            kind = capfirst(str(spec.model._meta.verbose_name_plural)) if spec else name
            rows.append({"kind": kind, "file": name, **c})
        return rows


def _shown(request: HttpRequest, upload: Upload) -> Shown:
    problems = problems_of(upload)
    job = None
    if upload.status in {Upload.Status.RECEIVED, Upload.Status.RUNNING}:
        job = job_list(user=_user(request)).filter(kind="interchange.upload", params__upload=upload.pk).first()
    return Shown(upload, problems, paginate(request, problems, per_page=PROBLEMS_PER_PAGE), job)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _start(upload: Upload, user: User) -> None:
    """The one place the work on an upload starts: a job of the task queue (`vip worker` runs it;
    the page follows its progress). ``run_upload`` is the job's body."""
    job_enqueue(actor=user, kind="interchange.upload", params={"upload": upload.pk})


def _too_large(form: forms.Form, field: str) -> bool:
    upload = form.cleaned_data[field]
    if upload is not None and upload.size > settings.VIP_UPLOAD_MAX_BYTES:
        form.add_error(field, gettext("The file is larger than 500 MB: import it with `vip import`."))
        return True
    return False


@never_cache
def data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_import = can_some(user, "interchange.import")
    can_export = can_some(user, "interchange.export")
    if not (can_import or can_export):
        raise PermissionDenied(gettext("Your role neither imports nor exports program data."))
    form = ImportForm(request.POST or None, request.FILES or None)
    shown = None
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied(gettext("Only program managers import bundles."))
        require_some(user, "interchange.upload")
        if form.is_valid() and not _too_large(form, "bundle"):
            try:
                upload = upload_create(
                    actor=user,
                    kind=Upload.Kind.BUNDLE,
                    file=form.cleaned_data["bundle"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except UploadRefused as exc:
                form.add_error("bundle", str(exc))
            else:
                _start(upload, user)
                upload.refresh_from_db()
                shown = _shown(request, upload)
    return render(
        request,
        "interchange/data.html",
        {
            "form": form,
            "result": shown,
            "can_import": can_import,
            "can_export": can_export,
            "can_upload": can_some(user, "interchange.upload"),
        },
    )


@never_cache
def mapped(request: HttpRequest) -> HttpResponse:
    """Upload a records system's export with its mapping: check, fix, upload again, import."""
    user = _user(request)
    require_some(user, "interchange.upload")
    require_some(user, "interchange.import_mapped")
    form = MappedForm(request.POST or None, request.FILES or None, user=user)
    shown = None
    if request.method == "POST" and form.is_valid() and not _too_large(form, "source"):
        try:
            upload = upload_create(
                actor=user,
                kind=Upload.Kind.MAPPED,
                file=form.cleaned_data["source"],
                dry_run=form.cleaned_data["dry_run"],
                mapping_file=form.cleaned_data["mapping"],
                saved_mapping=form.cleaned_data["saved_mapping"],
                save_mapping_as=form.cleaned_data["save_as"],
            )
        except UploadRefused as exc:
            form.add_error(None, str(exc))
        else:
            _start(upload, user)
            upload.refresh_from_db()
            shown = _shown(request, upload)
    return render(request, "interchange/mapped.html", {"form": form, "result": shown})


@never_cache
def uploads(request: HttpRequest) -> HttpResponse:
    """The uploads the policy lets the user read, newest first."""
    require_some(_user(request), "interchange.upload")
    page = paginate(request, uploads_for(_user(request)))
    return render(request, "interchange/uploads.html", {"page": page})


@never_cache
def upload(request: HttpRequest, upload_id: int) -> HttpResponse:
    """One upload: its status, counts and problems (a page of them at a time)."""
    require_some(_user(request), "interchange.upload")
    found = record_or_404(request, uploads_for, upload_id)
    return render(request, "interchange/upload.html", {"result": _shown(request, found)})


@require_POST
def upload_again(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Import, as it is, an upload whose check found no problem."""
    user = _user(request)
    require_some(user, "interchange.upload")
    checked = record_or_404(request, uploads_for, upload_id)
    try:
        again = upload_import(actor=user, upload=checked)
    except UploadRefused as exc:
        return render(
            request, "interchange/upload.html", {"result": _shown(request, checked), "refused": str(exc)}, status=409
        )
    _start(again, user)
    return redirect("data:upload", upload_id=again.pk)


@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """The bundle as the signed-in user may see it, as a .zip."""
    user = _user(request)
    with tempfile.TemporaryDirectory(prefix="vip-export-") as tmp:
        bundle_export(actor=user, out_dir=Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, arcname=path.name)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    # The analyst's zip is the de-identified export, not a bundle: its name says so.
    kind = "deidentified" if any(p.startswith(DEIDENTIFIED_PREFIX) for p in archive.namelist()) else "export"
    response["Content-Disposition"] = f'attachment; filename="vip-{kind}-{stamp}.zip"'
    return response

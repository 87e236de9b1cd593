"""The data screen: import a bundle (with a clear validation report) and export one."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vip.accounts.models import User
from vip.core.access import can_some
from vip.interchange.deidentified import PREFIX as DEIDENTIFIED_PREFIX
from vip.interchange.export import bundle_export
from vip.interchange.services import bundle_import


class ImportForm(forms.Form):
    bundle = forms.FileField(label=_("Bundle (.zip of CSV files)"))
    dry_run = forms.BooleanField(label=_("Check only: write nothing"), required=False)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
def data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_import = can_some(user, "interchange.import")
    can_export = can_some(user, "interchange.export")
    if not (can_import or can_export):
        raise PermissionDenied(gettext("Your role neither imports nor exports program data."))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied(gettext("Only program managers import bundles."))
        if form.is_valid():
            upload = form.cleaned_data["bundle"]
            # Streamed to a temporary file (FILE_UPLOAD_HANDLERS), never held in memory.
            if upload.size > settings.VIP_UPLOAD_MAX_BYTES:
                form.add_error("bundle", gettext("The file is larger than 500 MB: import it with `vip import`."))
            else:
                with tempfile.TemporaryDirectory(prefix="vip-upload-") as tmp:
                    path = Path(tmp) / "bundle.zip"
                    with open(path, "wb") as handle:
                        for chunk in upload.chunks():
                            handle.write(chunk)
                    result = bundle_import(actor=user, path=path, dry_run=form.cleaned_data["dry_run"])
    return render(
        request,
        "interchange/data.html",
        {"form": form, "result": result, "can_import": can_import, "can_export": can_export},
    )


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

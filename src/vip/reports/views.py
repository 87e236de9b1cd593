"""The reports pages: for staff (generate, view, download, runs and restatements), and
for the public (the latest published public report of each month, no sign-in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vip.accounts.models import User
from vip.audit.reads import record_or_404
from vip.core.access import can_some
from vip.reports.forms import GenerateForm
from vip.reports.models import ReportFile
from vip.reports.selectors import public_file, public_runs, run_file, run_list
from vip.reports.services import latest_complete_month, report_generate, report_publish

DOWNLOADS = ("pdf", "xlsx", "csv", "json", "html")
# The audience as a word in a sentence ("Generated the report for 2022-11 (official).").
AUDIENCE_WORDS = {
    "official": pgettext_lazy("report audience", "official"),
    "public": pgettext_lazy("report audience", "public"),
}


# Content-Security-Policy of a stored edition shown in the browser (security row 21). The HTML
# edition is a document, not a page of the application: it may style itself (the inline
# <style> kept in the stored file, which no per-request nonce can reach) but runs nothing,
# loads nothing and, sandboxed, has no origin. The PDF keeps the browser's PDF viewer working
# (it needs plugins, so no object-src/default-src and no sandbox); it is never framed either.
DOCUMENT_POLICIES: dict[str, dict[str, list[str | bool]]] = {
    "html": {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
        "sandbox": [True],
    },
    "pdf": {
        "script-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}


def _file_response(item: ReportFile, inline: bool) -> HttpResponse:
    response = HttpResponse(bytes(item.content), content_type=item.content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{item.filename}"'
    policy = DOCUMENT_POLICIES.get(item.format)
    if policy is not None:
        response._csp_config = policy  # type: ignore[attr-defined]  # read by csp.middleware
    return response


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    runs = run_list(user=user).prefetch_related("files")[:100]
    can_generate = can_some(user, "report.generate")
    form = GenerateForm(initial={"month": str(latest_complete_month()), "audience": "official"})
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied(_("Your role does not generate reports."))
        form = GenerateForm(request.POST)
        if form.is_valid():
            try:
                run = report_generate(
                    actor=user,
                    month=form.cleaned_data["month"],
                    audience=form.cleaned_data["audience"],
                    publish=form.cleaned_data["publish"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Generated the report for %(month)s (%(audience)s).")
                    % {"month": run.month, "audience": AUDIENCE_WORDS.get(run.audience, run.audience)},
                )
                return redirect("reports:run", run_id=run.pk)
    return render(
        request,
        "reports/index.html",
        {"runs": runs, "form": form, "can_generate": can_generate, "can_publish": can_some(user, "report.publish")},
    )


@never_cache
@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = record_or_404(request, run_list, run_id, audit=False)  # aggregates: nothing person-level to audit
    return render(
        request,
        "reports/run.html",
        {
            "run": run,
            "files": run.files.only("format", "filename", "size", "sha256"),
            "can_publish": can_some(_user(request), "report.publish") and not run.published,
        },
    )


@never_cache
@login_required
@require_POST
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = record_or_404(request, run_list, run_id, audit=False)
    try:
        report_publish(actor=_user(request), run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Published the report for %(month)s (%(audience)s).")
            % {"month": run.month, "audience": AUDIENCE_WORDS.get(run.audience, run.audience)},
        )
    return redirect("reports:run", run_id=run.pk)


@never_cache
@login_required
@require_GET
def run_download(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOADS:
        raise Http404
    try:
        item = run_file(user=_user(request), run_id=run_id, fmt=fmt)
    except ReportFile.DoesNotExist:
        raise Http404 from None
    return _file_response(item, inline=fmt in {"html", "pdf"})


@login_not_required
@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    runs = public_runs().prefetch_related("files")
    return render(request, "reports/public_index.html", {"runs": runs})


@login_not_required
@require_GET
def public_report(request: HttpRequest, month: str, fmt: str = "html") -> HttpResponse:
    if fmt not in DOWNLOADS:
        raise Http404
    try:
        item = public_file(month=month, fmt=fmt)
    except ReportFile.DoesNotExist:
        raise Http404 from None
    return _file_response(item, inline=fmt in {"html", "pdf"})

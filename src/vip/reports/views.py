"""The reports pages: for staff (generate, view, download, runs and restatements), and
for the public (the latest published public report of each month, no sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vip.accounts.models import User
from vip.audit.reads import record_or_404
from vip.core.access import can_some, require
from vip.core.dates import Month
from vip.jobs.services import job_enqueue
from vip.reports.editions import CHARTS, chart_svg, edition, month_date
from vip.reports.forms import GenerateForm, PublishForm
from vip.reports.models import ReportFile, ReportRun
from vip.reports.selectors import public_file, public_runs, run_file, run_list
from vip.reports.services import latest_complete_month, latest_published

DOWNLOADS = ("pdf", "xlsx", "csv", "json", "html")


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
            # Long work goes to the task queue (architecture rule 8): the page that follows polls
            # the job and links to the run when it is done.
            month, latest = form.cleaned_data["month"], latest_complete_month()
            if month > latest:  # refused at once, not after a trip through the queue
                form.add_error(
                    "month",
                    _("%(month)s has not ended yet; the latest complete month is %(latest)s.")
                    % {"month": month, "latest": latest},
                )
            else:
                job = job_enqueue(
                    actor=user,
                    kind="report.generate",
                    params={"month": str(month), "audience": form.cleaned_data["audience"]},
                )
                return redirect("jobs:job", job_id=job.pk)
    return render(
        request,
        "reports/index.html",
        {"runs": runs, "form": form, "can_generate": can_generate},
    )


def _publishable(user: User, run: ReportRun) -> bool:
    """Publishing is offered only where it has a public effect: a draft of the public edition.
    (An official run is never shown on the public site; publishing one would change nothing
    anyone can see.)"""
    return run.audience == ReportRun.Audience.PUBLIC and not run.published and can_some(user, "report.publish")


def _month_words(month: str) -> str:
    day = month_date(month)
    return date_format(day, "YEAR_MONTH_FORMAT") if day else month


def _chart_urls(run: ReportRun, formats: set[str], *, public: bool) -> dict[str, str]:
    if "html" not in formats:
        return {}
    if public:
        return {name: reverse("public:chart", args=[run.month, name]) for name in CHARTS}
    return {name: reverse("reports:chart", args=[run.pk, name]) for name in CHARTS}


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
            "month_words": _month_words(run.month),
            "files": run.files.only("format", "filename", "size", "sha256"),
            "can_publish": _publishable(_user(request), run),
        },
    )


@never_cache
@login_required
@require_GET
def run_preview(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run's edition as readers will see it: figures, charts, tables, withheld cells marked."""
    run = record_or_404(request, run_list, run_id, audit=False)
    numbers = ReportRun.objects.values_list("numbers", flat=True).get(pk=run.pk)
    formats = set(run.files.values_list("format", flat=True))
    month_words = _month_words(run.month)
    return render(
        request,
        "reports/preview.html",
        {
            "run": run,
            "month_words": month_words,
            "edition": edition(numbers, month_words, run.ledger_plan.get("withheld_for_history")),
            "charts": _chart_urls(run, formats, public=False),
            "can_publish": _publishable(_user(request), run),
        },
    )


@never_cache
@login_required
@require_GET
def run_chart(request: HttpRequest, run_id: int, name: str) -> HttpResponse:
    try:
        item = run_file(user=_user(request), run_id=run_id, fmt="html")
    except ReportFile.DoesNotExist:
        raise Http404 from None
    return _svg_response(item, name)


def _svg_response(item: ReportFile, name: str) -> HttpResponse:
    svg = chart_svg(bytes(item.content), name)
    if svg is None:
        raise Http404
    response = HttpResponse(svg, content_type="image/svg+xml")
    response._csp_config = DOCUMENT_POLICIES["html"]  # type: ignore[attr-defined]  # an image: runs nothing
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    """The confirmation page: what will become public (month, edition, public address, cells
    withheld); publishing needs the box ticked. Only a draft of the public edition is offered."""
    user = _user(request)
    run = record_or_404(request, run_list, run_id, audit=False)
    require(user, "report.publish")
    if not _publishable(user, run):
        messages.error(
            request,
            _("This run is already published; published runs never change.")
            if run.published
            else _("Only the public edition is published: an official run is never shown on the public site."),
        )
        return redirect("reports:run", run_id=run.pk)
    numbers = ReportRun.objects.values_list("numbers", flat=True).get(pk=run.pk)
    month_words = _month_words(run.month)
    shown = edition(numbers, month_words, run.ledger_plan.get("withheld_for_history"))
    form = PublishForm(request.POST) if request.method == "POST" else PublishForm()
    if request.method == "POST" and form.is_valid():
        job = job_enqueue(actor=user, kind="report.publish", params={"run": run.pk})
        return redirect("jobs:job", job_id=job.pk)
    return render(
        request,
        "reports/publish.html",
        {
            "run": run,
            "form": form,
            "month_words": month_words,
            "public_url": request.build_absolute_uri(reverse("public:report", args=[run.month])),
            "withheld": shown["withheld"],
            "withheld_for_history": shown["withheld_for_history"],
            "already_public": latest_published(Month.parse(run.month), run.audience),
        },
    )


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


def _public_run(month: str) -> ReportRun:
    run = public_runs().filter(month=month).first()
    if run is None:
        raise Http404
    return run


@login_not_required
@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    """The public site's landing page: the latest published month's headline figures and charts,
    then every published month."""
    runs = list(public_runs().prefetch_related("files"))
    for run in runs:
        run.month_words = _month_words(run.month)  # type: ignore[attr-defined]
    latest = runs[0] if runs else None
    context: dict[str, Any] = {"runs": runs, "latest": latest}
    if latest is not None:
        formats = {f.format for f in latest.files.all()}
        context["edition"] = edition(latest.numbers, latest.month_words)  # type: ignore[attr-defined]
        context["charts"] = _chart_urls(latest, formats, public=True)
    return render(request, "reports/public_index.html", context)


@login_not_required
@require_GET
def public_month(request: HttpRequest, month: str) -> HttpResponse:
    """One published month: a page of the site (header, the way back to all reports), its
    figures, charts and tables, and its downloads."""
    run = _public_run(month)
    files = list(run.files.only("format", "size"))
    month_words = _month_words(run.month)
    return render(
        request,
        "reports/public_report.html",
        {
            "run": run,
            "month_words": month_words,
            "files": [f for f in files if f.format in DOWNLOADS],
            "edition": edition(run.numbers, month_words),
            "charts": _chart_urls(run, {f.format for f in files}, public=True),
        },
    )


@login_not_required
@require_GET
def public_chart(request: HttpRequest, month: str, name: str) -> HttpResponse:
    try:
        item = public_file(month=month, fmt="html")
    except ReportFile.DoesNotExist:
        raise Http404 from None
    return _svg_response(item, name)


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

"""The evaluation's pages: the form that asks the task queue for one, the runs kept, and a run."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vip.accounts.models import User
from vip.audit.reads import record_or_404
from vip.core.access import can, require_some
from vip.core.config import program_config
from vip.core.dates import Month, local_date
from vip.evaluation import funders as funder_reports
from vip.evaluation.dataset import evaluator_dataset
from vip.evaluation.definitions import STATEMENT
from vip.evaluation.evaluate import default_as_of, public_day_problem, stored_evaluation
from vip.evaluation.forms import EvaluationForm, FunderForm
from vip.evaluation.render import DOCUMENT_TYPES, page_context, to_csv, to_html, to_pdf, to_xlsx
from vip.evaluation.selectors import evaluation_run_list
from vip.jobs.services import job_enqueue


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The analysis day (and audience); *Compute* asks the task queue for the evaluation and sends
    the browser to the job's page, which links to it when it is done. Below: the runs kept."""
    user = _user(request)
    require_some(user, "evaluation.public")
    exact_allowed = can(user, "evaluation.official")
    form = EvaluationForm(
        request.POST if request.method == "POST" else None,
        exact_allowed=exact_allowed,
        initial={"as_of": default_as_of(), "audience": "public"},
    )
    if request.method == "POST" and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        audience = form.cleaned_data.get("audience") or "public"
        if as_of > local_date(timezone.now(), program_config().zone):
            form.add_error("as_of", ValidationError(_("The evaluation reads what has happened: choose a past day.")))
        elif audience == "public" and as_of != Month.of(as_of).last_day:
            form.add_error(
                "as_of",
                ValidationError(
                    _(
                        "A public edition is as of the last day of a month, such as %(day)s: fixed days, so that "
                        "two editions are never a few days apart."
                    )
                    % {"day": Month.of(as_of).shift(-1).last_day}
                ),
            )
        elif audience == "public" and (problem := public_day_problem(user, as_of, program_config())):
            form.add_error("as_of", ValidationError(problem))
        else:
            job = job_enqueue(
                actor=user,
                kind="evaluation.run",
                params={"as_of": as_of.isoformat(), "audience": audience},
            )
            return redirect("jobs:job", job_id=job.pk)
    runs = evaluation_run_list(user=user).only("as_of", "audience", "requested_by_name", "created_at")[:20]
    return render(request, "evaluation/index.html", {"form": form, "runs": runs, "statement": STATEMENT})


def _result(request: HttpRequest, run_id: int, purpose: str) -> tuple[Any, dict[str, Any]]:
    """A kept run, for its requester (or a manager) only; refusals answer 404 and are audited,
    the read is audited with its format."""
    found = record_or_404(request, evaluation_run_list, run_id, action="evaluation.public", audit=False)
    return found, stored_evaluation(user=_user(request), run=found, purpose=purpose)


@never_cache
@require_GET
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    """Every figure of a kept evaluation, as computed, with its chart."""
    found, result = _result(request, run_id, "page")
    return render(request, "evaluation/run.html", {"run": found, **page_context(result)})


@never_cache
@require_GET
def run_document(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    """The run as a PDF document, a self-contained HTML document or an XLSX workbook."""
    if fmt not in DOCUMENT_TYPES:
        raise Http404
    found, result = _result(request, run_id, fmt)
    writers = {
        "pdf": lambda: to_pdf(found, result),
        "html": lambda: to_html(found, result).encode(),
        "xlsx": lambda: to_xlsx(result),
    }
    content = writers[fmt]()
    response = HttpResponse(content, content_type=DOCUMENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="evaluation-{found.as_of}-{found.audience}.{fmt}"'
    return response


@never_cache
@require_GET
def run_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """Every figure of the run, one a row."""
    found, result = _result(request, run_id, "csv")
    response = HttpResponse(to_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{found.as_of}-{found.audience}.csv"'
    return response


@never_cache
@require_GET
def run_dataset(request: HttpRequest, run_id: int) -> HttpResponse:
    """The evaluator's de-identified, person-level dataset as of the run's day (computed from the
    records as they are now; docs/evaluation.md). Its release is audited."""
    found = record_or_404(request, evaluation_run_list, run_id, action="evaluation.public", audit=False)
    content = evaluator_dataset(user=_user(request), as_of=found.as_of, purpose="download")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-dataset-{found.as_of}.csv"'
    return response


@never_cache
@require_GET
def run_json(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run as `vip evaluate` writes it (docs/evaluation.md)."""
    found, result = _result(request, run_id, "json")
    response = HttpResponse(json.dumps(result, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{found.as_of}-{found.audience}.json"'
    return response


FUNDER_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@never_cache
@require_GET
def funders(request: HttpRequest) -> HttpResponse:
    """A funder report: the template, the period and (managers) the audience; the figures on the
    page, or as CSV, JSON or XLSX with ``format``. Computed here: a few counts, no queue."""
    user = _user(request)
    require_some(user, "evaluation.public")
    exact_allowed = can(user, "evaluation.official")
    config = program_config()
    known = funder_reports.templates(config)
    cvipi = known["cvipi"]
    today = local_date(timezone.now(), config.zone)
    asked = "period" in request.GET
    form = FunderForm(
        request.GET if asked else None,
        exact_allowed=exact_allowed,
        templates=[(t.name, str(t.title)) for t in known.values()],
        initial={"template": "cvipi", "period": funder_reports.latest_period(cvipi, today), "audience": "public"},
    )
    report = None
    if asked and form.is_valid():
        audience = form.cleaned_data.get("audience") or "public"
        fmt = request.GET.get("format", "")
        try:
            report = funder_reports.funder_report(
                user=user,
                template=form.cleaned_data["template"],
                period=form.cleaned_data["period"],
                audience=audience,
                purpose=fmt if fmt in FUNDER_TYPES else "page",
            )
        except ValidationError as exc:
            form.add_error("period", exc)
        if report is not None and fmt in FUNDER_TYPES:
            content = {
                "pdf": funder_reports.to_pdf,
                "csv": funder_reports.to_csv,
                "xlsx": funder_reports.to_xlsx,
                "json": lambda r: json.dumps(r.to_dict(), indent=2, ensure_ascii=False).encode(),
            }[fmt](report)
            response = HttpResponse(content, content_type=FUNDER_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="{report.filename(fmt)}"'
            return response
    query = request.GET.urlencode() if report is not None else ""
    return render(request, "evaluation/funders.html", {"form": form, "report": report, "query": query})

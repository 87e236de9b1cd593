"""The staff home page: my caseload, what is due, notifications planned, this month's figures."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.models import AuditEvent
from vip.audit.services import audit_read
from vip.core.config import program_today
from vip.core.dates import Month
from vip.core.selectors import home_summary

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    today = program_today()
    horizon = today + dt.timedelta(days=14)
    summary = home_summary(user=user, today=today, horizon=horizon)
    if summary.shows_people:
        audit_read(actor=user, action="home.read", object_type="people.person", shown=summary.people_shown())
    return render(
        request,
        "vip/home.html",
        {"summary": summary, "summary_horizon": horizon, "month": Month.of(today), "today": today},
    )


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    submit: str = "",
    cancel: str | None = None,
    subtitle: str = "",
) -> HttpResponse:
    return render(
        request,
        "vip/form_page.html",
        {"form": form, "title": title, "submit": submit, "cancel": cancel, "subtitle": subtitle},
    )


def add_service_errors(form: Any, exc: Exception) -> None:
    """Show a service's refusal (validation, conflict) on the form, not as an error page."""
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def submit(
    request: HttpRequest,
    form: Any,
    save: Any,
    *,
    on_success: Any,
) -> HttpResponse | None:
    """For a valid POSTed form: run ``save(cleaned_data)`` and redirect to ``on_success`` (a URL,
    or a function of what ``save`` returned). A service's refusal (a broken rule, a conflicting
    edit) lands on the form instead. Returns None when the form is to be shown (again)."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from vip.core.services_base import ConflictError

    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except (ValidationError, ConflictError) as exc:
        add_service_errors(form, exc)
        return None
    return redirect(on_success(result) if callable(on_success) else on_success)


def person_or_404(request: HttpRequest, person_id: int) -> tuple[User, Any]:
    """The signed-in user and the person they asked for, or a 404 if that person is not theirs to see."""
    from django.http import Http404

    from vip.people.models import Person
    from vip.people.selectors import person_get

    user = request.user
    assert isinstance(user, User)
    try:
        person = person_get(user=user, person_id=person_id)
    except Person.DoesNotExist:
        record_refused(user, Person, person_id)
        raise Http404 from None
    record_page_read(request, user, person)  # a form page shows who it is about
    return user, person


def record_page_read(request: HttpRequest, user: User, target: Any) -> None:
    """Audit the GET of a page that shows one person-level record (its form page); a POST is
    audited as the write it makes."""
    if request.method == "GET":
        audit_read(
            actor=user, action=f"{target._meta.model_name}.read", target=target, details={"page": _page(request)}
        )


def record_refused(user: User, model: Any, pk: int | str) -> None:
    """Audit a request for a record the user may not see, or that does not exist: the page
    answers 404 either way, but the attempt is on record."""
    audit_read(
        actor=user,
        action=f"{model._meta.model_name}.read",
        object_type=model._meta.label_lower,
        object_id=str(pk),
        outcome=AuditEvent.Outcome.DENIED,
    )


def _page(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match is not None else request.path


# ---- Error pages (security row 22) -------------------------------------------------------------
# Plain pages in the program's layout; under /api/ the API's own JSON shape. Nothing from the
# request or the exception is shown. Django logs the error itself (logger django.request,
# without the exception's message: vip.core.logfilters).

API_PREFIX = "/api/"
ERRORS = {
    400: ("400.html", "Bad request."),
    403: ("403.html", "You do not have permission to perform this action."),
    404: ("404.html", "Not found."),
    500: ("500.html", "Server error."),
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    template, detail = ERRORS[status]
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=status)
    try:
        return render(request, template, {"error_page": True}, status=status)
    except Exception:
        logger.exception("The %s page could not be drawn in the layout", status)
        return HttpResponse(
            render_to_string(template, {"request": None, "error_page": True}),
            status=status,
            content_type="text/html; charset=utf-8",
        )


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)

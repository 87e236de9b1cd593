"""What every staff page shares: the form page and its submission, and the error pages."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from vip.core.errors import ConflictError

logger = logging.getLogger(__name__)


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
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _queued_messages(request: HttpRequest) -> int:
    storage = getattr(request, "_messages", None)
    return len(getattr(storage, "_queued_messages", ()))


def submit(
    request: HttpRequest,
    form: Any,
    save: Any,
    *,
    on_success: Any,
    message: str | None = None,
) -> HttpResponse | None:
    """For a valid POSTed form: run ``save(cleaned_data)`` and redirect to ``on_success`` (a URL,
    or a function of what ``save`` returned). A service's refusal (a broken rule, a conflicting
    edit) lands on the form instead. Returns None when the form is to be shown (again).

    Every save says so on the next page: ``message`` if given, else "Saved.", unless the view (or
    ``save``) has already added a message of its own."""
    if request.method != "POST" or not form.is_valid():
        return None
    before = _queued_messages(request)
    try:
        result = save(form.cleaned_data)
    except (ValidationError, ConflictError) as exc:
        add_service_errors(form, exc)
        return None
    if _queued_messages(request) == before:
        messages.success(request, message or _("Saved."))
    return redirect(on_success(result) if callable(on_success) else on_success)


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

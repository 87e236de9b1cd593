"""The signed-in account's own small requests: keeping the session alive, choosing a language."""

from __future__ import annotations

from contextlib import suppress

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from vip.accounts.middleware import SEEN_AT
from vip.accounts.services import user_language_set


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" (the warning before the idle limit, vip.js): the idle clock starts again
    now. POST with the CSRF token; a signed-in account only (LoginRequiredMiddleware). A session
    already ended never gets here (SessionLimitsMiddleware signs it out first: the answer is then
    the sign-in redirect, not 204). Answers 204: no page, the browser stays where it is."""
    request.session[SEEN_AT] = int(timezone.now().timestamp())
    return HttpResponse(status=204)


@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch (Django's set_language: the cookie, and back to the page).
    Used while signed in, the choice is also kept on the account and applied at the next sign-in."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and response.status_code == 302:
        with suppress(ValueError):  # an unknown language: Django's view has already ignored it
            user_language_set(user=request.user, language=language)  # type: ignore[arg-type]
    return response

"""Every signed-in staff account must use a second factor before it reaches anything."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

# Pages a signed-in account without a second factor may still reach: enrolling one, leaving,
# and the header's language switch.
ENROLMENT_URLS = (
    "mfa_activate_totp",
    "mfa_index",
    "account_reauthenticate",
    "account_logout",
    "set_language",
    "keep_alive",
)


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._enrolled(user):
            allowed = {reverse(name) for name in ENROLMENT_URLS}
            # The browser's own request for /favicon.ico gets the icon, never the enrolment page.
            if (
                request.path not in allowed
                and request.path != "/favicon.ico"
                and not request.path.startswith("/static/")
            ):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Enrol a second factor (TOTP) first."}, status=401)
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _enrolled(user: object) -> bool:
        known = getattr(user, "has_totp", None)  # loaded with the account (vip.accounts.backends)
        if known is not None:
            return bool(known)
        return Authenticator.objects.filter(user_id=getattr(user, "pk", None), type=Authenticator.Type.TOTP).exists()


# Session keys of the session limits: when the account signed in, and when it was last seen (both
# in seconds since the epoch).
SIGNED_IN_AT = "vip_signed_in_at"
SEEN_AT = "vip_seen_at"
# The last-seen time is written at most once a minute: a session is saved (one database write)
# once a minute of activity, not on every request. The idle limit is thus kept to within a minute
# (a session may end up to a minute early, never late).
SEEN_GRANULARITY = 60


def session_limits_start(request: HttpRequest) -> None:
    """Stamp a session that has just signed in (the user_logged_in signal, vip.accounts.apps)."""

    now = int(timezone.now().timestamp())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


def idle_seconds_left(request: HttpRequest) -> int | None:
    """Seconds before the signed-in session ends for lack of requests (None when signed out):
    the page's warning before the idle limit counts down from this (vip.js, body data-idle-seconds)."""

    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session or not getattr(request, "user", None):
        return None
    seen = session.get(SEEN_AT)
    if not isinstance(seen, int):
        return None
    idle = int(settings.VIP_SESSION_IDLE_MINUTES) * 60
    return max(0, idle - (int(timezone.now().timestamp()) - seen))


# The language of an account that has just signed in (set by the user_logged_in receiver, put in
# the language cookie by AccountLanguageMiddleware on the way out).
SIGN_IN_LANGUAGE = "_vip_sign_in_language"


class AccountLanguageMiddleware:
    """The language kept on the account (chosen with the header's switch while signed in) is
    applied when it signs in: the language cookie is set on the response to the sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, SIGN_IN_LANGUAGE, None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class SessionLimitsMiddleware:
    """Security row 6: a signed-in session ends after VIP_SESSION_IDLE_MINUTES without a request,
    and VIP_SESSION_MAX_HOURS after signing in however active it is. An ended session is removed
    from the server (signed out), and the request goes on as anonymous: to the sign-in page.

    A session without the stamps (signed in before this check existed) is ended too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:

        self.get_response = get_response
        self.idle = int(settings.VIP_SESSION_IDLE_MINUTES) * 60
        self.absolute = int(settings.VIP_SESSION_MAX_HOURS) * 3600

    def __call__(self, request: HttpRequest) -> HttpResponse:

        session = request.session
        if SESSION_KEY in session:
            now = int(timezone.now().timestamp())
            signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
            if (
                not isinstance(signed_in, int)
                or not isinstance(seen, int)
                or now - seen > self.idle
                or now - signed_in > self.absolute
            ):
                logout(request)  # flushes the session: deleted on the server, a new empty one
            elif now - seen >= SEEN_GRANULARITY:
                session[SEEN_AT] = now
        return self.get_response(request)

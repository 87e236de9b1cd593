"""Show times in the program's time zone on every page (storage stays UTC)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from vip.core.config import program_header


class ProgramTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            header = program_header()
        except DatabaseError:
            # The database cannot answer: the view says so itself (the health check with 503,
            # any other page with the error page), not this middleware with a bare failure.
            header = None
        if header is not None and header.time_zone:
            timezone.activate(ZoneInfo(header.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set (security row 21).

    ``Cache-Control: no-store`` on every response the application makes: staff pages and API
    answers carry person data, and even a sign-in page or an error should not sit in a shared
    cache or the browser's history store. (Static files are answered by WhiteNoise, which comes
    before this middleware: they hold no data and keep their own cache headers.)
    """

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        directives = [d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()]
        if "no-store" not in (d.lower() for d in directives):
            kept = [d for d in directives if d.split("=")[0].lower() not in {"public", "max-age", "s-maxage"}]
            response["Cache-Control"] = ", ".join(["no-store", *kept])
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a request whose parameters or JSON body hold a NUL character (row 45).

    No form field, search or API value of the program can hold one, and PostgreSQL cannot store
    one in text or JSON (the audit trail records search words): refused at the door, with a
    clear message, instead of failing deep inside with a server error.
    """

    MESSAGE = "The request holds a NUL character, which no value of this application can contain."

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._holds_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        for query in (request.GET,):
            for key, values in query.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return True
        content_type = request.content_type or ""
        if request.method in ("POST", "PUT", "PATCH") and content_type == "application/x-www-form-urlencoded":
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return True
        if content_type == "application/json":
            body = request.body
            if b"\x00" in body or b"\\u0000" in body.lower():
                return True
        return False

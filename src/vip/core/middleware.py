"""Show times in the program's time zone on every page (storage stays UTC)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from vip.core.config import program_header


class ProgramTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = program_header()
        if header is not None and header.time_zone:
            timezone.activate(ZoneInfo(header.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

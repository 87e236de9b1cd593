"""Attach the source address and a request id to everything a request does."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from vip.audit.context import origin


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        with origin(request.META.get("REMOTE_ADDR", ""), request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

"""Attach the source address and a request id to everything a request does; and see that a
request to a person page leaves exactly one audit event (vip.audit.reads.settle, security row 36)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from vip.audit.context import origin, request_ledger
from vip.audit.reads import person_page_of, settle


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        with origin(request.META.get("REMOTE_ADDR", ""), request_id), request_ledger() as ledger:
            response = self.get_response(request)
            # Before the answer leaves: if its event cannot be written, the answer is a 500 instead.
            settle(request, response, ledger)
        response["X-Request-ID"] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        page = person_page_of(view)
        if page is not None:
            request.audit_person_page = (page, kwargs.get(page.kwarg, ""))  # type: ignore[attr-defined]

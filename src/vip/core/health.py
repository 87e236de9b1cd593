"""The load balancer's health check: ``GET /healthz``.

200 ``ok`` when the database answers a query, 503 ``unavailable`` when it does not. The answer
says nothing else (no version, no database name, no error text, no counts) and needs no sign-in:
a load balancer, a proxy or systemd asks it without an account. It reads no person data, starts
no session and sets no cookie; like every answer of the application it carries the security
headers and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PLAIN_TEXT = "text/plain; charset=utf-8"


def database_answers() -> bool:
    """Whether the default database answers ``SELECT 1`` now (a new connection if need be)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as exc:
        # The kind of failure only: a driver's message can name the host, the database and the account.
        logger.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return False


@login_not_required
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when this server can do its work (the database answers), 503 when it cannot."""
    if database_answers():
        return HttpResponse("ok\n", content_type=PLAIN_TEXT)
    return HttpResponse("unavailable\n", status=503, content_type=PLAIN_TEXT)

"""Security row 22: a server error in production shows no traceback, settings, SQL or
exception text, and is logged without the exception's message."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db.utils import ProgrammingError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from vip.accounts.tokens import token_create
from vip.people.services import person_create

pytestmark = pytest.mark.django_db

# What the failure says: case content, a value, SQL. None of it may reach the reader.
SECRET_TEXT = "EXC-CANARY Ana García 1999-02-03"
SQL = 'SELECT "people_person"."first_name" FROM "people_person" WHERE id = 7'
FORBIDDEN = [
    "Traceback",
    "EXC-CANARY",
    "García",
    "ProgrammingError",
    "RuntimeError",
    "people_person",
    "SELECT",
    'File "',
]


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError(SECRET_TEXT)


def _sql_boom(*args: object, **kwargs: object) -> None:
    raise ProgrammingError(f"{SQL}: column does not exist; DETAIL: Key (first_name)=({SECRET_TEXT})")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured console handler (the production log) writes."""
    handler = logging.getLogger("django").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _assert_plain(body: str) -> None:
    for text in [*FORBIDDEN, str(settings.SECRET_KEY)]:
        assert text not in body, f"the error page shows {text!r}"


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
@pytest.mark.parametrize("failure", [_boom, _sql_boom], ids=["exception", "database error"])
def test_row_22_production_errors_show_no_traceback(program, make_user, monkeypatch, log_output, failure) -> None:
    person_create(actor=None, first_name="Ana", last_name="García")
    client = Client(raise_request_exception=False)
    client.force_login(make_user("manager"))
    monkeypatch.setattr("vip.desk.views.home_summary", failure)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and '<header class="site">' in body  # the program's layout
    assert "Content-Security-Policy" in response and "no-store" in response["Cache-Control"]
    _assert_plain(body)
    # Logged: the address and where it failed, not what the failure said.
    log = log_output.getvalue()
    assert "Internal Server Error: /home/" in log
    assert "(message withheld)" in log and "vip/desk/views.py" in log
    assert "EXC-CANARY" not in log and "García" not in log


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_row_22_api_errors_answer_json_without_details(program, make_user, monkeypatch, log_output) -> None:
    user = make_user("manager", second_factor=False)
    key = token_create(actor=None, user=user, name="errors")[1]
    monkeypatch.setattr("vip.api.views.person_list", _sql_boom)
    monkeypatch.setattr("vip.api.views.person_search", _sql_boom)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    _assert_plain(response.content.decode())
    assert "Internal Server Error: /api/v1/people/" in log_output.getvalue()
    assert "EXC-CANARY" not in log_output.getvalue()


@override_settings(DEBUG=False)
def test_row_22_error_pages_are_the_programs_own(client, program, make_user) -> None:
    missing = client.get("/no/such/page/?q=Ana+Garc%C3%ADa")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert "Ana" not in missing.content.decode() and "/no/such/page/" not in missing.content.decode()
    client.force_login(make_user("admin"))
    refused = client.get(reverse("data:index"))  # administrators neither import nor export data
    assert refused.status_code == 403
    assert "Not allowed" in refused.content.decode()
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(make_user("manager"))
    expired = csrf.post(reverse("people:new"), {"first_name": "X"})
    assert expired.status_code == 403
    assert "The form has expired" in expired.content.decode() and "CSRF" not in expired.content.decode()
    # Spanish readers get their language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    try:
        assert "Página no encontrada" in client.get("/no/such/page/").content.decode()
    finally:
        translation.deactivate()  # LocaleMiddleware activated Spanish on this thread

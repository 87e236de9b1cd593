"""The load balancer's health check (/healthz): 200 when the database answers, 503 when not;
open without signing in, and saying nothing more."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_signing_in(client, program) -> None:
    response = client.get("/healthz")
    assert reverse("healthz") == "/healthz"
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    # No session, no cookie of any kind; not kept by a cache; the usual security headers.
    assert not response.cookies
    assert "sessionid" not in client.cookies
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert client.head("/healthz").status_code == 200


def test_healthz_answers_only_reads(client, program) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.put("/healthz").status_code == 405


def test_healthz_is_the_same_for_a_signed_in_account(client, program, make_user) -> None:
    client.force_login(make_user("peer"))
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_healthz_answers_503_when_the_database_does_not(client, program, caplog) -> None:
    failing = mock.MagicMock()
    failing.cursor.side_effect = OperationalError('connection to server at "db.internal" failed: secret detail')
    with mock.patch("vip.core.health.connection", failing), caplog.at_level("WARNING", logger="vip.core.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"
    # The log says what failed, never the driver's text (it names hosts, databases, accounts).
    assert "OperationalError" in caplog.text and "db.internal" not in caplog.text
    # And the database answering again, the check says so at once.
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_before_the_program_is_read(client, program) -> None:
    """Every middleware that reads the database must let the health check answer for itself
    (the program's time zone is read on every request)."""
    from vip.core.config import forget_program_header

    forget_program_header()
    failing = mock.MagicMock()
    failing.cursor.side_effect = OperationalError("down")
    with (
        mock.patch("vip.core.health.connection", failing),
        mock.patch("vip.core.middleware.program_header", side_effect=OperationalError("down")),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503

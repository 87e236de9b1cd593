"""Security row 45: bad input never answers 500.

Every URL pattern of the application (resolved as the canary sweep does, tests/security/sweep.py:
path parameters filled with the seeded records' ids, and with unknown, huge and malformed ones), as
every role and anonymously, with hostile query parameters (every parameter a view reads, set to
out-of-range and malformed values: months such as 2026-13, dates such as 99999-01-01, year 0,
pages -1 and abc, huge numbers, NUL bytes, very long text), and a malformed POST of every form
(every field the page's form names, set to each hostile value); every API operation with
malformed JSON bodies; every field of a page's own GET forms (filters, sort, search) gets each hostile
value too. Nothing answers 5xx: a refusal is a 400 (or the form again, with its
errors), an unknown id a 404.

The walk is deterministic; a failure names the request and the exception it raised.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from tests.security.sweep import MONTH, World, _patterns, build_world, built_once

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The role that reaches the most pages first: it gets the whole hostile set on each.
ROLES = ("manager", "peer", "police", "admin", "analyst", "integration", "other_peer", None)

# Every query parameter a page or the API reads (views, forms bound to request.GET, the paginators).
QUERY_PARAMETERS = (
    "page",
    "q",
    "status",
    "start",
    "end",
    "audience",
    "since",
    "until",
    "before",
    "month",
    "date",
    "year",
    "outcome",
    "actor",
    "action",
    "object_type",
    "object_id",
    "format",
)

# Out of range and malformed: for dates, months, years, pages, ids and text alike.
HOSTILE = (
    "",
    "-1",
    "abc",
    "2026-13",
    "2026-02-30",
    "99999-01-01",
    "0000-01-01",
    "9999-12-31",
    "99999999999999999999999",
    "\x00☃\u202e",
    "x" * 3000,
)
# What the other roles send to an address the walk already took the whole set to: each still
# gets every address with hostile parameters and a hostile form.
HOSTILE_SHORT = ("2026-13",)

# Unknown, huge and malformed values for the path's own parameters.
BAD_IDS = (999_999, 10**25)
BAD_MONTHS = ("2026-13", "0000-00", "99999-01", "0001-01", "9999-12")
BAD_FORMATS = ("exe",)

# Pairs a period form reads together: reversed, and as far apart as a date goes.
PERIODS = (
    {"start": "2026-02-01", "end": "2025-02-01"},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"since": "9999-12-31", "until": "0001-01-01"},
    {"since": "0001-01-01", "until": "9999-12-31", "before": "99999999999999999999999"},
    {"start": "9999-12-31", "end": "9999-12-31", "audience": "official"},
    {"start": "0001-01-01", "end": "0001-01-01", "audience": "x"},
)

# Never posted: they end the session the walk goes on with.
NOT_POSTED = {"account_logout"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, user_maker) -> Iterator[World]:
    def build() -> World:
        from vip.service_referrals.services import consent_record

        built = build_world(user_maker())
        consent = consent_record(
            actor=built.users["peer"],
            person=built.person,
            purpose="coordinate treatment",
            recipient_kind="managers",
            recipient="VIP program managers",
            signed_on=dt.date.today() - dt.timedelta(days=1),
            expires_on=dt.date.today() + dt.timedelta(days=30),
        )
        built.ids["consent_id"] = consent.pk
        return built

    with built_once(django_db_blocker, build) as built:
        yield built


def _addresses(world: World) -> list[tuple[str, str]]:
    """(URL name, address) of every pattern: with the seeded ids, and with unknown, huge and
    malformed path values."""
    found: list[tuple[str, str]] = []
    for name, pattern, route in _patterns(get_resolver()):
        if not name or "^" in route:
            continue  # the root redirect, allauth's key patterns and the API's catch-all (swept below)
        params = list(getattr(pattern.pattern, "converters", {}))
        options: list[dict[str, Any]] = [{}]
        for param in params:
            values: list[Any]
            if param == "referral_id":
                good = world.ids["service_referral_id"] if route.startswith("services/") else world.ids["referral_id"]
                values = [good, *BAD_IDS]
            elif param == "run_id":
                values = [world.ids["run_id"], world.ids["public_run_id"], BAD_IDS[-1]]
            elif param == "fmt":
                values = ["html", "json", *BAD_FORMATS]
            elif param == "month":
                values = [MONTH, *BAD_MONTHS]
            elif param in world.ids:
                values = [world.ids[param], *BAD_IDS]
            else:
                values = ["x"]
            options = [{**kw, param: v} for kw in options for v in values]
        for kwargs in options:
            try:
                found.append((name, reverse(name, kwargs=kwargs)))
            except NoReverseMatch:
                continue  # "" for a format: not an address of ours
    found += [("not_found", "/api/v1/no-such-thing/"), ("not_found", "/no/such/page/")]
    for model in admin.site._registry:
        meta = model._meta
        found.append(("admin", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")))
        found.append(("admin", reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[10**25])))
    return sorted(set(found))


_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.IGNORECASE)
_FORM_CHOICE = re.compile(r'<input[^>]*\bname="form"[^>]*\bvalue="([^"]*)"', re.IGNORECASE)


def _form_fields(html: str) -> tuple[list[str], list[str]]:
    """The field names the page's forms post, and the values of their "form" switch (pages with
    several forms)."""
    names = sorted({n for n in _FIELD.findall(html) if n not in {"csrfmiddlewaretoken", "form"}})
    return names, sorted(set(_FORM_CHOICE.findall(html))) or [""]


_GET_FORM = re.compile(r"<form\b(?![^>]*method=\"post\")[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def _html(response: Any) -> str:
    """The page's HTML, or nothing for a download (a PDF, a workbook) or no answer."""
    if response is None or not response.get("Content-Type", "").startswith("text/html"):
        return ""
    return str(response.content.decode())


def _get_form_fields(html: str) -> list[str]:
    """The field names of the page's GET forms (filters, sorting, search boxes)."""
    return sorted({n for body in _GET_FORM.findall(html) for n in _FIELD.findall(body)} - {"csrfmiddlewaretoken"})


def _api_bodies() -> list[Any]:
    """Malformed JSON bodies for the API's writes: broken JSON, wrong shapes, every field of a
    good body replaced by hostile values (strings, numbers, nesting, extreme dates)."""
    referral = {
        "key": "R-FUZZ-1",
        "person": {"key": "P-FUZZ-1", "first_name": "Ana", "last_name": "Gil", "date_of_birth": "2001-05-06"},
        "received_on": "2022-11-01",
        "source": "hospital",
        "area": "southeast",
    }
    incident = {
        "key": "I-FUZZ-1",
        "occurred_at": "2022-10-03T01:10:00-06:00",
        "type": "shooting",
        "involvements": [{"person": {"key": "P-FUZZ-2", "first_name": "Luis", "last_name": "Baca"}, "role": "victim"}],
    }
    bad_values: list[Any] = [
        None,
        -1,
        2**70,
        [],
        {},
        "2026-13-01",
        "99999-01-01",
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "2022-10-03T01:10:00",
        "\x00",
        "x" * 5000,
    ]
    bodies: list[Any] = ["{", "[]", "null", '"x"', "1", "{" * 2000 + "}" * 2000, b"\xff\xfe", "[" * 50_000]

    def replaced(good: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for key, value in good.items():
            for bad in bad_values:
                yield {**good, key: bad}
            if isinstance(value, dict):
                for inner in replaced(value):
                    yield {**good, key: inner}
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for inner in replaced(value[0]):
                    yield {**good, key: [inner]}

    for good in (referral, incident):
        bodies += list(replaced(good))
    return bodies


class Walk:
    """Requests as one account (or anonymously), recording every 5xx with its exception."""

    def __init__(self, world: World, role: str | None) -> None:
        self.world = world
        self.role = role
        self.client = Client(raise_request_exception=True)
        self.failures: list[str] = []
        self.count = 0
        self.login()

    def login(self) -> None:
        if self.role is not None:
            self.client.force_login(self.world.users[self.role])
            self.session = self._session()

    def _session(self) -> str:
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie is not None else ""

    def login_again(self) -> None:
        """Sign in again if a request ended the session (a sign-out, a password form, a language
        switch: the session cookie changes); else go on with it."""
        if self.role is not None and self._session() != self.session:
            self.login()

    def answer(self, method: str, url: str, **kwargs: Any) -> Any:
        """The response (``None`` if the request raised), each 5xx recorded with its exception."""
        self.count += 1
        what = f"{self.role or 'anonymous'}: {method} {url} {kwargs.get('data', '')!r:.200}"
        try:
            response = getattr(self.client, method.lower())(url, **kwargs)
        except Exception as exc:  # the exception behind a 500: the test names it
            self.failures.append(f"{what} -> {type(exc).__name__}: {exc!s:.300}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{what} -> {response.status_code}")
        return response

    def call(self, method: str, url: str, **kwargs: Any) -> int:
        response = self.answer(method, url, **kwargs)
        return 500 if response is None else int(response.status_code)


def _walk_pages(walk: Walk, addresses: list[tuple[str, str]], deep: set[str]) -> None:
    for name, url in addresses:
        if url.startswith("/api/"):
            continue  # below, with a token
        walk.login_again()
        response = None
        if url not in deep:
            response = walk.answer("GET", url)
            if response is not None and response.status_code != 200:
                response = None
        first = response is not None
        if first:
            deep.add(url)
        # Every parameter a view is known to read, and every field of the page's own GET forms
        # (a queue's filters, sort and search box): junk in each, all at once and one by one.
        page = _html(response)
        own = _get_form_fields(page)
        for value in HOSTILE if first else HOSTILE_SHORT:
            walk.call("GET", url, data=dict.fromkeys([*QUERY_PARAMETERS, *own], value))
        for field_name in own:
            for value in HOSTILE:
                walk.call("GET", url, data={field_name: value})
        if first:
            for period in PERIODS:
                walk.call("GET", url, data=period)
            for parameter in ("page", "p", "o"):  # the paginators and the admin's own
                walk.call("GET", url, data={parameter: "-1"})
        if name in NOT_POSTED:
            continue
        if response is None:
            walk.call("POST", url, data=dict.fromkeys(QUERY_PARAMETERS, "abc"))
        else:
            fields, switches = _form_fields(_html(response))
            walk.call("POST", url, data={})
            for switch in switches if fields else []:
                for value in HOSTILE:
                    # A password field gets its own form of the value: a failed sign-in hashes what
                    # it was given (Django's timing defence), and the log scan (row 19) then takes
                    # the value for a password wherever the log shows it.
                    body = {f: f"{value}#pw" if "password" in f else value for f in fields}
                    if switch:
                        body["form"] = switch
                    walk.call("POST", url, data=body)
        walk.login_again()  # a POST may have ended the session (a password form, a language switch)


def _walk_api(walk: Walk, addresses: list[tuple[str, str]], token: str, deep: set[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _name, url in addresses:
        if not url.startswith("/api/"):
            continue
        first = url not in deep and walk.call("GET", url, headers=headers) == 200
        if first:
            deep.add(url)
        for value in HOSTILE if first else HOSTILE_SHORT:
            walk.call("GET", url, data={"q": value, "status": value, "audience": value, "page": value}, headers=headers)
    bodies = _api_bodies()
    for url in ("/api/v1/referrals/", "/api/v1/incidents/"):
        # The whole set as the integration account (it may write both), a few as the others.
        for body in bodies if walk.role == "integration" else bodies[:3]:
            data = body if isinstance(body, str | bytes) else json.dumps(body)
            walk.call("POST", url, data=data, content_type="application/json", headers=headers)
    walk.call("POST", "/api/v1/referrals/", data="key=x", content_type="application/x-www-form-urlencoded")


def test_row_45_bad_input_never_answers_500(world) -> None:
    """Every address as every role; the whole hostile set once per address (as the first role in
    ROLES that reaches it, so every page and form gets it), a short set for the other roles."""
    addresses = _addresses(world)
    deep: set[str] = set()
    failures: list[str] = []
    count = 0
    for role in ROLES:
        walk = Walk(world, role)
        _walk_pages(walk, addresses, deep)
        _walk_api(walk, addresses, world.tokens[role] if role else "", deep)
        failures += walk.failures
        count += walk.count
    assert count > 2000, "the walk reached every address"
    assert failures == [], f"{len(failures)} server errors:\n" + "\n".join(failures[:60])

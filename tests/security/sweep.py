"""The canary sweep behind rows 10-13 of the security specification.

A world of seeded records carries unique strings (canaries) in every field behind the wall. The
sweep then calls, as a given account, every URL pattern of the application (path parameters filled
with the ids of the seeded records, every report format, the people search and its partial, the
Django admin's list and change page of every registered model, error pages), every API operation
with the account's token, and the data export; it reads each answer as the user would see it
(PDF text, the files inside a zip or a workbook) and returns it for the test to search.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import importlib
import importlib.util
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from vip.accounts.models import User
from vip.configuration.services import profile_load
from vip.core.config import forget_program_header

DENVER = ZoneInfo("America/Denver")
MONTH = "2022-11"

# The records of the field work (issue 17): each app's ``tests/sweep.py`` seeds its records into the
# world (``seed(users, person) -> ids``) and names its canaries (CASEWORK, POLICE) and API addresses.
FIELD_APPS = ("mediations", "safety_plans", "incentives", "groups", "hospital")


def _field_sweeps() -> list[Any]:
    found = []
    for app in FIELD_APPS:
        if importlib.util.find_spec(f"vip.{app}.tests.sweep") is not None:
            found.append(importlib.import_module(f"vip.{app}.tests.sweep"))
    return found


FIELD_SWEEPS = _field_sweeps()
# Behind the wall from police (row 10): peer-support work and health/substance-use details.
CASEWORK_CANARIES = (
    "CANARYCASENOTE7731",
    "CANARYNEEDS7731",
    "CANARYVISIT7731",
    "CANARYSUD7731",
    "CANARYSUDDETAIL7731",
    *(c for m in FIELD_SWEEPS for c in m.CASEWORK),
)
# Behind the wall from peers (row 11): police work product and raw incident records.
POLICE_CANARIES = (
    "CANARYLEGAL7731",
    "CANARYOUTCOME7731",
    "CANARYINCIDENTADDR7731",
    "CANARYINCKEY7731",
    *(c for m in FIELD_SWEEPS for c in m.POLICE),
)
# What identifies the seeded person (row 12: an analyst sees none of it).
IDENTIFYING = (
    "Xochiquetzal",
    "Quintanillavasquez",
    "CANARYADDR7731",
    "SRCKEY7731",
    "1999-03-17",
    "03/17/1999",
    "3/17/1999",
)


@dataclass
class Answer:
    what: str  # the request, as "GET /path"
    status: int
    text: str


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    person: Any
    ids: dict[str, int] = field(default_factory=dict)


def build_world(make_user: Callable[..., User]) -> World:
    """Every kind of record, each written by the role that writes it, through the services."""
    from vip.accounts.tokens import token_create
    from vip.casework.services import case_note_write, contact_record, needs_assessment_record
    from vip.core.dates import Month
    from vip.core.models import ServiceCategory
    from vip.identification.services import (
        Reason,
        candidate_propose,
        incident_record,
        involvement_add,
        review_identify,
        review_incident_add,
        shooting_review_create,
    )
    from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
    from vip.outcomes.services import outcome_record
    from vip.people.services import alias_add, person_assign_peer, person_create
    from vip.referrals.services import referral_create
    from vip.reports.services import report_generate
    from vip.service_referrals.services import service_referral_create

    roles = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")
    users = {role: make_user("peer" if role == "other_peer" else role) for role in roles}
    peer, police = users["peer"], users["police"]
    person = person_create(
        actor=None,
        key="SRCKEY7731",
        first_name="Xochiquetzal",
        last_name="Quintanillavasquez",
        date_of_birth=dt.date(1999, 3, 17),
        address="4471 CANARYADDR7731 Ln SW",
        sex="female",
    )
    person = person_assign_peer(actor=None, person=person, peer=peer)
    referral = referral_create(actor=None, person=person, received_on=dt.date(2022, 11, 1), source="hospital")
    plan = notification_plan(actor=None, person=person, planned_on=dt.date(2022, 11, 3))
    plan = legal_assessment_write(
        actor=police, notification=plan, text="CANARYLEGAL7731 exposure", expected_version=plan.version
    )
    attempt_record(
        actor=peer,
        person=person,
        notification=plan,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support", "police"},
        notes="CANARYVISIT7731 mother present",
    )
    case_note_write(actor=peer, person=person, text="CANARYCASENOTE7731 talked about the fight")
    needs_assessment_record(
        actor=peer,
        person=person,
        assessed_on=dt.date(2022, 11, 5),
        needs={"housing": "urgent"},
        details={"housing": "CANARYNEEDS7731 sleeps in a car"},
        summary="CANARYNEEDS7731 needs a place",
    )
    contact = contact_record(
        actor=peer,
        person=person,
        contacted_at=dt.datetime(2022, 11, 6, 12, tzinfo=DENVER),
        kind="in_person",
        summary="CANARYVISIT7731 contact",
    )
    sud = service_referral_create(
        actor=peer,
        person=person,
        category=ServiceCategory.objects.get(code="substance_use"),
        referred_on=dt.date(2022, 11, 4),
        provider="CANARYSUD7731 clinic",
        details="CANARYSUDDETAIL7731 intake",
    )
    outcome_record(
        actor=police,
        person=person,
        occurred_on=dt.date(2022, 11, 20),
        type="arrest_other",
        source_ref="CANARYOUTCOME7731",
        notes="CANARYOUTCOME7731 notes",
    )
    incident = incident_record(
        actor=police,
        key="CANARYINCKEY7731",
        occurred_at=dt.datetime(2022, 11, 2, 23, tzinfo=DENVER),
        type="shooting",
        address="CANARYINCIDENTADDR7731 Central Ave",
    )
    involvement_add(actor=police, incident=incident, person=person, role="victim")
    review = shooting_review_create(actor=police, held_on=dt.date(2022, 11, 4))
    review_incident_add(actor=police, review=review, incident=incident, discussion="CANARYINCIDENTADDR7731 talk")
    review_identify(actor=police, review=review, person=person, incident=incident, role="victim", decision="monitor")
    candidate = candidate_propose(
        actor=police,
        person=person,
        reasons=[Reason("shot_90_days", "shot on 2022-11-02", "identification.incident", str(incident.pk))],
    )
    run = report_generate(actor=users["manager"], month=Month.parse(MONTH))
    public = report_generate(actor=users["manager"], month=Month.parse(MONTH), audience="public", publish=True)
    tokens = {role: token_create(actor=None, user=user, name="sweep")[1] for role, user in users.items()}
    field_ids: dict[str, int] = {}
    for module in FIELD_SWEEPS:
        field_ids.update(module.seed(users, person))
    return World(
        users=users,
        tokens=tokens,
        person=person,
        ids={
            "person_id": person.pk,
            "referral_id": referral.pk,
            "service_referral_id": sud.pk,
            "notification_id": plan.pk,
            "review_id": review.pk,
            "run_id": run.pk,
            "public_run_id": public.pk,
            "incident_id": incident.pk,
            "candidate_id": candidate.pk,
            # The case file's own pages: an alias to remove, an entry to correct (a contact).
            "alias_id": alias_add(actor=None, person=person, kind="nickname", name="Xochi").pk,
            "kind": "contact",
            "entry_id": contact.pk,
            **field_ids,
        },
    )


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, URLPattern, str]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue  # swept model by model below
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else "", pattern, prefix + str(pattern.pattern)


def urls(world: World) -> list[str]:
    """Every GET the application answers, with the seeded records' ids in its path."""
    found: list[str] = []
    for name, pattern, route in _patterns(get_resolver()):
        params = list(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else []
        if not name or "^" in route:
            continue  # the root redirect and the API's catch-all (a 404 is swept below)
        kwargs_options: list[dict[str, Any]] = [{}]
        for param in params:
            values: list[Any]
            if param == "referral_id":
                values = [
                    world.ids["service_referral_id"] if route.startswith("services/") else world.ids["referral_id"]
                ]
            elif param == "run_id":
                values = [world.ids["run_id"], world.ids["public_run_id"]]
            elif param == "fmt":
                values = ["pdf", "xlsx", "csv", "json", "html"]
            elif param == "month":
                values = [MONTH]
            elif param in world.ids:
                values = [world.ids[param]]
            else:
                values = ["x"]  # allauth's keys and codes: any value
            kwargs_options = [{**kw, param: v} for kw in kwargs_options for v in values]
        for kwargs in kwargs_options:
            # A converter that refuses "x" has nothing of ours behind it to sweep.
            with contextlib.suppress(NoReverseMatch):
                found.append(reverse(name, kwargs=kwargs))
    name = world.person.last_name
    found += [
        f"/people/?q={name}",
        "/people/?q=CANARYCASENOTE7731",
        f"/people/?q={world.person.key}",
        "/people/?q=1999-03-17",
        f"/referrals/?status=closed&q={name}",
        "/no/such/page/",
        "/reports/runs/999999/",
    ]
    for model in admin.site._registry:
        meta = model._meta
        found.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            found.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    found.append(reverse("admin:index"))
    return sorted(set(found))


API = [
    "/api/v1/people/",
    "/api/v1/people/?q=Quintanillavasquez",
    "/api/v1/people/?q=1999-03-17",
    "/api/v1/people/{person_id}/",
    "/api/v1/referrals/",
    "/api/v1/referrals/?status=received",
    f"/api/v1/reports/{MONTH}/",
    f"/api/v1/reports/{MONTH}/?audience=public",
    "/api/v1/no-such-thing/",
    "/api/schema/",
    *(a for m in FIELD_SWEEPS for a in m.API),
]


def readable(body: bytes) -> str:
    """What a reader gets out of a response: PDF text, the members of a zip (bundles, workbooks)."""
    if body.startswith(b"%PDF-"):
        from vip.reports.tests.formats import pdf_text

        return pdf_text(body)
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(readable(archive.read(member)) for member in archive.namelist())
    return body.decode("utf-8", "replace")


def sweep(world: World, role: str, tmp: Path) -> list[Answer]:
    """Everything ``role`` can get: every page, every API operation, the export, headers included."""
    from vip.interchange.export import bundle_export

    user = world.users[role]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    answers: list[Answer] = []

    def keep(what: str, response: Any) -> None:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        text = headers + "\n" + readable(body)
        query = parse_qs(urlsplit(next(t for t in what.split() if t.startswith("/"))).query).get("q")
        if query:  # a search page shows the searcher's own words back: that is not a disclosure
            text = text.replace(query[0], "")
        answers.append(Answer(what, response.status_code, text))

    for url in urls(world):
        keep(f"GET {url}", client.get(url))
        if url.startswith("/people/?"):
            keep(f"GET {url} (partial)", client.get(url, headers={"HX-Request": "true"}))
    keep("POST /data/export/", client.post("/data/export/"))
    api = Client(raise_request_exception=False)
    for template in API:
        # A world without the field records' ids (the policy's own) asks for id 0: nothing.
        url = template.format_map(collections.defaultdict(int, world.ids))
        keep(f"API GET {url}", api.get(url, headers={"Authorization": f"Bearer {world.tokens[role]}"}))
    out = tmp / f"export-{role}"
    out.mkdir()
    try:
        bundle_export(actor=user, out_dir=out)
    except PermissionDenied as exc:  # a role refused the export: the refusal is what it gets
        answers.append(Answer("export (command line)", 403, str(exc)))
    else:
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))
        answers.append(Answer("export (command line)", 200, text))
    return answers


def leaks(answers: list[Answer], needles: tuple[str, ...]) -> list[str]:
    return [f"{a.what} [{a.status}]: {n}" for a in answers for n in needles if n.lower() in a.text.lower()]


@contextlib.contextmanager
def built_once(django_db_blocker: Any, build: Callable[[], Any]) -> Iterator[Any]:
    """What ``build()`` makes, for a module's tests to share: built once, in a transaction that
    stays open while the module runs and is rolled back at its end, so the database is left as
    it was. Each test runs in a savepoint inside it (pytest-django's transaction per test), so
    what a test writes (audit events of its reads, sessions, sign-in counts) is undone before
    the next."""

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            profile_load(actor=None, name="albuquerque")  # as the program fixture does
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        forget_program_header()  # the program loaded here is gone

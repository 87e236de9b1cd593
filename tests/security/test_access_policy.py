"""Security row 34: one access policy, and every channel follows it, field by field.

A world of records, one of every kind a person has, is written through the services with a
unique canary in every text field. Then, for every role (and a second peer worker whose
caseload the person is not on), every channel is read: the pages that show these records,
the API, the bundle export, the audit viewer, and (for what must never appear) every page
the application answers, the admin and error pages included. For each record and field:

- a channel that carries the field (the table ``CARRIES``) shows its canary **exactly** when
  the policy lets the role see that record and that field (``vip.core.access``);
- no channel shows a canary the policy does not let the role see.

So a change to the policy changes what every channel shows, and a channel that decides
visibility on its own (shows a field the policy withholds, or withholds one it shows)
fails here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.security import sweep
from vip.accounts.tokens import token_create
from vip.audit.models import AuditEvent
from vip.casework.selectors import case_note_list
from vip.casework.services import case_note_write, contact_correct, contact_record, needs_assessment_record
from vip.core.access import READS, Channel, Show, can, can_some, hidden_fields, sees, shows, treatment, visible_rows
from vip.core.dates import Month
from vip.core.models import ServiceCategory
from vip.identification.services import (
    Reason,
    candidate_decide,
    candidate_propose,
    incident_record,
    involvement_add,
    review_identify,
    review_incident_add,
    shooting_review_create,
)
from vip.interchange.export import bundle_export
from vip.interchange.mapping import EXPORT
from vip.interchange.schema import FILES
from vip.notifications.selectors import attempt_list
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.outcomes.services import outcome_record
from vip.people.linking import link_propose
from vip.people.models import Correction
from vip.people.services import alias_add, contact_point_add, person_assign_peer, person_create, person_update
from vip.referrals.services import referral_create
from vip.reports.services import report_generate
from vip.service_referrals.services import (
    consent_record,
    consent_revoke,
    service_referral_create,
    substance_use_disclose,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DENVER = ZoneInfo("America/Denver")
# Yesterday: every time of day on it has passed in the program's zone, whatever the hour here (the
# services refuse events in the future, vip.core.future).
TODAY = dt.date.today() - dt.timedelta(days=1)
BIRTH = dt.date(1999, 3, 17)
DIED = dt.date(2021, 8, 9)  # a day no other record of the world has
ROLES = ("peer", "other_peer", "police", "manager", "analyst", "admin", "integration")


def canary(label: str, name: str) -> str:
    """A short unique token for one field of one record (fits every field's length)."""
    return "CNY" + hashlib.sha256(f"{label}.{name}".encode()).hexdigest()[:8].upper()


@dataclass
class Seed:
    label: str  # the record, as the table below names it: "app.Model" or "app.Model#tag"
    record: models.Model
    fields: dict[str, str] = field(default_factory=dict)  # field -> its canary (or text shown for it)

    @property
    def model(self) -> type[models.Model]:
        return type(self.record)


def _canaries(label: str, *names: str) -> dict[str, str]:
    return {name: canary(label, name) for name in names}


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, str]
    seeds: list[Seed]
    ids: dict[str, int]
    person: Any


def build_world(make_user) -> World:
    users = {role: make_user("peer" if role == "other_peer" else role) for role in ROLES}
    peer, police, manager = users["peer"], users["police"], users["manager"]
    seeds: list[Seed] = []

    def seed(label: str, record: models.Model, values: dict[str, str]) -> Any:
        seeds.append(Seed(label, record, values))
        return record

    p = _canaries("people.Person", "key", "first_name", "middle_name", "last_name", "address", "city", "state")
    p |= {"postal_code": canary("people.Person", "postal_code")[:10], "phone": canary("people.Person", "phone")}
    person = person_create(actor=None, date_of_birth=BIRTH, sex="female", **p)
    person = person_assign_peer(actor=None, person=person, peer=peer)
    person = person_update(actor=None, person=person, expected_version=person.version, died_on=DIED)
    seed("people.Person", person, {**p, "date_of_birth": BIRTH.isoformat(), "died_on": DIED.isoformat()})
    values = _canaries("people.PersonAlias", "first_name", "last_name", "name")
    seed("people.PersonAlias", alias_add(actor=manager, person=person, kind="nickname", **values), values)
    values = _canaries("people.ContactPoint", "value", "note")
    seed("people.ContactPoint", contact_point_add(actor=manager, person=person, kind="phone", **values), values)
    duplicate = person_create(actor=None, first_name="Dup", last_name=p["last_name"])
    evidence = canary("people.PersonLink", "evidence")
    link = link_propose(actor=police, kept=person, duplicate=duplicate, evidence=[{"rule": "x", "detail": evidence}])
    seed("people.PersonLink", link, {"evidence": evidence})

    values = _canaries("referrals.Referral", "key", "referred_by", "reason")
    referral = referral_create(actor=None, person=person, received_on=TODAY, source="hospital", **values)
    seed("referrals.Referral", referral, values)

    plan = notification_plan(actor=None, person=person, planned_on=TODAY)
    values = _canaries("notifications.CustomNotification", "legal_assessment")
    plan = legal_assessment_write(
        actor=police, notification=plan, text=values["legal_assessment"], expected_version=plan.version
    )
    seed("notifications.CustomNotification", plan, values)
    values = _canaries("notifications.NotificationAttempt", "key", "notes")
    attempt = attempt_record(
        actor=peer,
        person=person,
        attempted_at=dt.datetime.combine(TODAY, dt.time(11), tzinfo=DENVER),
        outcome="not_found",
        team={"peer_support"},
        **values,
    )
    seed("notifications.NotificationAttempt", attempt, values)

    summary, detail = canary("casework.NeedsAssessment", "summary"), canary("casework.NeedItem", "detail")
    assessment = needs_assessment_record(
        actor=peer,
        person=person,
        assessed_on=TODAY,
        needs={"housing": "urgent"},
        details={"housing": detail},
        summary=summary,
    )
    seed("casework.NeedsAssessment", assessment, {"summary": summary})
    seed("casework.NeedItem", assessment.items.get(), {"detail": detail})
    # The contact's first summary is corrected: the kept previous value is the correction's canary.
    kept = _canaries("people.Correction", "previous_protected")
    contact = contact_record(
        actor=peer,
        person=person,
        contacted_at=dt.datetime.combine(TODAY, dt.time(9), tzinfo=DENVER),
        kind="phone",
        summary=kept["previous_protected"],
    )
    values = _canaries("casework.Contact", "summary")
    contact = contact_correct(
        actor=peer, contact=contact, reason="typed in the wrong box", expected_version=contact.version, **values
    )
    seed("casework.Contact", contact, values)
    seed("people.Correction", Correction.objects.get(target_id=contact.pk), kept)
    values = _canaries("casework.CaseNote", "text")
    seed("casework.CaseNote", case_note_write(actor=peer, person=person, **values), values)

    services = {}
    for tag, code in (("sud", "substance_use"), ("housing", "housing")):
        values = _canaries(f"service_referrals.ServiceReferral#{tag}", "key", "provider", "details")
        services[tag] = seed(
            f"service_referrals.ServiceReferral#{tag}",
            service_referral_create(
                actor=peer,
                person=person,
                category=ServiceCategory.objects.get(code=code),
                referred_on=TODAY,
                **values,
            ),
            values,
        )
    values = _canaries("service_referrals.Consent", "purpose", "recipient")
    consent = consent_record(
        actor=peer,
        person=person,
        recipient_kind="external",
        signed_on=TODAY - dt.timedelta(days=1),
        expires_on=TODAY + dt.timedelta(days=30),
        **values,
    )
    seed("service_referrals.Consent", consent, values)
    disclosure, _ = substance_use_disclose(actor=peer, consent=consent)
    seed("service_referrals.Disclosure", disclosure, {"recipient": values["recipient"]})
    values = _canaries("service_referrals.Consent#revoked", "purpose", "recipient", "revoke_reason")
    revoked = consent_record(
        actor=peer,
        person=person,
        recipient_kind="external",
        signed_on=TODAY - dt.timedelta(days=1),
        expires_on=TODAY + dt.timedelta(days=30),
        purpose=values["purpose"],
        recipient=values["recipient"],
    )
    revoked = consent_revoke(actor=peer, consent=revoked, reason=values["revoke_reason"])
    seed("service_referrals.Consent#revoked", revoked, values)

    values = _canaries("outcomes.Outcome", "key", "source_ref", "notes")
    seed(
        "outcomes.Outcome",
        outcome_record(actor=police, person=person, occurred_on=TODAY, type="arrest_other", **values),
        values,
    )

    values = _canaries("identification.Incident", "key", "address")
    incident = incident_record(
        actor=police, occurred_at=dt.datetime.combine(TODAY, dt.time(1), tzinfo=DENVER), type="shooting", **values
    )
    seed("identification.Incident", incident, values)
    involvement_add(actor=police, incident=incident, person=person, role="victim")
    values = _canaries("identification.ShootingReview", "summary", "agencies_present")
    review = seed(
        "identification.ShootingReview", shooting_review_create(actor=police, held_on=TODAY, **values), values
    )
    values = _canaries("identification.ReviewedIncident", "discussion")
    seed(
        "identification.ReviewedIncident",
        review_incident_add(actor=police, review=review, incident=incident, **values),
        values,
    )
    values = _canaries("identification.ReviewIdentification", "follow_up")
    seed(
        "identification.ReviewIdentification",
        review_identify(
            actor=police,
            review=review,
            person=person,
            incident=incident,
            role="victim",
            decision="monitor",
            follow_up_by=TODAY + dt.timedelta(days=2),
            follow_up_owner=police,
            **values,
        ),
        values,
    )
    reason = _canaries("identification.CandidateReason", "text", "source_id")
    candidate = candidate_propose(
        actor=police,
        person=person,
        reasons=[Reason("shot_90_days", reason["text"], "identification.incident", reason["source_id"])],
    )
    seed("identification.CandidateReason", candidate.reasons.get(), reason)
    values = {"decision_reason": canary("identification.Candidate", "decision_reason")}
    candidate = candidate_decide(actor=manager, candidate=candidate, approve=True, reason=values["decision_reason"])
    seed("identification.Candidate", candidate, values)

    month = dt.date(TODAY.year, TODAY.month, 1) - dt.timedelta(days=1)
    run = report_generate(actor=manager, month=Month(month.year, month.month), formats=["json", "csv"])
    tokens = {role: token_create(actor=None, user=user, name="policy")[1] for role, user in users.items()}
    ids = {
        "person_id": person.pk,
        "referral_id": referral.pk,
        "service_referral_id": services["sud"].pk,
        "notification_id": plan.pk,
        "review_id": review.pk,
        "run_id": run.pk,
        "public_run_id": run.pk,
        "incident_id": incident.pk,
        "candidate_id": candidate.pk,
        "consent_id": consent.pk,
    }
    return World(users=users, tokens=tokens, seeds=seeds, ids=ids, person=person)


# --- the channels, and what each carries -------------------------------------------------------


def _fields(label: str, *names: str) -> set[tuple[str, str]]:
    return {(label, name) for name in names}


PERSON = _fields("people.Person", "first_name", "last_name")
# What each page shows of the records, for the roles that reach it (the rest of each page is
# checked too, for what must never appear).
CARRIES: dict[str, set[tuple[str, str]]] = {
    "person page": PERSON
    | _fields("people.Person", "middle_name", "date_of_birth", "died_on", "address", "city", "phone")
    | _fields("people.PersonAlias", "name")
    | _fields("referrals.Referral", "referred_by")
    | _fields("notifications.NotificationAttempt", "notes")
    | _fields("service_referrals.ServiceReferral#sud", "provider")
    | _fields("service_referrals.ServiceReferral#housing", "provider")
    | _fields("outcomes.Outcome", "source_ref")
    | _fields("identification.Incident", "key")
    | _fields("casework.CaseNote", "text")
    | _fields("casework.NeedsAssessment", "summary")
    | _fields("casework.Contact", "summary")
    | _fields("people.Correction", "previous_protected")
    | _fields("service_referrals.Consent", "purpose", "recipient")
    | _fields("service_referrals.Consent#revoked", "purpose", "recipient")
    | _fields("service_referrals.Disclosure", "recipient"),
    "home page": set(),
    "people search": PERSON | _fields("people.Person", "middle_name"),
    "referral queue": PERSON | _fields("referrals.Referral", "referred_by"),
    "duplicates": _fields("people.PersonLink", "evidence") | _fields("people.Person", "key"),
    "shooting review": PERSON
    | _fields("identification.ShootingReview", "summary", "agencies_present")
    | _fields("identification.ReviewedIncident", "discussion")
    | _fields("identification.ReviewIdentification", "follow_up")
    | _fields("identification.Incident", "key"),
    "candidate": PERSON
    | _fields("people.Person", "key")
    | _fields("identification.CandidateReason", "text", "source_id")
    | _fields("identification.Candidate", "decision_reason"),
    "consent revoke": _fields("service_referrals.Consent", "recipient"),
    "legal assessment": _fields("notifications.CustomNotification", "legal_assessment"),
    "API person": _fields("people.Person", "key", "first_name", "middle_name", "last_name", "date_of_birth"),
    "API people search": _fields("people.Person", "key", "first_name", "middle_name", "last_name", "date_of_birth"),
    "API referrals": _fields("referrals.Referral", "key", "referred_by"),
}


def _export_carries() -> set[tuple[str, str]]:
    """Every field an export column reads (a column of another record's key included)."""
    carried = set()
    for spec in FILES:
        for column in EXPORT[spec.name]:
            *path, name = column.lookup.split("__")
            model = spec.model
            for part in path:
                model = model._meta.get_field(part).related_model
            carried.add((model._meta.label, name))
    return carried


def _pages(world: World, role: str) -> dict[str, str]:
    """The text of each channel that carries records, as ``role`` gets it."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    ids, person = world.ids, world.person
    urls = {
        "person page": reverse("desk:person", args=[ids["person_id"]]),
        "home page": reverse("home"),
        "people search": reverse("people:search") + "?q=" + BIRTH.isoformat(),
        "referral queue": reverse("referrals:queue"),
        "duplicates": reverse("people:links"),
        "shooting review": reverse("identification:review", args=[ids["review_id"]]),
        "candidate": reverse("identification:candidate", args=[ids["candidate_id"]]),
        "consent revoke": reverse("service_referrals:consent_revoke", args=[ids["consent_id"]]),
        "legal assessment": reverse("notifications:legal_assessment", args=[ids["notification_id"]]),
    }
    texts = {name: client.get(url).content.decode() for name, url in urls.items()}
    # A search page shows the searcher's own words back (the birth date): not a disclosure.
    texts["people search"] = texts["people search"].replace(BIRTH.isoformat(), "")
    api = Client(raise_request_exception=False)
    bearer = {"Authorization": f"Bearer {world.tokens[role]}"}
    for name, url in {
        "API person": f"/api/v1/people/{ids['person_id']}/",
        "API people search": f"/api/v1/people/?q={person.last_name}",
        "API referrals": "/api/v1/referrals/",
    }.items():
        texts[name] = api.get(url, headers=bearer).content.decode()
    texts["API people search"] = texts["API people search"].replace(f"q={person.last_name}", "")
    return texts


def _export(world: World, role: str, tmp: Path) -> str:
    out = tmp / f"export-{role}"
    try:
        bundle_export(actor=world.users[role], out_dir=out)
    except PermissionDenied:
        return ""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))


def _audit_viewer(world: World, role: str) -> str:
    """Every page of the audit viewer (older and older events), as ``role`` gets it."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    pages, url = [], "/audit/"
    while url:
        page = client.get(url).content.decode()
        pages.append(page)
        older = page.split('">' + "Older events")[0].rsplit('href="', 1)[-1] if "Older events" in page else ""
        url = "/audit/" + older.replace("&amp;", "&") if older.startswith("?") else ""
    return "\n".join(pages)


def _record_visible(user: Any, seed: Seed, channel: Channel) -> bool:
    try:
        return visible_rows(seed.model._base_manager.filter(pk=seed.record.pk), user, channel).exists()
    except PermissionDenied:
        return False


def allowed(user: Any, seed: Seed, name: str, channel: str) -> bool:
    """Does the policy let ``user`` see ``name`` of this record in this channel?"""
    if channel == "audit viewer":  # the viewer shows events about records, each value by its field
        return shows(user, seed.model, name)
    kind = Channel.EXPORT if channel == "export" else Channel.PAGE
    return _record_visible(user, seed, kind) and treatment(user, seed.model, name) == Show.SHOWN


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, user_maker) -> Iterator[World]:
    """One world for the module, built once (sweeps only read it: what they write is undone)."""
    with sweep.built_once(django_db_blocker, lambda: build_world(user_maker())) as built:
        yield built


# The record each page is about, and the action the page is for: a page a role does not reach
# (it may not see that record, or not take that action) carries nothing for it.
ANCHORS: dict[str, tuple[str, str | None]] = {
    "person page": ("people.Person", None),
    "home page": ("people.Person", None),
    "people search": ("people.Person", None),
    "referral queue": ("referrals.Referral", None),
    "duplicates": ("people.PersonLink", None),
    "shooting review": ("identification.ShootingReview", None),
    "candidate": ("identification.Candidate", None),
    "consent revoke": ("service_referrals.Consent", "consent.revoke"),
    "legal assessment": ("notifications.CustomNotification", "notification.legal_assessment"),
    "API person": ("people.Person", None),
    "API people search": ("people.Person", None),
    "API referrals": ("referrals.Referral", None),
    "audit viewer": ("audit.AuditEvent", None),
    "export": ("people.Person", "interchange.export"),
}
# Channels whose table names models, for every record of the model (the others name records).
BY_MODEL = {"export"}


def _reaches(user: Any, world: World, channel: str) -> bool:
    label, action = ANCHORS[channel]
    if action is not None and not can_some(user, action):
        return False
    if label == "audit.AuditEvent":
        return sees(user, AuditEvent)
    anchor = next(seed for seed in world.seeds if seed.label == label)
    kind = Channel.EXPORT if channel == "export" else Channel.PAGE
    return _record_visible(user, anchor, kind) and (action is None or can(user, action, anchor.record))


@pytest.mark.parametrize("role", ROLES)
def test_row_34_every_channel_shows_a_field_exactly_where_the_policy_allows_it(world, role, tmp_path) -> None:
    user = world.users[role]
    channels = _pages(world, role)
    channels["export"] = _export(world, role, tmp_path)
    channels["audit viewer"] = _audit_viewer(world, role)
    carries = {
        **CARRIES,
        "export": _export_carries(),
        # The viewer shortens each event's details: checked for what it must not show only.
        "audit viewer": set(),
    }
    wrong = []
    for name, text in channels.items():
        reached = _reaches(user, world, name)
        for seed in world.seeds:
            label = seed.label.split("#")[0] if name in BY_MODEL else seed.label
            for field_name, token in seed.fields.items():
                may = allowed(user, seed, field_name, name)
                shown = token in text
                if shown and not may:
                    wrong.append(f"{name}: shows {seed.label}.{field_name}, which the policy withholds from {role}")
                elif reached and may and (label, field_name) in carries[name] and not shown:
                    wrong.append(f"{name}: does not show {seed.label}.{field_name}, which the policy shows {role}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_row_34_no_page_at_all_shows_what_the_policy_withholds(world, role, tmp_path) -> None:
    """Every URL the application answers (the admin, error pages, reports and partials included),
    with the ids of these records, as ``role``: no canary the policy withholds from them."""
    user = world.users[role]
    legacy = sweep.World(users=world.users, tokens=world.tokens, person=world.person, ids=world.ids)
    answers = sweep.sweep(legacy, role, tmp_path)
    withheld = {
        (seed.label, name): token
        for seed in world.seeds
        for name, token in seed.fields.items()
        if not any(allowed(user, seed, name, channel) for channel in ("page", "export", "audit viewer"))
    }
    assert len(answers) > 60
    found = [f"{a.what}: {label}" for a in answers for label, token in withheld.items() if token in a.text]
    assert not found, "\n".join(found)


def test_the_world_covers_every_sensitive_field_of_a_person_record() -> None:
    """Every declared sensitive text field of the records a person has is seeded (so a new one
    must be added here, and so to the channels' check)."""
    person_models = {line.model for line in READS if line.person is not None}
    missing = []
    for label in person_models:
        model = apps.get_model(label)
        for name, _kind in getattr(model, "SENSITIVE_FIELDS", {}).items():
            column = model._meta.get_field(name)
            if not column.editable or column.choices:  # derived (a search name), or a code
                continue
            if column.get_internal_type() in {"CharField", "TextField", "DateField"} and (label, name) not in SEEDED:
                missing.append(f"{label}.{name}")
    assert not missing, f"seed these in build_world and add them to SEEDED: {missing}"


# The sensitive fields build_world seeds (checked against the models' declarations above).
SEEDED = {
    *_fields(
        "people.Person",
        "key",
        "first_name",
        "middle_name",
        "last_name",
        "date_of_birth",
        "died_on",
        "address",
        "city",
        "state",
        "postal_code",
        "phone",
    ),
    *_fields("people.PersonAlias", "first_name", "last_name", "name"),
    *_fields("people.ContactPoint", "value", "note"),
    *_fields("referrals.Referral", "key", "referred_by", "reason"),
    *_fields("notifications.CustomNotification", "legal_assessment"),
    *_fields("notifications.NotificationAttempt", "key", "notes"),
    *_fields("casework.NeedsAssessment", "summary"),
    *_fields("casework.NeedItem", "detail"),
    *_fields("casework.Contact", "summary"),
    *_fields("people.Correction", "previous_protected"),
    *_fields("casework.CaseNote", "text"),
    *_fields("service_referrals.ServiceReferral", "key", "provider", "details"),
    *_fields("service_referrals.Consent", "purpose", "recipient", "revoke_reason"),
    *_fields("service_referrals.Disclosure", "recipient"),
    *_fields("outcomes.Outcome", "key", "source_ref", "notes"),
    *_fields("identification.ReviewIdentification", "follow_up"),
    *_fields("identification.Candidate", "decision_reason"),
    *_fields("identification.CandidateReason", "text", "source_id"),
    # The records of the field work: seeded with canaries by each app's tests/sweep.py into the
    # sweep's world, where the wall tests search every answer for them role by role.
    *(field for module in sweep.FIELD_SWEEPS for field in getattr(module, "SEEDED", ())),
}


def test_masked_fields_are_never_fetched_into_a_page_queryset(world) -> None:
    """What ``visible`` withholds is not in the records it returns, related records included."""
    manager, police = world.users["manager"], world.users["police"]
    assert {n.text for n in case_note_list(user=manager)} == {""}
    assert "notes" in hidden_fields(police, type(attempt_list(user=police).first()))
    assert {a.notes for a in attempt_list(user=police)} == {""}
    with pytest.raises(TypeError):
        attempt_list(user=police).values("notes")

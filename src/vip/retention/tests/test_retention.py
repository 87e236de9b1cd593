"""Retention (issue 5, item 7): what the program must not keep forever is purged, audited; the
audit trail itself is kept at least a year and stays verifiable after its oldest events go.

Data is built now through the services; the purge is asked "as of" a later moment (``now``), so
that what was built before ``middle`` is past its period and what was built after is not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from click.testing import CliRunner
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from vip.accounts.models import ApiToken
from vip.accounts.tokens import token_create, token_revoke
from vip.audit.models import AuditEvent
from vip.audit.selectors import audit_chain_verify, audit_checkpoint
from vip.audit.services import audit_record
from vip.cli import main
from vip.identification.choices import CandidateStatus
from vip.identification.models import Candidate, CandidateReason, Involvement
from vip.identification.selectors import outreach_candidates
from vip.identification.services import (
    Reason,
    candidate_decide,
    candidate_propose,
    candidates_expire,
    incident_record,
    involvement_add,
)
from vip.notifications.services import attempt_record
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.models import Referral
from vip.referrals.services import referral_create
from vip.retention.services import RetentionError, retention_plan, retention_purge

pytestmark = pytest.mark.django_db
REASON = [Reason("manual", "named at the shooting review", "identification.shootingreview", "1")]


@pytest.fixture
def team(program, make_user) -> dict[str, Any]:
    return {role: make_user(role) for role in ("peer", "police", "manager", "admin")}


def _counts() -> dict[str, int]:
    models = (Person, Referral, Involvement, Candidate, CandidateReason, Session, ApiToken, AuditEvent)
    return {m._meta.label: m.objects.count() for m in models}


def _candidate(team: dict[str, Any], name: str, decide: bool | None = None) -> Candidate:
    person = person_create(actor=team["manager"], first_name=name, last_name="Candidate")
    candidate = candidate_propose(actor=team["police"], person=person, reasons=REASON)
    if decide is not None:
        candidate = candidate_decide(actor=team["manager"], candidate=candidate, approve=decide, reason="reviewed")
    return candidate


def test_retention_dry_run_changes_nothing_and_lists_counts_per_kind(team) -> None:
    person = person_create(actor=team["manager"], first_name="Old", last_name="Referral")
    referral_create(actor=team["manager"], person=person, received_on=dt.date(2020, 5, 1), source="hospital")
    _candidate(team, "Declined", decide=False)
    before = _counts()
    plan = {item.kind: item.count for item in retention_plan(now=timezone.now() + dt.timedelta(days=2200))}
    assert plan["people"] == 2 and plan["candidates"] == 1 and plan["audit"] > 0
    assert _counts() == before

    result = CliRunner().invoke(main, ["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was deleted" in result.output
    for kind in ("people", "candidates", "sessions", "api_tokens", "access_logs", "audit"):
        assert kind in result.output
    assert _counts() == before


def test_retention_purge_removes_exactly_the_old_candidates(team) -> None:
    old_declined = _candidate(team, "OldDeclined", decide=False)
    old_proposed = _candidate(team, "OldProposed")
    approved = _candidate(team, "Approved", decide=True)
    expired = _candidate(team, "Expired", decide=True)
    middle = timezone.now()
    new_declined = _candidate(team, "NewDeclined", decide=False)
    new_proposed = _candidate(team, "NewProposed")

    # Expired candidates are hidden from the outreach list as soon as their approval runs out.
    assert expired.expires_on is not None
    day_after = expired.expires_on + dt.timedelta(days=1)
    assert set(outreach_candidates(user=None, today=expired.expires_on)) == {approved, expired}
    assert not outreach_candidates(user=None, today=day_after).exists()
    # (Proposals nobody reviewed expire too, after the criteria's days; kept out of this test.)
    assert candidates_expire(actor=None, today=day_after, proposal_days=10_000) == 2

    items = retention_purge(actor=None, now=middle + dt.timedelta(days=365), kinds=("candidates",))
    assert [(i.kind, i.count) for i in items] == [("candidates", 2)]
    assert set(Candidate.objects.all()) == {approved, expired, new_declined, new_proposed}
    assert not CandidateReason.objects.filter(candidate__in=[old_declined.pk, old_proposed.pk]).exists()
    event = AuditEvent.objects.get(action="retention.purge", object_type="candidates")
    assert event.changes["count"] == 2 and event.changes["retention_days"] == 365
    assert "OldDeclined" not in str(event.changes)  # counts, never case content

    # Once past their expiry by the period, the expired ones go too.
    assert expired.expires_on is not None
    later = timezone.make_aware(dt.datetime.combine(expired.expires_on, dt.time())) + dt.timedelta(days=367)
    retention_purge(actor=None, now=later, kinds=("candidates",))
    assert not Candidate.objects.filter(status=CandidateStatus.EXPIRED).exists()
    assert audit_chain_verify(user=None).intact


def test_retention_purge_removes_people_never_enrolled_and_inactive(team) -> None:
    def person(name: str) -> Person:
        return person_create(actor=team["manager"], first_name=name, last_name="Retention")

    never = person("Never")
    referral_create(actor=team["manager"], person=never, received_on=dt.date(2020, 5, 1), source="hospital")
    incident = incident_record(
        actor=team["police"],
        key="20-000001",
        occurred_at=dt.datetime(2020, 4, 30, 22, 0, tzinfo=dt.UTC),
        type="shooting",
    )
    involvement_add(actor=team["police"], incident=incident, person=never, role="victim")
    notified = person("Notified")
    attempt_record(
        actor=team["peer"],
        person=notified,
        attempted_at=dt.datetime(2020, 6, 1, 18, 0, tzinfo=dt.UTC),
        outcome="delivered",
        team={"peer_support"},
    )
    on_caseload = person_assign_peer(actor=team["manager"], person=person("Caseload"), peer=team["peer"])
    referred_again = person("ReferredAgain")
    middle = timezone.now()
    referral_create(actor=team["manager"], person=referred_again, received_on=dt.date(2025, 1, 2), source="school")

    items = retention_purge(actor=None, now=middle + dt.timedelta(days=1826), kinds=("people",))
    assert [(i.kind, i.count) for i in items] == [("people", 1)]
    assert set(Person.objects.all()) == {notified, on_caseload, referred_again}
    assert not Referral.objects.filter(person_id=never.pk).exists()
    assert not Involvement.objects.filter(person_id=never.pk).exists()
    assert incident.__class__.objects.filter(pk=incident.pk).exists()  # the police record of the event stays
    event = AuditEvent.objects.get(action="retention.purge", object_type="people")
    assert event.changes["removed"] == {
        "people.Person": 1,
        "referrals.Referral": 1,
        "identification.Involvement": 1,
    }
    assert "Never" not in str(event.changes)


def test_retention_purge_removes_ended_sessions_and_old_revoked_tokens(team) -> None:
    ended = SessionStore()
    ended.set_expiry(-60)
    ended.create()
    live = SessionStore()
    live.create()
    old, _ = token_create(actor=None, user=team["admin"], name="old")
    token_revoke(actor=None, token=old)
    active, _ = token_create(actor=None, user=team["admin"], name="active")
    middle = timezone.now()
    recent, _ = token_create(actor=None, user=team["admin"], name="recently revoked")
    token_revoke(actor=None, token=recent)

    # Sessions end on their own clock; the tokens' period runs from their revocation.
    assert [i.count for i in retention_plan(kinds=("sessions",))] == [1]
    assert [i.count for i in retention_plan(now=middle + dt.timedelta(days=90), kinds=("api_tokens",))] == [1]
    retention_purge(actor=None, kinds=("sessions",))
    retention_purge(actor=None, now=middle + dt.timedelta(days=90), kinds=("api_tokens",))
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert set(ApiToken.objects.all()) == {active, recent}
    assert AuditEvent.objects.filter(action="retention.purge").count() == 2


def test_retention_audit_purge_keeps_the_chain_verifiable(team) -> None:
    for i in range(3):
        person_create(actor=team["manager"], first_name=f"Early{i}", last_name="Event")
    middle = timezone.now()
    for i in range(2):
        person_create(actor=team["manager"], first_name=f"Late{i}", last_name="Event")
    before = list(AuditEvent.objects.order_by("id").values_list("id", "hash", "occurred_at"))
    old = [(pk, h) for pk, h, at in before if at < middle]

    items = retention_purge(actor=None, now=middle + dt.timedelta(days=2192), kinds=("audit",))
    assert [(i.kind, i.count) for i in items] == [("audit", len(old))]
    assert not AuditEvent.objects.filter(id__lte=old[-1][0]).exists()
    checkpoint = audit_checkpoint(user=None)
    assert checkpoint is not None
    assert (checkpoint["through_id"], checkpoint["through_hash"], checkpoint["purged"]) == (
        old[-1][0],
        old[-1][1],
        len(old),
    )
    result = audit_chain_verify(user=None)
    assert result.intact and result.checked == len(before) - len(old) + 1
    cli = CliRunner().invoke(main, ["audit", "verify"])
    assert cli.exit_code == 0, cli.output
    assert f"The {len(old):,} event(s) before event {old[-1][0] + 1} were purged" in cli.output

    # Nothing left to purge: a second purge removes nothing, and the chain still verifies.
    assert retention_purge(actor=None, now=middle + dt.timedelta(days=2192), kinds=("audit",))[0].count == 0
    assert audit_chain_verify(user=None).intact
    with transaction.atomic():
        audit_record(actor=None, action="test.after_purge")
    assert audit_chain_verify(user=None).intact

    # Removing the first kept event without a purge still breaks the chain there.
    first_kept = AuditEvent.objects.order_by("id").first()
    assert first_kept is not None
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [first_kept.pk])  # noqa: S608
    broken = audit_chain_verify(user=None)
    assert not broken.intact and broken.broken_at is not None and broken.broken_at > first_kept.pk


def test_retention_refuses_an_audit_trail_kept_less_than_a_year(team, settings) -> None:
    settings.VIP_AUDIT_RETENTION_DAYS = 364
    before = _counts()
    with pytest.raises(RetentionError, match="at least 365 days"):
        retention_plan()
    with pytest.raises(RetentionError, match="at least 365 days"):
        retention_purge(actor=None, now=timezone.now() + dt.timedelta(days=4000))
    result = CliRunner().invoke(main, ["retention", "purge", "--apply"])
    assert result.exit_code == 1 and "VIP_AUDIT_RETENTION_DAYS is 364" in result.output
    assert _counts() == before
    settings.VIP_AUDIT_RETENTION_DAYS = 365
    settings.VIP_RETENTION_ACCESS_LOG_DAYS = 30
    with pytest.raises(RetentionError, match="VIP_RETENTION_ACCESS_LOG_DAYS is 30"):
        retention_plan()


def test_retention_purge_removes_old_access_logs(team) -> None:
    from django.apps import apps

    access_log = apps.get_model("axes", "AccessLog")
    row = access_log.objects.create(username="someone", ip_address="203.0.113.9", user_agent="test")
    plan = {i.kind: i.count for i in retention_plan(now=row.attempt_time + dt.timedelta(days=366))}
    assert plan["access_logs"] >= 1
    retention_purge(actor=None, now=row.attempt_time + dt.timedelta(days=366), kinds=("access_logs",))
    assert not access_log.objects.filter(pk=row.pk).exists()

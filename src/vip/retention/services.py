"""Retention: what the program must not keep forever, and the purge that removes it.

Every period is configuration (settings from environment variables, README's table). A purge
is planned first (``retention_plan``: what would go, per kind, with counts; nothing changes) and
applied only when asked (``retention_purge``): in one transaction, with one audit event per kind
holding the count and the cut-off, never case content.

Kinds:

- ``people``: people never enrolled (no custom notification, attempt, service referral, needs
  assessment, contact, case note or outcome, and no assigned peer) whose records (the person,
  referrals, incident involvements, shooting-review identifications, candidacies) have not
  changed for VIP_RETENTION_UNENROLLED_DAYS. Their incidents stay (police records of an event);
  their link to them goes.
- ``candidates``: declined, expired (or approved past their expiry) and never-decided candidates
  older than VIP_RETENTION_CANDIDATE_DAYS, with their reasons.
- ``sessions``: ended sign-in sessions.
- ``api_tokens``: tokens revoked more than VIP_RETENTION_API_TOKEN_DAYS ago.
- ``access_logs``: sign-in attempt records (django-axes) older than
  VIP_RETENTION_ACCESS_LOG_DAYS (at least a year: CJIS keeps audit records for one).
- ``audit``: audit events older than VIP_AUDIT_RETENTION_DAYS (at least 365). The oldest events
  go; the purge's own event, chained like any other, records the checkpoint (the id and hash of
  the newest event removed, the first event kept, how many, the cut-off; who and when are the
  event's own) that ``vip audit verify`` checks the first stored event against (docs/audit.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from vip.accounts.models import ApiToken
from vip.audit import chain
from vip.audit.models import AuditEvent
from vip.audit.selectors import PURGE_ACTION, audit_checkpoint
from vip.audit.services import Actor, audit_record
from vip.identification.choices import CandidateStatus
from vip.identification.models import Candidate
from vip.people.models import Person

AUDIT_MINIMUM_DAYS = chain.MINIMUM_RETENTION_DAYS
ACCESS_LOG_MINIMUM_DAYS = 365
KINDS = ("people", "candidates", "sessions", "api_tokens", "access_logs", "audit")


class RetentionError(ValueError):
    """A retention period that may not be used (e.g. an audit trail kept less than a year)."""


@dataclass(frozen=True)
class Policy:
    unenrolled_days: int
    candidate_days: int
    api_token_days: int
    access_log_days: int
    audit_days: int

    def days(self, kind: str) -> int | None:
        return {
            "people": self.unenrolled_days,
            "candidates": self.candidate_days,
            "sessions": None,
            "api_tokens": self.api_token_days,
            "access_logs": self.access_log_days,
            "audit": self.audit_days,
        }[kind]


def retention_policy() -> Policy:
    """The configured periods; refuses an audit trail or access log kept less than a year."""
    policy = Policy(
        unenrolled_days=int(settings.VIP_RETENTION_UNENROLLED_DAYS),
        candidate_days=int(settings.VIP_RETENTION_CANDIDATE_DAYS),
        api_token_days=int(settings.VIP_RETENTION_API_TOKEN_DAYS),
        access_log_days=int(settings.VIP_RETENTION_ACCESS_LOG_DAYS),
        audit_days=int(settings.VIP_AUDIT_RETENTION_DAYS),
    )
    if policy.audit_days < AUDIT_MINIMUM_DAYS:
        raise RetentionError(
            f"VIP_AUDIT_RETENTION_DAYS is {policy.audit_days}: the audit trail must be kept at least "
            f"{AUDIT_MINIMUM_DAYS} days (CJIS); nothing was purged"
        )
    if policy.access_log_days < ACCESS_LOG_MINIMUM_DAYS:
        raise RetentionError(
            f"VIP_RETENTION_ACCESS_LOG_DAYS is {policy.access_log_days}: sign-in records are audit records, "
            f"kept at least {ACCESS_LOG_MINIMUM_DAYS} days; nothing was purged"
        )
    for name, value in vars(policy).items():
        if value < 1:
            raise RetentionError(f"the retention period {name} must be at least one day, not {value}")
    return policy


@dataclass
class Item:
    kind: str
    description: str
    count: int
    cutoff: dt.datetime | None
    days: int | None
    details: dict[str, int] = field(default_factory=dict)


# --- what each kind selects -----------------------------------------------------------------------


def _related(name: str) -> type[models.Model]:
    return apps.get_model(name)


def _unenrolled_people(cutoff: dt.datetime) -> models.QuerySet[Any]:

    people = Person.objects.filter(assigned_peer__isnull=True, updated_at__lt=cutoff)
    # Any trace of the program working with the person keeps them.
    for label in (
        "notifications.CustomNotification",
        "notifications.NotificationAttempt",
        "service_referrals.ServiceReferral",
        "casework.NeedsAssessment",
        "casework.Contact",
        "casework.CaseNote",
        "outcomes.Outcome",
        # The records of the field work (docs/field-work.md).
        "safety_plans.SafetyPlan",
        "safety_plans.SafetyCheckIn",
        "incentives.Incentive",
        "mediations.MediationParty",
        "groups.GroupMembership",
        "groups.CallInAttendance",
    ):
        people = people.exclude(Exists(_related(label)._default_manager.filter(person=OuterRef("pk"))))
    hospital = _related("hospital.HospitalReferral")._default_manager
    people = people.exclude(Exists(hospital.filter(referral__person=OuterRef("pk"))))
    # Referred or identified long ago, and nothing about it has changed since.
    for label in (
        "referrals.Referral",
        "identification.Involvement",
        "identification.ReviewIdentification",
        "identification.Candidate",
    ):
        people = people.exclude(
            Exists(_related(label)._default_manager.filter(person=OuterRef("pk"), updated_at__gte=cutoff))
        )
    return people


def _person_records() -> tuple[str, ...]:
    return (
        "identification.Candidate",  # its reasons go with it
        "identification.ReviewIdentification",
        "identification.Involvement",
        "referrals.Referral",
    )


def _old_candidates(cutoff: dt.datetime) -> models.QuerySet[Any]:

    day = cutoff.date()
    return Candidate.objects.filter(
        Q(status=CandidateStatus.DECLINED, decided_at__lt=cutoff)
        | Q(status__in=[CandidateStatus.EXPIRED, CandidateStatus.APPROVED], expires_on__lt=day)
        | Q(status=CandidateStatus.EXPIRED, expires_on__isnull=True, updated_at__lt=cutoff)
        | Q(status=CandidateStatus.PROPOSED, proposed_at__lt=cutoff)
    )


def _access_log_models() -> list[type[models.Model]]:
    """django-axes' records of sign-in attempts (the lockout, security row 3)."""
    return [apps.get_model("axes", name) for name in ("AccessAttempt", "AccessLog", "AccessFailureLog")]


def _newest_event() -> int | None:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


def _audit_through(cutoff: dt.datetime, newest: int | None) -> tuple[int, int]:
    """(id of the newest event to purge, how many): the events before the first one kept.

    ``newest`` (the newest event when the purge began) is always kept, and so is every event
    after it, so the chain goes on from a stored event. Ids may have gaps (a sequence value
    taken by a transaction that rolled back): the newest event purged is a stored one.
    """
    if newest is None:
        return 0, 0
    first_kept = AuditEvent.objects.filter(occurred_at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    limit = min(newest, first_kept) if first_kept is not None else newest
    through = AuditEvent.objects.filter(id__lt=limit).order_by("-id").values_list("id", flat=True).first() or 0
    after = 0

    checkpoint = audit_checkpoint(user=None)
    if checkpoint:
        after = int(checkpoint["through_id"])
    if through <= after:
        return after, 0
    return through, AuditEvent.objects.filter(id__lte=through).count()


def _selection(kind: str, cutoff: dt.datetime, now: dt.datetime) -> list[models.QuerySet[Any]]:

    if kind == "people":
        return [_unenrolled_people(cutoff)]
    if kind == "candidates":
        return [_old_candidates(cutoff)]
    if kind == "sessions":
        return [Session.objects.filter(expire_date__lt=now)]
    if kind == "api_tokens":
        return [ApiToken.objects.filter(revoked_at__lt=cutoff)]
    if kind == "access_logs":
        return [model._default_manager.filter(attempt_time__lt=cutoff) for model in _access_log_models()]
    raise ValueError(kind)


_DESCRIPTIONS = {
    "people": "people never enrolled, with no activity since the cut-off (and their referrals, involvements, "
    "review identifications, candidacies)",
    "candidates": "declined, expired and never-decided identification candidates (with their reasons)",
    "sessions": "ended sign-in sessions",
    "api_tokens": "revoked API tokens",
    "access_logs": "sign-in attempt records (django-axes)",
    "audit": "audit events (a checkpoint keeps the chain verifiable)",
}


def retention_plan(*, now: dt.datetime | None = None, kinds: tuple[str, ...] = KINDS) -> list[Item]:
    """What a purge would remove now, per kind, with counts. Changes nothing."""
    policy = retention_policy()
    now = now or timezone.now()
    items = []
    for kind in kinds:
        days = policy.days(kind)
        cutoff = now - dt.timedelta(days=days) if days is not None else now
        if kind == "audit":
            _through, count = _audit_through(cutoff, _newest_event())
            items.append(Item(kind, _DESCRIPTIONS[kind], count, cutoff, days))
            continue
        counts = {qs.model._meta.label: qs.count() for qs in _selection(kind, cutoff, now)}
        items.append(Item(kind, _DESCRIPTIONS[kind], sum(counts.values()), cutoff, days, counts))
    return items


# --- the purge ------------------------------------------------------------------------------------


def _purge_people(cutoff: dt.datetime) -> dict[str, int]:
    people = list(_unenrolled_people(cutoff).values_list("pk", flat=True))
    deleted: dict[str, int] = {}
    for start in range(0, len(people), 500):
        batch = people[start : start + 500]
        for label in _person_records():
            _n, per_model = _related(label)._default_manager.filter(person_id__in=batch).delete()
            _add(deleted, per_model)

        _n, per_model = Person.objects.filter(pk__in=batch).delete()
        _add(deleted, per_model)
    return deleted


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for label, n in counts.items():
        if n:
            total[label] = total.get(label, 0) + n


def _purge_audit(actor: Actor, cutoff: dt.datetime, days: int, newest: int | None) -> int:
    through, count = _audit_through(cutoff, newest)
    if not count:
        return 0
    through_hash = AuditEvent.objects.filter(id=through).values_list("hash", flat=True).get()
    first_kept = AuditEvent.objects.filter(id__gt=through).order_by("id").values_list("id", flat=True).first()
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        # The one sanctioned removal of audit events: the application's query set refuses deletes.
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [through])  # noqa: S608
    audit_record(
        actor=actor,
        action=PURGE_ACTION,
        object_type="audit.auditevent",
        object_id=str(through),
        # The checkpoint, itself chained: the newest event purged (its hash is what the first event
        # kept links to) and the first kept. Verification checks both against the stored chain.
        changes={
            "through_id": through,
            "through_hash": through_hash,
            "first_kept_id": first_kept,
            "purged": count,
            "cutoff": cutoff.isoformat(),
            "retention_days": days,
        },
    )
    return count


def retention_purge(*, actor: Actor, now: dt.datetime | None = None, kinds: tuple[str, ...] = KINDS) -> list[Item]:
    """Remove what the retention periods say must go, in one transaction; one audit event per kind."""
    policy = retention_policy()
    now = now or timezone.now()
    items = []
    with transaction.atomic():
        chain.lock_chain()
        newest = _newest_event()
        for kind in kinds:
            days = policy.days(kind)
            cutoff = now - dt.timedelta(days=days) if days is not None else now
            if kind == "audit":
                continue  # last: it keeps the events this purge records
            if kind == "people":
                details = _purge_people(cutoff)
                count = details.get("people.Person", 0)
            else:
                details = {}
                for qs in _selection(kind, cutoff, now):
                    _n, per_model = qs.delete()
                    _add(details, per_model)
                count = sum(details.values()) if kind != "candidates" else details.get("identification.Candidate", 0)
            items.append(Item(kind, _DESCRIPTIONS[kind], count, cutoff, days, details))
            audit_record(
                actor=actor,
                action="retention.purge",
                object_type=kind,
                changes={
                    "count": count,
                    "removed": details,
                    "cutoff": cutoff.isoformat(),
                    "retention_days": days,
                },
            )
        if "audit" in kinds:
            days = policy.audit_days
            cutoff = now - dt.timedelta(days=days)
            items.append(Item("audit", _DESCRIPTIONS["audit"], _purge_audit(actor, cutoff, days, newest), cutoff, days))
    return items

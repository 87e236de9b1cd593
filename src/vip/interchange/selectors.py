"""What an export may contain for a given reader (the wall, applied to bundles).

An export honours the reader's permissions (interchange spec, "Export"):

- the operator (command line, no ``--as``) and a program manager get the full
  bundle, except that a manager gets no case content (notification notes) and no
  health or substance-use service referrals;
- a police user gets people, incidents, involvements, notification attempts
  without notes, and outcomes; no service referrals of health categories;
- a peer support worker gets the people on their caseload and those people's
  referrals, attempts and service referrals; no police records or outcomes;
- an analyst gets a de-identified bundle: keys replaced by stable pseudonyms,
  names, addresses, phone numbers, exact birth dates and free text removed;
- administrators and integration accounts get nothing (denied).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor
from vip.core.config import ProgramConfig
from vip.identification.models import Incident, Involvement
from vip.interchange.schema import FILES, FileSpec
from vip.notifications.models import NotificationAttempt
from vip.outcomes.models import Outcome
from vip.people.models import Person
from vip.referrals.models import Referral
from vip.service_referrals.models import ServiceReferral


@dataclass(frozen=True)
class ExportPolicy:
    files: frozenset[str]
    blank_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    deidentify: bool = False
    caseload_of: int | None = None  # a peer's user id: only their caseload
    exclude_sensitive_services: bool = False


ALL = frozenset(spec.name for spec in FILES)
IDENTIFYING_COLUMNS = {
    "people.csv": frozenset(
        {"first_name", "last_name", "middle_name", "date_of_birth", "address", "postal_code", "phone"}
    ),
    "referrals.csv": frozenset({"referred_by", "reason"}),
    "incidents.csv": frozenset({"address"}),
    "notifications.csv": frozenset({"notes"}),
    "service_referrals.csv": frozenset({"provider"}),
    "outcomes.csv": frozenset({"source_ref", "notes"}),
}
# Columns that hold keys (replaced by pseudonyms in a de-identified export).
KEY_COLUMNS = frozenset(
    {"person_key", "referral_key", "attempt_key", "service_referral_key", "outcome_key", "incident_key"}
)


def export_policy(actor: Actor) -> ExportPolicy:
    if actor is None:
        return ExportPolicy(files=ALL)
    role = actor.role
    if role == User.Role.MANAGER:
        return ExportPolicy(
            files=ALL,
            blank_columns={"notifications.csv": frozenset({"notes"})},
            exclude_sensitive_services=True,
        )
    if role == User.Role.POLICE:
        return ExportPolicy(
            files=ALL - {"service_referrals.csv", "referrals.csv"},
            blank_columns={"notifications.csv": frozenset({"notes"})},
        )
    if role == User.Role.PEER:
        return ExportPolicy(
            files=frozenset({"people.csv", "referrals.csv", "notifications.csv", "service_referrals.csv"}),
            caseload_of=actor.pk,
        )
    if role == User.Role.ANALYST:
        return ExportPolicy(
            files=ALL,
            blank_columns=IDENTIFYING_COLUMNS,
            deidentify=True,
            exclude_sensitive_services=True,
        )
    raise PermissionDenied(_("The %(role)s role does not export program data.") % {"role": actor.get_role_display()})


def export_queryset(spec: FileSpec, policy: ExportPolicy, config: ProgramConfig) -> QuerySet:  # type: ignore[type-arg]
    """The rows of one file that the reader may have."""
    qs: QuerySet  # type: ignore[type-arg]
    if spec.model is Person:
        qs = Person.objects.all()
        person = Q()
        if policy.caseload_of is not None:
            person = Q(assigned_peer_id=policy.caseload_of)
        return qs.filter(person).order_by("id")
    model = spec.model
    qs = model.objects.all()  # type: ignore[attr-defined]
    if policy.caseload_of is not None and model in {
        Referral,
        NotificationAttempt,
        ServiceReferral,
        Outcome,
        Involvement,
    }:
        qs = qs.filter(person__assigned_peer_id=policy.caseload_of)
    if model is ServiceReferral and policy.exclude_sensitive_services:
        qs = qs.exclude(category__code__in=config.sensitive_categories)
    if model is Incident and policy.caseload_of is not None:
        qs = qs.none()
    return qs.order_by("id")


def pseudonym(kind: str, key: str) -> str:
    """A stable pseudonym for a key: the same key always gets the same pseudonym, for this installation."""
    secret = (settings.VIP_PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(secret, f"{kind}\x1f{key}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[:1].upper()}-{digest[:16]}"

"""The files and columns of interchange format version 1 (docs/interchange.md).

The schema is data: each file lists its columns, which are required, how a
cell is parsed, which other file a key refers to, and the model field it
lands in. The validator, the importer and the exporter all read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from vip.identification.choices import IncidentType, InvolvementRole
from vip.identification.models import Incident, Involvement
from vip.notifications.choices import AttemptOutcome, TeamRole
from vip.notifications.models import NotificationAttempt
from vip.outcomes.choices import OutcomeType
from vip.outcomes.models import Outcome
from vip.people.choices import Ethnicity, Race, Sex
from vip.people.models import Person
from vip.referrals.choices import ReferralSource
from vip.referrals.models import Referral
from vip.service_referrals.choices import CLOSING, NEEDS_CONNECTED_ON, ServiceReferralStatus
from vip.service_referrals.models import ServiceReferral

FORMAT_VERSION = "1"
TEAM_ORDER = [role.value for role in TeamRole]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # key | text | date | moment | choice | area | category | bool | team | ref
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the file a key column refers to
    max_length: int | None = None
    # An optional column added to version 1 after its first release: a file without it (written
    # before it existed, or by a system that does not know it) leaves the stored value as it is,
    # where a missing column of the first release reads as empty cells.
    keep_when_absent: bool = False


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    columns_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def stem(self) -> str:
        return self.name.removesuffix(".csv")


def _length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _choices(enum: type[models.TextChoices]) -> tuple[str, ...]:
    return tuple(enum.values)


def _key(model: type[models.Model], name: str, model_field: str = "key") -> Column:
    return Column(name, "key", required=True, max_length=_length(model, model_field))


def _text(model: type[models.Model], name: str, required: bool = False, model_field: str | None = None) -> Column:
    return Column(name, "text", required=required, max_length=_length(model, model_field or name))


PEOPLE = FileSpec(
    "people.csv",
    Person,
    (
        _key(Person, "person_key"),
        _text(Person, "first_name", required=True),
        _text(Person, "last_name", required=True),
        _text(Person, "middle_name"),
        Column("date_of_birth", "date"),
        Column("sex", "choice", choices=_choices(Sex)),
        Column("race", "choice", choices=_choices(Race)),
        Column("ethnicity", "choice", choices=_choices(Ethnicity)),
        _text(Person, "address"),
        _text(Person, "city"),
        _text(Person, "state"),
        _text(Person, "postal_code"),
        Column("area", "area"),
        _text(Person, "phone"),
        # Added to version 1: a death that is not a `killed` outcome (docs/interchange.md).
        Column("died_on", "date", keep_when_absent=True),
    ),
    key=("person_key",),
)

REFERRALS = FileSpec(
    "referrals.csv",
    Referral,
    (
        _key(Referral, "referral_key"),
        Column("person_key", "ref", required=True, ref="people.csv"),
        Column("received_on", "date", required=True),
        Column("source", "choice", required=True, choices=_choices(ReferralSource)),
        _text(Referral, "referred_by"),
        Column("area", "area"),
        Column("reason", "text"),
    ),
    key=("referral_key",),
)

INCIDENTS = FileSpec(
    "incidents.csv",
    Incident,
    (
        _key(Incident, "incident_key"),
        Column("occurred_at", "moment", required=True),
        Column("type", "choice", required=True, choices=_choices(IncidentType)),
        Column("area", "area"),
        _text(Incident, "address"),
    ),
    key=("incident_key",),
)

INVOLVEMENTS = FileSpec(
    "involvements.csv",
    Involvement,
    (
        Column("incident_key", "ref", required=True, ref="incidents.csv"),
        Column("person_key", "ref", required=True, ref="people.csv"),
        Column("role", "choice", required=True, choices=_choices(InvolvementRole)),
    ),
    key=("incident_key", "person_key", "role"),
)

NOTIFICATIONS = FileSpec(
    "notifications.csv",
    NotificationAttempt,
    (
        _key(NotificationAttempt, "attempt_key"),
        Column("person_key", "ref", required=True, ref="people.csv"),
        Column("referral_key", "ref", ref="referrals.csv"),
        Column("attempted_at", "moment", required=True),
        Column("outcome", "choice", required=True, choices=_choices(AttemptOutcome)),
        Column("team", "team"),
        Column("area", "area"),
        Column("legal_risk_explained", "bool"),
        Column("offer_of_help", "bool"),
        Column("letter_given", "bool"),
        Column("notes", "text"),
    ),
    key=("attempt_key",),
)

SERVICE_REFERRALS = FileSpec(
    "service_referrals.csv",
    ServiceReferral,
    (
        _key(ServiceReferral, "service_referral_key"),
        Column("person_key", "ref", required=True, ref="people.csv"),
        Column("category", "category", required=True),
        _text(ServiceReferral, "provider"),
        Column("referred_on", "date", required=True),
        Column("status", "choice", required=True, choices=_choices(ServiceReferralStatus)),
        Column("connected_on", "date"),
        Column("closed_on", "date"),
    ),
    key=("service_referral_key",),
)

OUTCOMES = FileSpec(
    "outcomes.csv",
    Outcome,
    (
        _key(Outcome, "outcome_key"),
        Column("person_key", "ref", required=True, ref="people.csv"),
        Column("occurred_on", "date", required=True),
        Column("type", "choice", required=True, choices=_choices(OutcomeType)),
        _text(Outcome, "source_ref"),
        Column("notes", "text"),
    ),
    key=("outcome_key",),
)

# In dependency order: every reference points to a file earlier in the list.
FILES: tuple[FileSpec, ...] = (PEOPLE, REFERRALS, INCIDENTS, INVOLVEMENTS, NOTIFICATIONS, SERVICE_REFERRALS, OUTCOMES)
FILES_BY_NAME = {spec.name: spec for spec in FILES}

# Version 2 adds optional files for the records of the field work, read after version 1's
# (their columns are in ``vip.interchange.field_files``, which imports the field apps).
FIELD_FILE_NAMES: tuple[str, ...] = (
    "mediations.csv",
    "mediation_parties.csv",
    "incentives.csv",
    "incentive_payments.csv",
    "groups.csv",
    "group_members.csv",
    "call_ins.csv",
    "call_in_attendance.csv",
    "safety_plans.csv",
    "safety_check_ins.csv",
    "hospital_referrals.csv",
    "bedside_visits.csv",
)
# What an export writes besides the files: the bundle's format version and its files' row counts.
BUNDLE_MANIFEST = "manifest.json"


# The files whose rows ``check_row`` checks across cells, and the columns it reads.
CROSS_CHECKED: dict[str, tuple[str, ...]] = {
    PEOPLE.name: ("date_of_birth", "died_on"),
    SERVICE_REFERRALS.name: ("status", "referred_on", "connected_on", "closed_on"),
}


def check_row(spec: FileSpec, row: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules that involve more than one cell of a row: ``[(column, message)]``."""
    if spec is PEOPLE:
        born: dt.date | None = row.get("date_of_birth")
        died: dt.date | None = row.get("died_on")
        if died is not None and born is not None and died < born:
            return [("died_on", f"{died} is before date_of_birth {born}")]
        return []
    if spec is not SERVICE_REFERRALS:
        return []
    problems: list[tuple[str, str]] = []
    status = row.get("status")
    referred: dt.date | None = row.get("referred_on")
    connected: dt.date | None = row.get("connected_on")
    closed: dt.date | None = row.get("closed_on")
    if status in NEEDS_CONNECTED_ON and connected is None:
        problems.append(("connected_on", f"required when status is {status}"))
    if connected is not None and referred is not None and connected < referred:
        problems.append(("connected_on", f"{connected} is before referred_on {referred}"))
    if closed is not None and referred is not None and closed < referred:
        problems.append(("closed_on", f"{closed} is before referred_on {referred}"))
    if closed is not None and connected is not None and closed < connected:
        problems.append(("closed_on", f"{closed} is before connected_on {connected}"))
    if closed is not None and status not in CLOSING:
        problems.append(("closed_on", f"must be empty while status is {status}"))
    return problems

"""Interchange format version 2: the files of the field records (docs/interchange.md).

Version 2 is version 1 plus optional files for the records of the field work: groups and
call-ins, safety plans and their check-ins, hospital referrals and bedside visits. A bundle
without them (a version 1 bundle) is read exactly as before: these files are read after version
1's, in the same transaction (whether version 1's went through the staging tables or the row
importer), with the same rules:

- every row has a key; a known key is updated, never duplicated; an unchanged row changes
  nothing; rows are never deleted;
- every problem is reported as ``file:line: column: message``; strict (the default), nothing is
  written unless the whole bundle is valid; ``skip_invalid`` leaves out the rejected rows and
  every row that names one;
- a record the importing account may not read is never overwritten, nor a value of one it may
  not read (security row 35); a voided entry is neither revived nor changed;
- writes are bulk (one INSERT and one UPDATE per batch, never the single-record services), with
  one audit event per batch naming what changed, in the import's transaction.

The files are validated whole before any of them is written (their rows are few next to version
1's: a program's groups, plans and visits); the keys they name of version 1's files are looked up
in the key store, then the database.
"""

from __future__ import annotations

import abc
import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from vip.audit.services import Actor, audit_record
from vip.core.access import Channel, Rows, Show, hidden_fields, lookup_treatment, rows, sees, visible_rows
from vip.core.config import ProgramConfig
from vip.core.text import search_name
from vip.groups.choices import MembershipSource
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.hospital.choices import ANSWERED, ConsentToContact, InjuryType, VisitOutcome
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.incentives.choices import HOLDING, IncentiveStatus, PaymentMethod
from vip.incentives.models import MAX_CENTS, Incentive, IncentivePayment
from vip.interchange.cells import ParseContext, RowParser, row_key, show_key
from vip.interchange.formats import format_moment
from vip.interchange.keystore import KeyStore
from vip.interchange.mapping import ExportColumn, bool_col, col, date_col
from vip.interchange.reader import BundleSource, Header, Problem
from vip.interchange.schema import FIELD_FILE_NAMES, Column, FileSpec
from vip.mediations.choices import ConflictTopic, MediationOutcome, PartyRole
from vip.mediations.models import SUMMARY_MAX, Mediation, MediationParty, OutsideParty
from vip.people.models import Person
from vip.referrals.models import Referral
from vip.safety_plans.choices import SECTION_NAMES, CheckInStatus
from vip.safety_plans.models import SECTION_MAX, SafetyCheckIn, SafetyPlan, SafetyPlanVersion

FORMAT_VERSION = "2"


def _length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _key(model: type[models.Model], name: str) -> Column:
    return Column(name, "key", required=True, max_length=_length(model, "key"))


def _ref(name: str, ref: str, required: bool = True) -> Column:
    return Column(name, "ref", required=required, ref=ref)


def _text(name: str, max_length: int | None, required: bool = False) -> Column:
    return Column(name, "text", required=required, max_length=max_length)


def _choice(name: str, enum: type[models.TextChoices], required: bool = True) -> Column:
    return Column(name, "choice", required=required, choices=tuple(enum.values))


MEDIATIONS = FileSpec(
    "mediations.csv",
    Mediation,
    (
        _key(Mediation, "mediation_key"),
        Column("occurred_on", "date", required=True),
        _choice("outcome", MediationOutcome),
        _text("topics", None),
        Column("area", "area"),
        _text("summary", SUMMARY_MAX),
    ),
    key=("mediation_key",),
)
MEDIATION_PARTIES = FileSpec(
    "mediation_parties.csv",
    MediationParty,
    (
        _ref("mediation_key", "mediations.csv"),
        _ref("person_key", "people.csv", required=False),
        _text("party_name", _length(OutsideParty, "name")),
        _text("party_phone", _length(OutsideParty, "phone")),
        _choice("role", PartyRole, required=False),
    ),
    key=("mediation_key", "person_key", "party_name"),
)
INCENTIVES = FileSpec(
    "incentives.csv",
    Incentive,
    (
        _key(Incentive, "incentive_key"),
        _ref("person_key", "people.csv"),
        _text("milestone", _length(Incentive, "milestone"), required=True),
        Column("reached_on", "date", required=True),
        _choice("status", IncentiveStatus),
        _text("amount", 20),
    ),
    key=("incentive_key",),
)
INCENTIVE_PAYMENTS = FileSpec(
    "incentive_payments.csv",
    IncentivePayment,
    (
        _key(IncentivePayment, "payment_key"),
        _ref("incentive_key", "incentives.csv"),
        Column("paid_on", "date", required=True),
        _text("amount", 20, required=True),
        _choice("method", PaymentMethod),
        _text("reference", _length(IncentivePayment, "reference")),
        _text("reverses", _length(IncentivePayment, "key")),
    ),
    key=("payment_key",),
)
GROUPS = FileSpec(
    "groups.csv",
    Group,
    (
        _key(Group, "group_key"),
        _text("name", _length(Group, "name"), required=True),
        _text("aliases", _length(Group, "aliases")),
        Column("area", "area"),
        Column("active", "bool"),
    ),
    key=("group_key",),
)
GROUP_MEMBERS = FileSpec(
    "group_members.csv",
    GroupMembership,
    (
        _key(GroupMembership, "member_key"),
        _ref("group_key", "groups.csv"),
        _ref("person_key", "people.csv"),
        Column("member_from", "date", required=True),
        Column("member_to", "date"),
        _choice("source", MembershipSource),
    ),
    key=("member_key",),
)
CALL_INS = FileSpec(
    "call_ins.csv",
    CallIn,
    (
        _key(CallIn, "call_in_key"),
        Column("held_at", "moment", required=True),
        _text("place", _length(CallIn, "place"), required=True),
        Column("area", "area"),
        _text("groups", None),
    ),
    key=("call_in_key",),
)
CALL_IN_ATTENDANCE = FileSpec(
    "call_in_attendance.csv",
    CallInAttendance,
    (
        _ref("call_in_key", "call_ins.csv"),
        _ref("person_key", "people.csv"),
        Column("invited", "bool"),
        Column("attended", "bool"),
    ),
    key=("call_in_key", "person_key"),
)
SAFETY_PLANS = FileSpec(
    "safety_plans.csv",
    SafetyPlanVersion,
    (
        _ref("person_key", "people.csv"),
        _text("version", 9, required=True),
        Column("written_on", "date", required=True),
        *(_text(name, SECTION_MAX) for name in SECTION_NAMES),
        _text("reason", _length(SafetyPlanVersion, "reason")),
    ),
    key=("person_key", "version"),
)
SAFETY_CHECK_INS = FileSpec(
    "safety_check_ins.csv",
    SafetyCheckIn,
    (
        _key(SafetyCheckIn, "check_in_key"),
        _ref("person_key", "people.csv"),
        Column("checked_at", "moment", required=True),
        _choice("status", CheckInStatus),
        Column("plan_still_fits", "bool"),
        _text("note", SECTION_MAX),
    ),
    key=("check_in_key",),
)
HOSPITAL_REFERRALS = FileSpec(
    "hospital_referrals.csv",
    HospitalReferral,
    (
        _ref("referral_key", "referrals.csv"),
        _text("hospital", _length(HospitalReferral, "hospital"), required=True),
        _text("unit", _length(HospitalReferral, "unit")),
        Column("injury_date", "date", required=True),
        _choice("injury_type", InjuryType),
        Column("admitted", "bool"),
        _choice("consent_to_contact", ConsentToContact, required=False),
        Column("consent_recorded_on", "date"),
        _text("clinical_notes", None),
    ),
    key=("referral_key",),
)
BEDSIDE_VISITS = FileSpec(
    "bedside_visits.csv",
    BedsideVisit,
    (
        _key(BedsideVisit, "visit_key"),
        _ref("referral_key", "hospital_referrals.csv"),
        Column("attempted_at", "moment", required=True),
        _choice("outcome", VisitOutcome),
        Column("consent_given", "bool"),
        _text("notes", None),
    ),
    key=("visit_key",),
)


def _moment(value: tuple[dt.date, dt.datetime | None], zone: ZoneInfo) -> dt.datetime:
    """A date-time cell's moment; a bare date is the start of that day in the program's zone."""
    day, moment = value
    return moment if moment is not None else dt.datetime.combine(day, dt.time(), tzinfo=zone)


def _split(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


MONEY_RE = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,2})?")


def parse_dollars(text: str) -> int:
    """Dollars with cents (``12.50``, ``-12.50``, ``12``) as cents; raises ``ValueError``."""
    if not MONEY_RE.fullmatch(text):
        raise ValueError(f"{text!r} is not an amount in dollars (e.g. 25.00, or -25.00 for a reversal)")
    negative = text.startswith("-")
    whole, _, cents = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int((cents + "00")[:2])
    if value > MAX_CENTS:
        raise ValueError(f"{text!r} is more than the largest amount, {format_dollars(MAX_CENTS)}")
    return -value if negative else value


def format_dollars(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


@dataclass
class Refs:
    """Ids of the records a batch names by key, resolved once per batch from the database."""

    people: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    call_ins: dict[str, int] = field(default_factory=dict)
    hospital_referrals: dict[str, int] = field(default_factory=dict)
    mediations: dict[str, int] = field(default_factory=dict)
    incentives: dict[str, int] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)


def _ids(model: type[models.Model], keys: Iterable[str], key_field: str = "key") -> dict[str, int]:
    wanted = set(keys)
    if not wanted:
        return {}
    return dict(model._base_manager.filter(**{f"{key_field}__in": wanted}).values_list(key_field, "id"))


def _received_on(keys: set[str]) -> dict[str, dt.date]:
    """The day each referral was received, of those in the database (version 1's rows of this
    bundle are there once written: a dry run checks against the referrals stored before)."""
    return dict(Referral._base_manager.filter(key__in=keys).values_list("key", "received_on")) if keys else {}


class FieldFile(abc.ABC):
    """How one file of version 2 is checked, written and exported."""

    spec: FileSpec
    # The account field an imported record is recorded by (None: the model has none).
    recorded_by: str | None = "recorded_by"
    # The model fields a row sets (compared with the stored ones: only a difference is written).
    fields: tuple[str, ...] = ()
    export: tuple[ExportColumn, ...] = ()
    # Extra values the export's renderers read besides their own lookups.
    export_extra: tuple[str, ...] = ()

    # A stored record is never changed by an import: a row that differs is a problem (``check_stored``).
    immutable = False

    def key_of(self, row: dict[str, Any]) -> str:
        """The row's key as one string (a composite key: its parts joined)."""
        return row_key(self.spec, row)

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        """Rules across the cells of one row."""
        return []

    def check_stored(self, row: dict[str, Any], old: dict[str, Any], hidden: frozenset[str]) -> list[tuple[str, str]]:
        """Rules between a valid row and the record its key names."""
        return []

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """Rules across the valid rows of the file (and the database): problems by line."""
        return {}

    def before_create(self, new: list[tuple[str, dict[str, Any]]], actor_id: int | None) -> None:
        """What the batch's new records need created first, in bulk (a mediation's outside parties)."""
        return  # most files need nothing first

    def write_order(self, accepted: list[_Accepted]) -> list[list[_Accepted]]:
        """The accepted rows in the runs they are written in (a reversal after what it reverses)."""
        return [accepted]

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs()

    @abc.abstractmethod
    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        """A valid row as the model's field values (each file's own)."""

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The stored records of these keys: their id, version and ``fields``."""
        model = self.spec.model
        return {
            row["key"]: row
            for row in model._base_manager.filter(key__in=keys).values("id", "key", "version", *self.fields)
        }

    def stored_keys(self, queryset: QuerySet[Any]) -> dict[int, str]:
        """The key of each record of a queryset of this file's model, by id."""
        return dict(queryset.values_list("id", "key"))

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        return self.spec.model(key=key, **values)

    def after_write(self, created: list[tuple[str, dict[str, Any]]], updated: list[tuple[str, dict[str, Any]]]) -> None:
        """What else a batch's new and changed rows set (links, a plan's current version)."""
        return  # most files set nothing else

    def export_rows(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset


TOPIC_ORDER = [t.value for t in ConflictTopic]


class _Mediations(FieldFile):
    spec = MEDIATIONS
    fields = ("occurred_on", "outcome", "topics", "area_id", "summary")
    export = (
        col("mediation_key", "key"),
        date_col("occurred_on"),
        col("outcome"),
        ExportColumn("topics", "topics", lambda v, row, zone: ";".join(v or [])),
        col("area", "area__code"),
        col("summary"),
    )

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        unknown = [t for t in _split(row.get("topics", "").lower()) if t not in TOPIC_ORDER]
        if unknown:
            return [("topics", f"unknown topic {unknown[0]!r}; expected some of: {', '.join(TOPIC_ORDER)}")]
        return []

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        chosen = set(_split(row["topics"].lower()))
        return {
            "occurred_on": row["occurred_on"],
            "outcome": row["outcome"],
            "topics": [t for t in TOPIC_ORDER if t in chosen],
            "area_id": None if row["area"] is None else refs.areas[row["area"]],
            "summary": row["summary"],
        }


class _MediationParties(FieldFile):
    """Who took part: a person of people.csv (or the system) by ``person_key``, or someone not in
    the program by ``party_name`` (an outside party of that mediation, created the first time)."""

    spec = MEDIATION_PARTIES
    recorded_by = None
    fields = ("role",)
    export = (
        col("mediation_key", "mediation__key"),
        col("person_key", "person__key"),
        col("party_name", "outside__name"),
        col("party_phone", "outside__phone"),
        col("role"),
    )

    def key_of(self, row: dict[str, Any]) -> str:
        return f"{row['mediation_key']}\x1f{row['person_key'] or ''}\x1f{row['party_name']}"

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        person, name = row.get("person_key"), row.get("party_name")
        if (person is None) == (not name):
            return [("party_name", "give either person_key (a person of the program) or party_name, not both")]
        if person is not None and row.get("party_phone"):
            return [("party_phone", "only for a party_name (a person of the program has their own phone)")]
        return []

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(
            people=_ids(Person, (r["person_key"] for r in rows if r["person_key"])),
            mediations=_ids(Mediation, (r["mediation_key"] for r in rows)),
        )

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        mediations = {key.split("\x1f")[0] for key in keys}
        found = MediationParty._base_manager.filter(mediation__key__in=mediations).values(
            "id",
            "version",
            "mediation__key",
            "person__key",
            "outside__name",
            "outside_id",
            "outside__phone",
            "role",
            "removed_at",
        )
        # A party taken off the mediation is history (an import does not put them back), unless
        # they were added again: then the party in place is the one the key names.
        out: dict[str, dict[str, Any]] = {}
        for r in found:
            key = f"{r['mediation__key']}\x1f{r['person__key'] or ''}\x1f{r['outside__name'] or ''}"
            if key not in out or r["removed_at"] is None:
                out[key] = dict(r)
        return {key: out[key] for key in keys if key in out}

    def stored_keys(self, queryset: QuerySet[Any]) -> dict[int, str]:
        return {
            pk: f"{m}\x1f{p or ''}\x1f{o or ''}"
            for pk, m, p, o in queryset.values_list("id", "mediation__key", "person__key", "outside__name")
        }

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {"role": row["role"] or PartyRole.PARTY.value}

    def before_create(self, new: list[tuple[str, dict[str, Any]]], actor_id: int | None) -> None:
        """Each new outside party, created in one go: its name, phone and the mediation's area."""
        rows_ = {key: self._rows[key] for key, _ in new if self._rows[key]["party_name"]}
        areas = dict(Mediation._base_manager.filter(pk__in=self._refs.mediations.values()).values_list("id", "area_id"))
        parties = [
            OutsideParty(
                name=row["party_name"],
                phone=row["party_phone"],
                area_id=areas[self._refs.mediations[row["mediation_key"]]],
                search_name=search_name(row["party_name"]),
                recorded_by_id=actor_id,
            )
            for row in rows_.values()
        ]
        created = OutsideParty._base_manager.bulk_create(parties)
        if created and created[0].pk is None:  # a backend that does not return ids
            raise AssertionError("bulk_create did not return the ids of the outside parties")
        self._outside = {key: party.pk for key, party in zip(rows_, created, strict=True)}

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        row = self._rows[key]
        return MediationParty(
            mediation_id=self._refs.mediations[row["mediation_key"]],
            person_id=self._refs.people[row["person_key"]] if row["person_key"] else None,
            outside_id=self._outside.get(key),
            **values,
        )

    def after_write(self, created: list[tuple[str, dict[str, Any]]], updated: list[tuple[str, dict[str, Any]]]) -> None:
        """An outside party's phone follows the bundle (it is theirs, not the mediation's)."""
        stored = self.stored([key for key, row in updated if row["party_name"]])
        changed = [
            OutsideParty(id=old["outside_id"], phone=row["party_phone"])
            for key, row in updated
            if row["party_name"] and (old := stored.get(key)) and old["outside__phone"] != row["party_phone"]
        ]
        OutsideParty._base_manager.bulk_update(changed, ["phone"])

    _refs: Refs
    _rows: dict[str, dict[str, Any]]
    _outside: dict[str, int]


class _Incentives(FieldFile):
    """A milestone incentive: its amount is the profile's for the milestone unless the row gives
    one; once paid, never changed (payments are never edited, only reversed)."""

    spec = INCENTIVES
    fields = ("person_id", "milestone", "reached_on", "status", "amount_cents")
    export = (
        col("incentive_key", "key"),
        col("person_key", "person__key"),
        col("milestone"),
        date_col("reached_on"),
        col("status"),
        ExportColumn("amount", "amount_cents", lambda v, row, zone: format_dollars(v)),
    )

    def amount(self, row: dict[str, Any]) -> int:
        if row["amount"]:
            return parse_dollars(row["amount"])
        return self._milestones[row["milestone"]].amount_cents

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        if row["milestone"] not in self._milestones:
            known = ", ".join(self._milestones) or "(none configured)"
            return [("milestone", f"unknown milestone {row['milestone']!r}; the profile's milestones: {known}")]
        try:
            cents = self.amount(row)
        except ValueError as exc:
            return [("amount", str(exc))]
        return [] if cents > 0 else [("amount", "an incentive's amount is more than 0.00")]

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        found = super().stored(keys)
        paid = set(
            IncentivePayment._base_manager.filter(incentive_id__in=[r["id"] for r in found.values()]).values_list(
                "incentive_id", flat=True
            )
        )
        for row in found.values():
            row["paid"] = row["id"] in paid
        return found

    def check_stored(self, row: dict[str, Any], old: dict[str, Any], hidden: frozenset[str]) -> list[tuple[str, str]]:
        if old["paid"] and self.amount(row) != old["amount_cents"]:
            return [
                (
                    "amount",
                    f"the incentive is paid: its amount stays {format_dollars(old['amount_cents'])} "
                    "(payments are never edited, only reversed)",
                )
            ]
        return []

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """A person holds each milestone once (proposed or approved), as the program refuses twice."""
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        holding = [(line, r) for line, r in rows if r["status"] in HOLDING]
        held = {
            (p, m): k
            for p, m, k in Incentive._base_manager.filter(
                status__in=HOLDING, person__key__in={r["person_key"] for _, r in holding}
            ).values_list("person__key", "milestone", "key")
        }
        first: dict[tuple[str, str], tuple[int, str]] = {}
        for line, row in holding:
            pair = (row["person_key"], row["milestone"])
            if pair in first:
                problems[line].append(
                    ("milestone", f"{pair[0]!r} holds milestone {pair[1]!r} already (line {first[pair][0]})")
                )
            elif pair in held and held[pair] != row["incentive_key"]:
                problems[line].append(
                    ("milestone", f"{pair[0]!r} holds milestone {pair[1]!r} already (incentive {held[pair]!r})")
                )
            first.setdefault(pair, (line, row["incentive_key"]))
        return problems

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(people=_ids(Person, (r["person_key"] for r in rows)))

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "person_id": refs.people[row["person_key"]],
            "milestone": row["milestone"],
            "reached_on": row["reached_on"],
            "status": row["status"],
            "amount_cents": self.amount(row),
        }

    _milestones: dict[str, Any]


class _Payments(FieldFile):
    """The payments ledger: a payment is positive; a reversal is negative, the negative of the
    payment it ``reverses``. A stored payment is never edited by an import."""

    spec = INCENTIVE_PAYMENTS
    immutable = True
    fields = ("incentive_id", "paid_on", "amount_cents", "method", "reference", "reversal_of_id")
    export = (
        col("payment_key", "key"),
        col("incentive_key", "incentive__key"),
        date_col("paid_on"),
        ExportColumn("amount", "amount_cents", lambda v, row, zone: format_dollars(v)),
        col("method"),
        col("reference"),
        col("reverses", "reversal_of__key"),
    )

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        try:
            cents = parse_dollars(row["amount"])
        except ValueError as exc:
            return [("amount", str(exc))]
        if row["reverses"] and cents >= 0:
            return [("amount", "a reversal's amount is negative")]
        if not row["reverses"] and cents <= 0:
            return [("amount", "a payment's amount is more than 0.00 (a reversal names the payment in reverses)")]
        return []

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        found = IncentivePayment._base_manager.filter(key__in=keys).values(
            "id",
            "key",
            "version",
            "incentive__key",
            "paid_on",
            "amount_cents",
            "method",
            "reference",
            "reversal_of__key",
        )
        return {r["key"]: dict(r) for r in found}

    def check_stored(self, row: dict[str, Any], old: dict[str, Any], hidden: frozenset[str]) -> list[tuple[str, str]]:
        sent = {
            "incentive_key": row["incentive_key"],
            "paid_on": row["paid_on"],
            "amount": parse_dollars(row["amount"]),
            "method": row["method"],
            "reference": row["reference"],
            "reverses": row["reverses"] or None,
        }
        kept = {
            "incentive_key": old["incentive__key"],
            "paid_on": old["paid_on"],
            "amount": old["amount_cents"],
            "method": old["method"],
            "reference": old["reference"],
            "reverses": old["reversal_of__key"],
        }
        for name, value in sent.items():
            if value != kept[name] and (name != "reference" or "reference" not in hidden):
                return [(name, "differs from the payment recorded: payments are never edited, only reversed")]
        return []

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """A payment is of an approved incentive; a reversal names a payment (of this file, earlier,
        or of the database) that is no reversal itself and is reversed once, by its negative."""
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        in_bundle = {a.key: a.values["status"] for a in imp.accepted.get(INCENTIVES.name, [])}
        wanted = {r["incentive_key"] for _, r in rows} - set(in_bundle)
        statuses = dict(Incentive._base_manager.filter(key__in=wanted).values_list("key", "status")) if wanted else {}
        statuses.update(in_bundle)
        named = {r["reverses"] for _, r in rows if r["reverses"]}
        stored = {
            r["key"]: (r["amount_cents"], r["reversal_of__key"], r["incentive__key"])
            for r in IncentivePayment._base_manager.filter(key__in=named).values(
                "key", "amount_cents", "reversal_of__key", "incentive__key"
            )
        }
        reversed_by = dict(
            IncentivePayment._base_manager.filter(reversal_of__key__in=named).values_list("reversal_of__key", "key")
        )
        here: dict[str, tuple[int, str | None, str]] = {}
        for line, row in rows:
            cents = parse_dollars(row["amount"])
            if statuses.get(row["incentive_key"], IncentiveStatus.APPROVED) != IncentiveStatus.APPROVED:
                problems[line].append(("incentive_key", f"{row['incentive_key']!r} is not approved: it is not paid"))
            target = row["reverses"]
            if target:
                original = here.get(target) or stored.get(target)
                if original is None:
                    problems[line].append(
                        (
                            "reverses",
                            f"unknown payment_key {target!r}: not an earlier row of this file nor in the database",
                        )
                    )
                elif original[1]:
                    problems[line].append(("reverses", f"{target!r} is a reversal: it cannot be reversed"))
                elif original[2] != row["incentive_key"]:
                    problems[line].append(("reverses", f"{target!r} is a payment of another incentive"))
                elif original[0] != -cents:
                    problems[line].append(
                        ("amount", f"a reversal is the negative of the payment: -{format_dollars(original[0])}")
                    )
                elif reversed_by.get(target, row["payment_key"]) != row["payment_key"]:
                    problems[line].append(("reverses", f"{target!r} was reversed already ({reversed_by[target]!r})"))
                else:
                    reversed_by[target] = row["payment_key"]
            here[row["payment_key"]] = (cents, target or None, row["incentive_key"])
        return problems

    def write_order(self, accepted: list[_Accepted]) -> list[list[_Accepted]]:
        return [[a for a in accepted if not a.values["reverses"]], [a for a in accepted if a.values["reverses"]]]

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(
            incentives=_ids(Incentive, (r["incentive_key"] for r in rows)),
            payments=_ids(IncentivePayment, (r["reverses"] for r in rows if r["reverses"])),
        )

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "incentive_id": refs.incentives[row["incentive_key"]],
            "paid_on": row["paid_on"],
            "amount_cents": parse_dollars(row["amount"]),
            "method": row["method"],
            "reference": row["reference"],
            "reversal_of_id": refs.payments[row["reverses"]] if row["reverses"] else None,
        }


class _Groups(FieldFile):
    spec = GROUPS
    fields = ("name", "aliases", "area_id", "active")
    export = (
        col("group_key", "key"),
        col("name"),
        col("aliases"),
        col("area", "area__code"),
        bool_col("active"),
    )

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """A group's name is its own (case aside), as the program refuses a second group so named."""
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        names = {" ".join(r["name"].split()).lower() for _, r in rows}
        stored: dict[str, str] = {}
        for name, key in Group._base_manager.values_list("name", "key"):
            if name.lower() in names:
                stored[name.lower()] = key
        first: dict[str, tuple[int, str]] = {}
        for line, row in rows:
            name = " ".join(row["name"].split()).lower()
            if name in first and first[name][1] != row["group_key"]:
                problems[line].append(("name", f"{row['name']!r} names another group too (line {first[name][0]})"))
            elif name in stored and stored[name] != row["group_key"]:
                problems[line].append(("name", f"a group named {row['name']!r} is already recorded ({stored[name]!r})"))
            first.setdefault(name, (line, row["group_key"]))
        return problems

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "name": " ".join(row["name"].split()),
            "aliases": row["aliases"],
            "area_id": None if row["area"] is None else refs.areas[row["area"]],
            "active": row["active"] is not False,
        }


class _GroupMembers(FieldFile):
    spec = GROUP_MEMBERS
    fields = ("group_id", "person_id", "member_from", "member_to", "source")
    export = (
        col("member_key", "key"),
        col("group_key", "group__key"),
        col("person_key", "person__key"),
        date_col("member_from"),
        date_col("member_to"),
        col("source"),
    )

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        start, end = row.get("member_from"), row.get("member_to")
        if start is not None and end is not None and end < start:
            return [("member_to", f"{end} is before member_from {start}")]
        return []

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(
            people=_ids(Person, (r["person_key"] for r in rows)),
            groups=_ids(Group, (r["group_key"] for r in rows)),
        )

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "group_id": refs.groups[row["group_key"]],
            "person_id": refs.people[row["person_key"]],
            "member_from": row["member_from"],
            "member_to": row["member_to"],
            "source": row["source"],
        }


class _CallIns(FieldFile):
    spec = CALL_INS
    fields = ("held_at", "place", "area_id")
    export = (
        col("call_in_key", "key"),
        ExportColumn("held_at", "held_at", lambda v, row, zone: format_moment(v.date(), v, zone)),
        col("place"),
        col("area", "area__code"),
        ExportColumn("groups", "id", lambda v, row, zone: ";".join(row["_groups"])),
    )

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "held_at": _moment(row["held_at"], ctx.zone),
            "place": row["place"],
            "area_id": None if row["area"] is None else refs.areas[row["area"]],
        }

    def after_write(self, created: list[tuple[str, dict[str, Any]]], updated: list[tuple[str, dict[str, Any]]]) -> None:
        """The groups a call-in invited: each one listed is linked; an import takes none away."""
        through = CallIn.groups.through
        wanted = {key: _split(row["groups"]) for key, row in created}
        wanted.update({key: _split(row["groups"]) for key, row in updated})
        if not any(wanted.values()):
            return
        call_ins = _ids(CallIn, wanted)
        groups = _ids(Group, {g for keys in wanted.values() for g in keys})
        linked = set(
            through.objects.filter(callin_id__in=call_ins.values()).values_list("callin_id", "group_id")  # type: ignore[attr-defined]
        )
        new = {
            (call_ins[key], groups[g])
            for key, keys in wanted.items()
            for g in keys
            if (call_ins[key], groups[g]) not in linked
        }
        through.objects.bulk_create([through(callin_id=c, group_id=g) for c, g in sorted(new)])  # type: ignore[attr-defined]


class _Attendance(FieldFile):
    spec = CALL_IN_ATTENDANCE
    fields = ("invited", "attended")
    export = (
        col("call_in_key", "call_in__key"),
        col("person_key", "person__key"),
        bool_col("invited"),
        bool_col("attended"),
    )

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(
            people=_ids(Person, (r["person_key"] for r in rows)),
            call_ins=_ids(CallIn, (r["call_in_key"] for r in rows)),
        )

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        pairs = [key.split("\x1f") for key in keys]
        found = CallInAttendance._base_manager.filter(
            call_in__key__in={c for c, _ in pairs}, person__key__in={p for _, p in pairs}
        ).values("id", "version", "call_in__key", "person__key", *self.fields)
        out = {f"{r['call_in__key']}\x1f{r['person__key']}": r for r in found}
        return {key: out[key] for key in keys if key in out}

    def stored_keys(self, queryset: QuerySet[Any]) -> dict[int, str]:
        return {pk: f"{c}\x1f{p}" for pk, c, p in queryset.values_list("id", "call_in__key", "person__key")}

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {"invited": row["invited"] is not False, "attended": row["attended"] is True}

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        call_in, person = key.split("\x1f")
        return CallInAttendance(call_in_id=self._refs.call_ins[call_in], person_id=self._refs.people[person], **values)

    _refs: Refs


class _SafetyPlans(FieldFile):
    """One row per version of a person's plan. A version is never changed once written (a
    revision is a new version): a row that differs from the stored version is a problem."""

    spec = SAFETY_PLANS
    recorded_by = "by"
    fields = ("written_on", *SECTION_NAMES, "reason")
    export = (
        col("person_key", "plan__person__key"),
        col("version", "number"),
        date_col("written_on"),
        *(col(name) for name in SECTION_NAMES),
        col("reason"),
    )
    immutable = True

    def check_stored(self, row: dict[str, Any], old: dict[str, Any], hidden: frozenset[str]) -> list[tuple[str, str]]:
        if any(old[n] != row.get(n) for n in self.fields if n not in hidden):
            return [("version", "a version of a safety plan is never changed once written: add a new version")]
        return []

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        number = row.get("version", "")
        if not number.isdigit() or int(number) < 1:
            return [("version", f"{number!r} is not a version number (1, 2, 3 …)")]
        return []

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(people=_ids(Person, (r["person_key"] for r in rows)))

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        people = {key.split("\x1f")[0] for key in keys}
        found = SafetyPlanVersion._base_manager.filter(plan__person__key__in=people).values(
            "id", "version", "plan__person__key", "number", *self.fields
        )
        out = {f"{r['plan__person__key']}\x1f{r['number']}": r for r in found}
        return {key: out[key] for key in keys if key in out}

    def stored_keys(self, queryset: QuerySet[Any]) -> dict[int, str]:
        return {pk: f"{p}\x1f{n}" for pk, p, n in queryset.values_list("id", "plan__person__key", "number")}

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {"written_on": row["written_on"], **{name: row[name] for name in SECTION_NAMES}, "reason": row["reason"]}

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        person, number = key.split("\x1f")
        person_id = self._refs.people[person]
        plan = self._plans.get(person_id)
        if plan is None:
            plan = SafetyPlan.objects.create(person_id=person_id, current=int(number), created_by_id=self._actor_id)
            self._plans[person_id] = plan
        return SafetyPlanVersion(plan=plan, number=int(number), **values)

    def after_write(self, created: list[tuple[str, dict[str, Any]]], updated: list[tuple[str, dict[str, Any]]]) -> None:
        """Each plan's current version is its highest; a plan given a new version moves on."""
        plans = {key.split("\x1f")[0] for key, _ in created}
        for plan in SafetyPlan._base_manager.filter(person__key__in=plans):
            highest = max(plan.versions.values_list("number", flat=True))
            if highest != plan.current:
                SafetyPlan._base_manager.filter(pk=plan.pk).update(
                    current=highest, version=models.F("version") + 1, updated_at=timezone.now()
                )

    _refs: Refs
    _plans: dict[int, SafetyPlan]
    _actor_id: int | None


class _CheckIns(FieldFile):
    spec = SAFETY_CHECK_INS
    recorded_by = "by"
    fields = ("person_id", "checked_at", "status", "plan_still_fits", "note")
    export = (
        col("check_in_key", "key"),
        col("person_key", "person__key"),
        ExportColumn("checked_at", "checked_at", lambda v, row, zone: format_moment(v.date(), v, zone)),
        col("status"),
        bool_col("plan_still_fits"),
        col("note"),
    )

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(people=_ids(Person, (r["person_key"] for r in rows)))

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "person_id": refs.people[row["person_key"]],
            "checked_at": _moment(row["checked_at"], ctx.zone),
            "status": row["status"],
            "plan_still_fits": row["plan_still_fits"],
            "note": row["note"],
        }

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        """A check-in is on the person's plan, in the version written by its day (else the first)."""
        plan = SafetyPlan._base_manager.get(person_id=values["person_id"])
        day = timezone.localtime(values["checked_at"], self._zone).date()
        numbers = plan.versions.filter(written_on__lte=day).values_list("number", flat=True)
        return SafetyCheckIn(key=key, plan=plan, plan_number=max(numbers, default=1), **values)

    _zone: ZoneInfo


class _HospitalReferrals(FieldFile):
    """The hospital's details of a referral of referrals.csv (or the system): keyed by it."""

    spec = HOSPITAL_REFERRALS
    fields = (
        "hospital",
        "unit",
        "injury_date",
        "injury_type",
        "admitted",
        "consent_to_contact",
        "consent_recorded_on",
        "clinical_notes",
    )
    export = (
        col("referral_key", "referral__key"),
        col("hospital"),
        col("unit"),
        date_col("injury_date"),
        col("injury_type"),
        bool_col("admitted"),
        col("consent_to_contact"),
        date_col("consent_recorded_on"),
        col("clinical_notes"),
    )

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        consent = row.get("consent_to_contact") or ConsentToContact.NOT_ASKED
        day = row.get("consent_recorded_on")
        if consent == ConsentToContact.NOT_ASKED and day is not None:
            return [("consent_recorded_on", "must be empty while consent_to_contact is not_asked")]
        if consent != ConsentToContact.NOT_ASKED and day is None:
            return [("consent_recorded_on", f"required when consent_to_contact is {consent}")]
        injury = row.get("injury_date")
        if day is not None and injury is not None and day < injury:
            return [("consent_recorded_on", f"{day} is before injury_date {injury}")]
        return []

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """The injury comes no later than the referral was received (as the program refuses)."""
        received = _received_on({r["referral_key"] for _, r in rows})
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for line, row in rows:
            day = received.get(row["referral_key"])
            if day is not None and row["injury_date"] > day:
                problems[line].append(
                    ("injury_date", f"{row['injury_date']} is after the referral's received_on {day}")
                )
        return problems

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(referrals=_ids(Referral, (r["referral_key"] for r in rows)))

    def stored(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        found = HospitalReferral._base_manager.filter(referral__key__in=keys).values(
            "id", "version", "referral__key", *self.fields
        )
        return {r["referral__key"]: r for r in found}

    def stored_keys(self, queryset: QuerySet[Any]) -> dict[int, str]:
        return dict(queryset.values_list("id", "referral__key"))

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "hospital": row["hospital"],
            "unit": row["unit"],
            "injury_date": row["injury_date"],
            "injury_type": row["injury_type"],
            "admitted": row["admitted"] is not False,
            "consent_to_contact": row["consent_to_contact"] or ConsentToContact.NOT_ASKED.value,
            "consent_recorded_on": row["consent_recorded_on"],
            "clinical_notes": row["clinical_notes"],
        }

    def new_record(self, key: str, values: dict[str, Any]) -> models.Model:
        return HospitalReferral(referral_id=self._refs.referrals[key], **values)

    _refs: Refs


class _BedsideVisits(FieldFile):
    spec = BEDSIDE_VISITS
    recorded_by = "by"
    fields = ("hospital_referral_id", "attempted_at", "outcome", "consent_given", "notes")
    export = (
        col("visit_key", "key"),
        col("referral_key", "hospital_referral__referral__key"),
        ExportColumn("attempted_at", "attempted_at", lambda v, row, zone: format_moment(v.date(), v, zone)),
        col("outcome"),
        bool_col("consent_given"),
        col("notes"),
    )

    def check(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        if row.get("consent_given") is not None and row.get("outcome") not in ANSWERED:
            answered = ", ".join(sorted(ANSWERED))
            return [("consent_given", f"must be empty unless the outcome is one of: {answered}")]
        if row.get("consent_given") and row.get("outcome") == VisitOutcome.DECLINED:
            return [("consent_given", "a patient who declined to talk did not consent")]
        return []

    def check_file(self, rows: list[tuple[int, dict[str, Any]]], imp: FieldImport) -> dict[int, list[tuple[str, str]]]:
        """A visit comes no earlier than the day the referral was received."""
        received = _received_on({r["referral_key"] for _, r in rows})
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for line, row in rows:
            day = received.get(row["referral_key"])
            if day is not None and row["attempted_at"][0] < day:
                problems[line].append(
                    ("attempted_at", f"{row['attempted_at'][0]} is before the referral's received_on {day}")
                )
        return problems

    def refs(self, rows: list[dict[str, Any]]) -> Refs:
        return Refs(
            hospital_referrals=_ids(HospitalReferral, (r["referral_key"] for r in rows), key_field="referral__key")
        )

    def to_fields(self, row: dict[str, Any], refs: Refs, ctx: ParseContext) -> dict[str, Any]:
        return {
            "hospital_referral_id": refs.hospital_referrals[row["referral_key"]],
            "attempted_at": _moment(row["attempted_at"], ctx.zone),
            "outcome": row["outcome"],
            "consent_given": row["consent_given"],
            "notes": row["notes"],
        }


# In dependency order: every reference points to a file of version 1 or earlier in the list.
FIELD_FILES: tuple[FieldFile, ...] = (
    _Mediations(),
    _MediationParties(),
    _Incentives(),
    _Payments(),
    _Groups(),
    _GroupMembers(),
    _CallIns(),
    _Attendance(),
    _SafetyPlans(),
    _CheckIns(),
    _HospitalReferrals(),
    _BedsideVisits(),
)
FIELD_FILES_BY_NAME = {f.spec.name: f for f in FIELD_FILES}

# Where a key of another file is looked up in the database when this bundle does not hold it.
_DB_KEYS: dict[str, tuple[type[models.Model], str]] = {
    "mediations.csv": (Mediation, "key"),
    "incentives.csv": (Incentive, "key"),
    "people.csv": (Person, "key"),
    "referrals.csv": (Referral, "key"),
    "groups.csv": (Group, "key"),
    "call_ins.csv": (CallIn, "key"),
    "hospital_referrals.csv": (HospitalReferral, "referral__key"),
}


def _in_database(file: str, keys: set[str]) -> set[str]:
    model, key_field = _DB_KEYS[file]
    found: set[str] = set()
    wanted = sorted(keys)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found |= set(model._base_manager.filter(**{f"{key_field}__in": chunk}).values_list(key_field, flat=True))
    return found


def _unreadable(actor: Actor, ff: FieldFile, stored: dict[str, dict[str, Any]]) -> set[str]:
    """The stored records among ``stored`` that ``actor`` may not read (so may not overwrite):
    the operator has none; a role that reads none, or only de-identified, may overwrite none;
    otherwise those outside the rows the policy gives the role (its scope and its ``only``)."""
    if actor is None or not stored:
        return set()
    model = ff.spec.model
    if rows(actor, model, Channel.EXPORT) in {Rows.NONE, Rows.DEIDENTIFIED, Rows.DEIDENTIFIED_NOT_HEALTH}:
        return set(stored)
    ids = {row["id"]: key for key, row in stored.items()}
    readable = set(
        visible_rows(model._base_manager.filter(pk__in=list(ids)), actor, Channel.EXPORT).values_list("pk", flat=True)
    )
    return {key for pk, key in ids.items() if pk not in readable}


@dataclass
class _Accepted:
    header: Header
    line: int
    key: str
    values: dict[str, Any]


@dataclass
class FieldImport:
    """Validates the version 2 files of a bundle, then (if the import may be written) writes them."""

    source: BundleSource
    store: KeyStore
    ctx: ParseContext
    config: ProgramConfig
    actor: Actor
    add_problem: Callable[[Problem], None]
    counts: dict[str, Any]
    counts_factory: Callable[[], Any]
    bundle: str
    rejects: Any = None
    batch_size: int = 1000
    unreadable_files: set[str] = field(default_factory=set)
    accepted: dict[str, list[_Accepted]] = field(default_factory=dict)

    def validate(self) -> None:
        _Incentives._milestones = dict(self.config.field_work.milestones)
        for ff in FIELD_FILES:
            if ff.spec.name in self.source.members:
                self.counts[ff.spec.name] = self.counts_factory()
                self.accepted[ff.spec.name] = self._file(ff)

    def _known(self, file: str, keys: set[str]) -> set[str]:
        """Which of ``keys`` of ``file`` exist: accepted in this bundle, or in the database."""
        if file in FIELD_FILES_BY_NAME:
            here = {a.key for a in self.accepted.get(file, [])}
        else:
            here = set(self.store.lines_of(file, keys))
        rest = keys - here
        if file in self.unreadable_files and self.rejects is None:
            return keys  # already an error: not repeated for each row naming it
        return (keys & here) | (_in_database(file, rest) if rest else set())

    def _file(self, ff: FieldFile) -> list[_Accepted]:
        spec = ff.spec
        counts = self.counts[spec.name]
        file_problems: list[Problem] = []
        raw = list(self.source.rows(spec, file_problems.append))
        for problem in file_problems:
            self.add_problem(problem)
            self.unreadable_files.add(spec.name)
        if not raw:
            return []
        parsed: list[tuple[int, Header, list[str], dict[str, Any], list[tuple[str, str]]]] = []
        parsers: dict[int, RowParser] = {}
        for line, header, cells in raw:
            parser = parsers.setdefault(id(header), RowParser(spec, header, self.ctx))
            values, problems = parser(cells)
            if values and not problems:
                problems = ff.check(values)
            parsed.append((line, header, cells, values, problems))
        counts.read += len(parsed)
        # References, in one query per column.
        missing: dict[str, set[str]] = {}
        for column in spec.columns:
            if column.ref is None:
                continue
            wanted = {v[column.name] for _, _, _, v, _ in parsed if v.get(column.name)}
            missing[column.name] = wanted - self._known(column.ref, wanted)
        group_keys = (
            {g for _, _, _, v, _ in parsed if v for g in _split(v.get("groups", ""))} if spec is CALL_INS else set()
        )
        missing_groups = group_keys - self._known("groups.csv", group_keys)
        keys = [ff.key_of(v) if v and not any(c in spec.key for c, _ in p) else None for _, _, _, v, p in parsed]
        stored = ff.stored([k for k in dict.fromkeys(keys) if k is not None])
        refused = _unreadable(self.actor, ff, stored)
        hidden = hidden_fields(self.actor, spec.model)
        voided = self._voided(ff, stored)
        plans_needed = spec is SAFETY_CHECK_INS
        plan_people = self._plan_people() if plans_needed else set()
        across = ff.check_file([(line, v) for line, _, _, v, p in parsed if v and not p], self)
        seen: dict[str, int] = {}
        accepted: list[_Accepted] = []
        for (line, header, cells, values, problems), key in zip(parsed, keys, strict=True):
            if key is not None:
                name = spec.key[0] if len(spec.key) == 1 else "key"
                if key in seen:
                    problems.append((name, f"duplicate key {show_key(key)!r} (first at line {seen[key]})"))
                if key in refused:
                    problems.append((name, f"{show_key(key)!r} names a record your account may not read: refused"))
                elif key in voided:
                    problems.append(
                        (
                            name,
                            f"{show_key(key)!r} names an entry voided in the case file: an import does not change it",
                        )
                    )
                elif key in stored and not problems:
                    problems.extend(ff.check_stored(values, stored[key], hidden))
            for column in spec.columns:
                if column.ref is not None and values and values.get(column.name) in missing[column.name]:
                    problems.append(
                        (
                            column.name,
                            f"unknown {column.name} {values[column.name]!r}: "
                            f"not among the valid rows of {column.ref} nor in the database",
                        )
                    )
            if spec is CALL_INS and values:
                for group in _split(values.get("groups", "")):
                    if group in missing_groups:
                        problems.append(
                            (
                                "groups",
                                f"unknown group_key {group!r}: "
                                "not among the valid rows of groups.csv nor in the database",
                            )
                        )
            problems.extend(across.get(line, []))
            if plans_needed and values and not problems and values["person_key"] not in plan_people:
                problems.append(("person_key", f"{values['person_key']!r} has no safety plan (safety_plans.csv)"))
            if problems:
                counts.rejected += 1
                for column_name, message in problems:
                    self.add_problem(Problem(spec.name, line, column_name, message))
                if self.rejects is not None:
                    self.rejects.write(spec, header, line, cells, [f"{c}: {m}" for c, m in problems])
                continue
            assert key is not None
            seen[key] = line
            accepted.append(_Accepted(header, line, key, values))
        return accepted

    def _voided(self, ff: FieldFile, stored: dict[str, dict[str, Any]]) -> set[str]:
        model = ff.spec.model
        if model is MediationParty:
            return {key for key, row in stored.items() if row["removed_at"] is not None}
        if not stored or not any(f.name == "voided_at" for f in model._meta.concrete_fields):
            return set()
        ids = {row["id"]: key for key, row in stored.items()}
        gone = model._base_manager.filter(pk__in=list(ids), voided_at__isnull=False).values_list("pk", flat=True)
        return {ids[pk] for pk in gone}

    def _plan_people(self) -> set[str]:
        here = {a.key.split("\x1f")[0] for a in self.accepted.get(SAFETY_PLANS.name, [])}
        return here | set(SafetyPlan._base_manager.values_list("person__key", flat=True))

    # ---- writing ------------------------------------------------------------------------------

    def write(self) -> None:
        now = timezone.now()
        for ff in FIELD_FILES:
            for run in ff.write_order(self.accepted.get(ff.spec.name, [])):
                for start in range(0, len(run), self.batch_size):
                    self._write_batch(ff, run[start : start + self.batch_size], now)

    def _write_batch(self, ff: FieldFile, batch: list[_Accepted], now: dt.datetime) -> None:
        spec = ff.spec
        model = spec.model
        counts = self.counts[spec.name]
        rows_ = [a.values for a in batch]
        refs = ff.refs(rows_)
        refs.areas = self.config.area_ids
        actor_id = self.actor.pk if self.actor is not None else None
        ff._refs = refs  # type: ignore[attr-defined]
        ff._zone = self.ctx.zone  # type: ignore[attr-defined]
        ff._actor_id = actor_id  # type: ignore[attr-defined]
        ff._plans = {  # type: ignore[attr-defined]
            p.person_id: p for p in SafetyPlan._base_manager.filter(person_id__in=refs.people.values())
        }
        ff._rows = {a.key: a.values for a in batch}  # type: ignore[attr-defined]
        incoming = {a.key: ff.to_fields(a.values, refs, self.ctx) for a in batch}
        stored = ff.stored(list(incoming))
        hidden = sorted(hidden_fields(self.actor, model) & set(ff.fields))
        new: list[models.Model] = []
        created: list[tuple[str, dict[str, Any]]] = []
        changed: list[models.Model] = []
        updated: dict[str, list[str]] = {}
        updated_rows: list[tuple[str, dict[str, Any]]] = []
        changed_fields: set[str] = set()
        by_key = {a.key: a.values for a in batch}
        ff.before_create([(k, v) for k, v in incoming.items() if k not in stored], actor_id)
        for key, sent in incoming.items():
            old = stored.get(key)
            if old is not None and ff.immutable:
                continue  # checked equal (check_stored): nothing to write
            if old is None:
                record = ff.new_record(key, sent)
                if ff.recorded_by is not None:
                    setattr(record, f"{ff.recorded_by}_id", actor_id)
                new.append(record)
                created.append((key, by_key[key]))
                continue
            values = {**sent, **{name: old[name] for name in hidden}} if hidden else sent
            differing = [name for name in ff.fields if old[name] != values[name]]
            updated_rows.append((key, by_key[key]))
            if differing:
                obj = model(id=old["id"], version=old["version"] + 1, updated_at=now, **values)
                changed.append(obj)
                updated[show_key(key)] = [n.removesuffix("_id") for n in differing]
                changed_fields.update(differing)
        if new:
            model._base_manager.bulk_create(new, batch_size=self.batch_size)
        if changed:
            model._base_manager.bulk_update(
                changed, [*sorted(changed_fields), "version", "updated_at"], batch_size=self.batch_size
            )
        ff.after_write(created, updated_rows)
        counts.created += len(created)
        counts.updated += len(updated)
        counts.unchanged += len(batch) - len(created) - len(updated)
        if created or updated:
            audit_record(
                actor=self.actor,
                action="interchange.import.batch",
                object_type=model._meta.label_lower,
                object_id=spec.name,
                changes={"bundle": self.bundle, "created": [show_key(k) for k, _ in created], "updated": updated},
            )


# ---- export ----------------------------------------------------------------------------------


def export_field_files(reader: Any, out_dir: Any, zone: ZoneInfo) -> dict[str, int]:
    """Write the version 2 files the reader may have: the rows the access policy gives them in
    the export channel (a peer: their caseload's), each column shown or left blank as the policy
    treats the field it reads (police: never casework). A file of which the reader has no rows is
    not written."""
    counts: dict[str, int] = {}
    for ff in FIELD_FILES:
        model = ff.spec.model
        if not sees(reader, model, Channel.EXPORT):
            continue
        if reader is not None and rows(reader, model, Channel.EXPORT) in {
            Rows.DEIDENTIFIED,
            Rows.DEIDENTIFIED_NOT_HEALTH,
        }:
            continue
        queryset = visible_rows(model._default_manager.all(), reader, Channel.EXPORT)
        if any(f.name == "voided_at" for f in model._meta.concrete_fields):
            queryset = queryset.filter(voided_at__isnull=True)
        if any(f.name == "removed_at" for f in model._meta.concrete_fields):
            queryset = queryset.filter(removed_at__isnull=True)  # a party taken off a mediation
        if reader is not None and any(f.name == "person" for f in model._meta.concrete_fields):
            # A record that names a person the reader does not see is left out (a mediation's party
            # who is not on a peer's caseload: the log is shared, the person is not).
            people = visible_rows(Person._base_manager.all(), reader, Channel.EXPORT).values("id")
            queryset = queryset.filter(Q(person__isnull=True) | Q(person__in=people))
        columns = [(c, lookup_treatment(reader, model, c.lookup)) for c in ff.export]
        wanted = [c.lookup for c, shown in columns if shown == Show.SHOWN]
        values = queryset.order_by("id").values(*dict.fromkeys(["id", *wanted]))
        if not values.exists():
            continue  # a program without such records exports no such file (a version 1 bundle's shape)
        groups: dict[int, list[str]] = defaultdict(list)
        if ff.spec is CALL_INS:
            for call_in_id, key in (
                CallIn.groups.through.objects.filter(  # type: ignore[attr-defined]
                    callin_id__in=queryset.values("id")
                )
                .values_list("callin_id", "group__key")
                .order_by("group__key")
            ):
                groups[call_in_id].append(key)
        n = 0
        with open(out_dir / ff.spec.name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.name for c, _ in columns])
            for row in values.iterator(chunk_size=2000):
                row["_groups"] = groups.get(row["id"], [])
                writer.writerow(
                    [c.render(row[c.lookup], row, zone) if shown == Show.SHOWN else "" for c, shown in columns]
                )
                n += 1
        counts[ff.spec.name] = n
    return counts


assert tuple(FIELD_FILES_BY_NAME) == FIELD_FILE_NAMES, "schema.FIELD_FILE_NAMES lists the files of FIELD_FILES"

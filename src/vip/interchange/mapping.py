"""Between interchange rows and model fields, both ways.

``to_fields`` turns a parsed row into the model's field values (keys of other
records resolved to ids by the caller's ``Ids``); ``EXPORT`` gives, per file,
the values a query fetches and how each becomes a cell again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from vip.core.text import search_name
from vip.interchange.formats import format_bool, format_date, format_moment
from vip.interchange.schema import (
    INCIDENTS,
    INVOLVEMENTS,
    NOTIFICATIONS,
    OUTCOMES,
    PEOPLE,
    REFERRALS,
    SERVICE_REFERRALS,
    TEAM_ORDER,
    FileSpec,
)


@dataclass
class Ids:
    """Ids of records referred to by key, resolved once per batch."""

    people: dict[str, int]
    referrals: dict[str, int]
    incidents: dict[str, int]
    areas: dict[str, int]
    categories: dict[str, int]


def _area(ids: Ids, code: str | None) -> int | None:
    return None if code is None else ids.areas[code]


def to_fields(spec: FileSpec, row: dict[str, Any], ids: Ids) -> dict[str, Any]:
    """The model field values of a parsed row (without the key)."""
    if spec is PEOPLE:
        fields = {
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "middle_name": row["middle_name"],
            "date_of_birth": row["date_of_birth"],
            "sex": row["sex"],
            "race": row["race"],
            "ethnicity": row["ethnicity"],
            "address": row["address"],
            "city": row["city"],
            "state": row["state"],
            "postal_code": row["postal_code"],
            "area_id": _area(ids, row["area"]),
            "phone": row["phone"],
            "search_name": search_name(row["first_name"], row["middle_name"], row["last_name"]),
        }
        if "died_on" in row:  # absent from a file without the column: the stored day stays
            fields["died_on"] = row["died_on"]
        return fields
    if spec is REFERRALS:
        return {
            "person_id": ids.people[row["person_key"]],
            "received_on": row["received_on"],
            "source": row["source"],
            "referred_by": row["referred_by"],
            "area_id": _area(ids, row["area"]),
            "reason": row["reason"],
        }
    if spec is INCIDENTS:
        occurred_on, occurred_at = row["occurred_at"]
        return {
            "occurred_on": occurred_on,
            "occurred_at": occurred_at,
            "type": row["type"],
            "area_id": _area(ids, row["area"]),
            "address": row["address"],
        }
    if spec is INVOLVEMENTS:
        return {
            "incident_id": ids.incidents[row["incident_key"]],
            "person_id": ids.people[row["person_key"]],
            "role": row["role"],
        }
    if spec is NOTIFICATIONS:
        attempted_on, attempted_at = row["attempted_at"]
        team = row["team"]
        referral_key = row["referral_key"]
        return {
            "person_id": ids.people[row["person_key"]],
            "referral_id": None if referral_key is None else ids.referrals[referral_key],
            "attempted_on": attempted_on,
            "attempted_at": attempted_at,
            "outcome": row["outcome"],
            "team_peer_support": "peer_support" in team,
            "team_police": "police" in team,
            "team_community_leader": "community_leader" in team,
            "team_other": "other" in team,
            "area_id": _area(ids, row["area"]),
            "legal_risk_explained": row["legal_risk_explained"],
            "offer_of_help": row["offer_of_help"],
            "letter_given": row["letter_given"],
            "notes": row["notes"],
        }
    if spec is SERVICE_REFERRALS:
        return {
            "person_id": ids.people[row["person_key"]],
            "category_id": ids.categories[row["category"]],
            "provider": row["provider"],
            "referred_on": row["referred_on"],
            "status": row["status"],
            "connected_on": row["connected_on"],
            "closed_on": row["closed_on"],
        }
    if spec is OUTCOMES:
        return {
            "person_id": ids.people[row["person_key"]],
            "occurred_on": row["occurred_on"],
            "type": row["type"],
            "source_ref": row["source_ref"],
            "notes": row["notes"],
        }
    raise AssertionError(spec.name)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _team(values: dict[str, Any]) -> str:
    return ";".join(role for role in TEAM_ORDER if values[f"team_{role}"])


@dataclass(frozen=True)
class ExportColumn:
    name: str
    lookup: str  # the value the query fetches
    render: Callable[[Any, dict[str, Any], ZoneInfo], str]


def col(name: str, lookup: str | None = None) -> ExportColumn:
    return ExportColumn(name, lookup or name, lambda v, row, zone: _text(v))


def date_col(name: str, lookup: str | None = None) -> ExportColumn:
    return ExportColumn(name, lookup or name, lambda v, row, zone: format_date(v))


def bool_col(name: str) -> ExportColumn:
    return ExportColumn(name, name, lambda v, row, zone: format_bool(v))


def moment_col(name: str, day: str, moment: str) -> ExportColumn:
    return ExportColumn(name, moment, lambda v, row, zone: format_moment(row[day], v, zone))


EXPORT: dict[str, tuple[ExportColumn, ...]] = {
    PEOPLE.name: (
        col("person_key", "key"),
        col("first_name"),
        col("last_name"),
        col("middle_name"),
        date_col("date_of_birth"),
        col("sex"),
        col("race"),
        col("ethnicity"),
        col("address"),
        col("city"),
        col("state"),
        col("postal_code"),
        col("area", "area__code"),
        col("phone"),
        date_col("died_on"),
    ),
    REFERRALS.name: (
        col("referral_key", "key"),
        col("person_key", "person__key"),
        date_col("received_on"),
        col("source"),
        col("referred_by"),
        col("area", "area__code"),
        col("reason"),
    ),
    INCIDENTS.name: (
        col("incident_key", "key"),
        moment_col("occurred_at", "occurred_on", "occurred_at"),
        col("type"),
        col("area", "area__code"),
        col("address"),
    ),
    INVOLVEMENTS.name: (
        col("incident_key", "incident__key"),
        col("person_key", "person__key"),
        col("role"),
    ),
    NOTIFICATIONS.name: (
        col("attempt_key", "key"),
        col("person_key", "person__key"),
        col("referral_key", "referral__key"),
        moment_col("attempted_at", "attempted_on", "attempted_at"),
        col("outcome"),
        ExportColumn("team", "team_peer_support", lambda v, row, zone: _team(row)),
        col("area", "area__code"),
        bool_col("legal_risk_explained"),
        bool_col("offer_of_help"),
        bool_col("letter_given"),
        col("notes"),
    ),
    SERVICE_REFERRALS.name: (
        col("service_referral_key", "key"),
        col("person_key", "person__key"),
        col("category", "category__code"),
        col("provider"),
        date_col("referred_on"),
        col("status"),
        date_col("connected_on"),
        date_col("closed_on"),
    ),
    OUTCOMES.name: (
        col("outcome_key", "key"),
        col("person_key", "person__key"),
        date_col("occurred_on"),
        col("type"),
        col("source_ref"),
        col("notes"),
    ),
}

# Extra values some renderers read besides their own lookup.
EXPORT_EXTRA_LOOKUPS: dict[str, tuple[str, ...]] = {
    INCIDENTS.name: ("occurred_on",),
    NOTIFICATIONS.name: (
        "attempted_on",
        "team_police",
        "team_community_leader",
        "team_other",
    ),
}

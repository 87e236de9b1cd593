"""The program's configuration as a plain, immutable snapshot.

Code that needs the city's areas, categories, age bands, time zone or fiscal
year calls ``program_config()`` once and passes the snapshot around, instead of
querying the configuration tables row by row.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from vip.core.models import AgeBand, Area, ProgramProfile, ServiceCategory


class ProgramNotConfiguredError(RuntimeError):
    """The database has no program profile yet (run `vip setup` or `vip demo`)."""


@dataclass(frozen=True)
class Band:
    label: str
    min_age: int
    max_age: int | None

    def contains(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


# When a profile names none (docs/evaluation.md): robbery is left out, since the records do not say
# whether a firearm was used.
DEFAULT_VIOLENT_INCIDENT_TYPES = ("shooting", "homicide", "aggravated_assault")


# The monthly report's optional sections (docs/field-work.md); a profile switches them on by name.
REPORT_SECTIONS = ("mediations", "incentives", "call_ins")


@dataclass(frozen=True)
class Milestone:
    """An incentive milestone of the profile: what a participant reaches and what it pays."""

    code: str
    name: str
    name_es: str
    amount_cents: int


@dataclass(frozen=True)
class FieldWork:
    """The profile's ``[field_work]``: the records of the work and the peer app."""

    # Police see that a mediation happened (day, area, outcome), never who or what about.
    police_see_mediations: bool = False
    # The monthly report's optional sections switched on (REPORT_SECTIONS).
    report_sections: tuple[str, ...] = ()
    # The peer app keeps nothing on a device longer than this (then signs out and wipes).
    offline_hours: int = 12
    milestones: dict[str, Milestone] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> FieldWork:
        settings = settings or {}
        return cls(
            police_see_mediations=bool(settings.get("police_see_mediations", False)),
            report_sections=tuple(settings.get("report_sections") or ()),
            offline_hours=int(settings.get("offline_hours") or 12),
            milestones={
                m["code"]: Milestone(m["code"], m["name"], m.get("name_es", ""), int(m["amount_cents"]))
                for m in settings.get("milestones") or ()
            },
        )


@dataclass(frozen=True)
class ProgramConfig:
    profile: str
    city: str
    program_name: str
    report_title: str
    web_address: str
    time_zone: str
    fiscal_year_start_month: int
    suppression_threshold: int
    protection_width: int
    candidate_expiry_days: int
    month_labels: list[str]
    wording: dict[str, str]
    areas: dict[str, str]  # code -> name, in report order
    area_ids: dict[str, int] = field(repr=False)
    service_categories: dict[str, str] = field(repr=False)  # code -> name, in report order
    service_category_ids: dict[str, int] = field(repr=False)
    # Every category ever configured (active ones first, in report order), for history.
    all_service_categories: dict[str, str] = field(repr=False)
    sensitive_categories: frozenset[str] = field(repr=False)
    substance_use_categories: frozenset[str] = field(repr=False)
    age_bands: list[Band] = field(repr=False)
    # The evaluation's violent re-involvement: incidents of these types (docs/evaluation.md).
    violent_incident_types: tuple[str, ...] = field(default=DEFAULT_VIOLENT_INCIDENT_TYPES, repr=False)
    # The day the program began, for the evaluation's interrupted time series (None: the first
    # delivered custom notification's month).
    program_start: dt.date | None = field(default=None, repr=False)
    # A city's own funder templates: code -> {"title", "calendar", "measures"} (docs/evaluation.md).
    funder_templates: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    field_work: FieldWork = field(default_factory=FieldWork, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def age_band(self, age: int | None) -> str:
        if age is None:
            return "Unknown"
        for band in self.age_bands:
            if band.contains(age):
                return band.label
        return "Unknown"


def program_config() -> ProgramConfig:
    profile = ProgramProfile.objects.order_by("pk").first()
    if profile is None:
        raise ProgramNotConfiguredError(
            "This database has no program configuration yet: run `vip setup` (or `vip demo`)."
        )
    areas = list(Area.objects.filter(active=True).order_by("report_order", "code"))
    categories = list(ServiceCategory.objects.order_by("report_order", "code"))
    bands = list(AgeBand.objects.order_by("report_order", "min_age"))
    return ProgramConfig(
        profile=profile.profile,
        city=profile.city,
        program_name=profile.program_name,
        report_title=profile.report_title,
        web_address=profile.web_address,
        time_zone=profile.time_zone,
        fiscal_year_start_month=profile.fiscal_year_start_month,
        suppression_threshold=profile.suppression_threshold,
        protection_width=profile.protection_width,
        candidate_expiry_days=profile.candidate_expiry_days,
        month_labels=list(profile.month_labels),
        wording=dict(profile.wording),
        areas={a.code: a.name for a in areas},
        area_ids={a.code: a.pk for a in areas},
        service_categories={c.code: c.name for c in categories if c.active},
        service_category_ids={c.code: c.pk for c in categories},
        all_service_categories={c.code: c.name for c in sorted(categories, key=lambda c: not c.active)},
        sensitive_categories=frozenset(c.code for c in categories if c.sensitivity),
        substance_use_categories=frozenset(c.code for c in categories if c.substance_use),
        age_bands=[Band(b.label, b.min_age, b.max_age) for b in bands],
        violent_incident_types=tuple(
            (profile.evaluation or {}).get("violent_incident_types") or DEFAULT_VIOLENT_INCIDENT_TYPES
        ),
        funder_templates=dict((profile.evaluation or {}).get("funder_templates") or {}),
        field_work=FieldWork.from_settings(profile.field_work),
        program_start=(
            dt.date.fromisoformat(str(profile.evaluation["program_start"]))
            if (profile.evaluation or {}).get("program_start")
            else None
        ),
    )


@dataclass(frozen=True)
class ProgramHeader:
    """What every page shows of the program: its name, web address and time zone."""

    program_name: str
    web_address: str
    time_zone: str


# Every page needs the header; reading it once per request per worker would be most of a light
# page's database work. A worker keeps it for HEADER_TTL seconds (a save in the same process
# clears it at once, see vip.core.signals); a change made in another process shows within that.
HEADER_TTL = 30.0
_cached: dict[str, tuple[float, Any]] = {}


def program_header() -> ProgramHeader | None:
    """The program's header (None before `vip setup`), from a short per-process cache."""
    now = time.monotonic()
    kept = _cached.get("header")
    if kept is not None and now - kept[0] < HEADER_TTL:
        return kept[1]
    row = ProgramProfile.objects.order_by("pk").values_list("program_name", "web_address", "time_zone").first()
    header = ProgramHeader(*row) if row else None
    _cached["header"] = (now, header)
    return header


def forget_program_header() -> None:
    _cached.pop("header", None)
    _cached.pop("field_work", None)


def field_work_switch(name: str) -> bool:
    """Is the profile's ``[field_work]`` setting ``name`` true? (The access policy's switches: a city
    decides, for instance, whether police see that a mediation happened.) From the same short
    per-process cache as the header; False before ``vip setup``."""
    now = time.monotonic()
    kept = _cached.get("field_work")
    if kept is None or now - kept[0] >= HEADER_TTL:
        row = ProgramProfile.objects.order_by("pk").values_list("field_work", flat=True).first()
        kept = (now, row or {})
        _cached["field_work"] = kept
    return bool(kept[1].get(name, False))


def program_zone() -> ZoneInfo:
    """The program's time zone, from the cached header."""
    header = program_header()
    if header is None:
        raise ProgramNotConfiguredError(
            "This database has no program configuration yet: run `vip setup` (or `vip demo`)."
        )
    return ZoneInfo(header.time_zone)


def program_today() -> dt.date:
    """Today's date in the program's time zone."""

    return timezone.now().astimezone(program_zone()).date()

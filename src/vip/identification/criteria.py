"""The published identification criteria: explicit, versioned rules, never an opaque score.

A criteria version is a TOML document (the built-in one is ``published/v1.toml``). Publishing
a new version (``vip criteria publish FILE``) stores it as a :class:`CriteriaVersion` row; the
latest published row is in force, and the built-in version 1 is in force until one is
published. Every version ever in force stays readable on /identification/criteria/.

Two kinds of criterion:

* ``involvement``: the person had one of ``roles`` in at least ``min_incidents`` different
  incidents of one of ``types`` (empty: any type) in the last ``days`` days.
* ``network``: the co-involvement network links two people who both had one of ``roles`` in
  the same incident of one of ``types`` (empty: any) in the last ``days`` days; the person is
  at most ``steps`` links away from someone who meets the ``seed`` criterion.

``weight`` only orders the review queue (the sum of the weights of the criteria a proposal
meets, shown next to it); it never decides anything.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vip.identification.choices import IncidentType, InvolvementRole
from vip.identification.models import CriteriaVersion

BUILT_IN = Path(__file__).with_name("published") / "v1.toml"
KINDS = ("involvement", "network")


class CriteriaError(ValueError):
    """A criteria document that cannot be published; the message names the file and the key."""


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    description: str
    kind: str
    days: int
    roles: frozenset[str]
    types: frozenset[str]  # empty: any incident type
    min_incidents: int = 1
    seed: str = ""
    steps: int = 2
    weight: int = 1

    def since(self, as_of: dt.date) -> dt.date:
        """The first day of this criterion's window ending on ``as_of`` (both days counted)."""
        return as_of - dt.timedelta(days=self.days - 1)

    def counts(self, role: str, incident_type: str) -> bool:
        return role in self.roles and (not self.types or incident_type in self.types)


@dataclass(frozen=True)
class Criteria:
    version: str
    notes: str
    proposal_expiry_days: int
    exclude_deceased: bool
    criteria: tuple[Criterion, ...]
    source: str  # the TOML text as published

    def by_code(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)

    @property
    def lookback_days(self) -> int:
        return max(c.days for c in self.criteria)

    def score(self, codes: set[str]) -> int:
        """The review queue's ordering: the sum of the weights of the criteria met."""
        return sum(c.weight for c in self.criteria if c.code in codes)


def _get(table: dict[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise CriteriaError(f"{where}: '{key}' is missing")
        return default
    value = table[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise CriteriaError(f"{where}: '{key}' must be {kind.__name__}, not {value!r}")
    return value


def _codes(table: dict[str, Any], key: str, allowed: set[str], where: str) -> frozenset[str]:
    values = _get(table, key, list, where)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise CriteriaError(f"{where}: '{key}' has unknown value(s) {wrong}; allowed: {sorted(allowed)}")
    return frozenset(values)


def parse(text: str, *, name: str = "criteria") -> Criteria:
    """Read and check a criteria document; errors name ``name`` and the offending key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError(f"{name}: not valid TOML: {exc}") from None
    known_top = {"version", "notes", "proposal_expiry_days", "exclude_deceased", "criteria"}
    for key in doc:
        if key not in known_top:
            raise CriteriaError(f"{name}: unknown key '{key}'")
    version = _get(doc, "version", str, name).strip()
    if not version or len(version) > 30:
        raise CriteriaError(f"{name}: 'version' must be 1 to 30 characters")
    expiry = _get(doc, "proposal_expiry_days", int, name)
    if not 1 <= expiry <= 365:
        raise CriteriaError(f"{name}: 'proposal_expiry_days' must be between 1 and 365")
    entries = _get(doc, "criteria", list, name)
    if not entries:
        raise CriteriaError(f"{name}: at least one [[criteria]] is needed")
    roles, types = set(InvolvementRole.values), set(IncidentType.values)
    known = {
        "code",
        "title",
        "description",
        "kind",
        "roles",
        "types",
        "days",
        "min_incidents",
        "seed",
        "steps",
        "weight",
    }
    parsed: list[Criterion] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{name}: criteria #{number}"
        if not isinstance(entry, dict):
            raise CriteriaError(f"{where}: must be a table")
        for key in entry:
            if key not in known:
                raise CriteriaError(f"{where}: unknown key '{key}'")
        code = _get(entry, "code", str, where)
        where = f"{name}: criteria '{code}'"
        if not code.isidentifier() or len(code) > 60:
            raise CriteriaError(f"{where}: 'code' must be a short identifier (letters, digits, _)")
        kind = _get(entry, "kind", str, where)
        if kind not in KINDS:
            raise CriteriaError(f"{where}: 'kind' must be one of {list(KINDS)}")
        days = _get(entry, "days", int, where)
        if not 1 <= days <= 3660:
            raise CriteriaError(f"{where}: 'days' must be between 1 and 3660")
        criterion = Criterion(
            code=code,
            title=_get(entry, "title", str, where).strip(),
            description=_get(entry, "description", str, where).strip(),
            kind=kind,
            days=days,
            roles=_codes(entry, "roles", roles, where),
            types=_codes(entry, "types", types, where),
            min_incidents=_get(entry, "min_incidents", int, where, 1),
            seed=_get(entry, "seed", str, where, ""),
            steps=_get(entry, "steps", int, where, 2),
            weight=_get(entry, "weight", int, where, 1),
        )
        if not criterion.title or not criterion.description:
            raise CriteriaError(f"{where}: 'title' and 'description' must say in words what the rule is")
        if not criterion.roles:
            raise CriteriaError(f"{where}: 'roles' must name at least one role")
        if criterion.min_incidents < 1:
            raise CriteriaError(f"{where}: 'min_incidents' must be at least 1")
        if criterion.weight < 0:
            raise CriteriaError(f"{where}: 'weight' must not be negative")
        if kind == "network":
            if not 1 <= criterion.steps <= 3:
                raise CriteriaError(f"{where}: 'steps' must be 1, 2 or 3")
            seeds = [c for c in parsed if c.code == criterion.seed and c.kind == "involvement"]
            if not seeds:
                raise CriteriaError(f"{where}: 'seed' must name an involvement criterion listed before it")
        if any(c.code == code for c in parsed):
            raise CriteriaError(f"{where}: the code is used twice")
        parsed.append(criterion)
    return Criteria(
        version=version,
        notes=_get(doc, "notes", str, name, "").strip(),
        proposal_expiry_days=expiry,
        exclude_deceased=_get(doc, "exclude_deceased", bool, name, True),
        criteria=tuple(parsed),
        source=text,
    )


def built_in() -> Criteria:
    return parse(BUILT_IN.read_text(encoding="utf-8"), name=BUILT_IN.name)


def criteria_in_force() -> Criteria:
    """The latest published version, or the built-in version 1 when none has been published."""

    latest = CriteriaVersion.objects.order_by("-published_at", "-pk").first()
    if latest is None:
        return built_in()
    return parse(latest.source, name=f"criteria version {latest.label}")

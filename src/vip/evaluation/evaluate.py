"""The evaluation as one reader asks for it: who may, which edition, the read audited.

Managers read the official edition (exact counts) or the public one; analysts the public one
(any point whose number at risk or count of events is from 1 to the program's threshold is
withheld); other roles are refused (docs/permissions.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import audit_read
from vip.core.access import require
from vip.core.config import ProgramConfig, program_config
from vip.core.dates import Month, local_date
from vip.evaluation.areas import Series, areas_over_time
from vip.evaluation.cohort import Cohort, load_cohort, read_sources
from vip.evaluation.comparison import CALIPER_DAYS, MATCHES_PER_PERSON, HazardRatio, hazard_ratio, match, subjects
from vip.evaluation.definitions import ENGAGEMENT_COHORTS, STATEMENT, VERSION
from vip.evaluation.funnel import MonthFunnel, funnel
from vip.evaluation.survival import Point, curve, plot_points, withhold

AUDIENCES = ("official", "public")


@dataclass(frozen=True)
class Group:
    """One cohort's curve: its name, size, events and points."""

    dimension: str  # "all", "fiscal_year", "age_band", "engagement"
    cohort: str
    size: int | None  # None: withheld
    events: int | None
    points: list[Point] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "cohort": self.cohort,
            "size": self.size,
            "events": self.events,
            "points": [p.to_dict() for p in self.points],
        }


@dataclass(frozen=True)
class Evaluation:
    as_of: dt.date
    audience: str
    threshold: int
    fingerprint: str
    generated_at: dt.datetime
    notified: Group
    cohorts: list[Group]
    matched_notified: Group
    comparison: Group
    hazard: HazardRatio | None  # None: withheld (the public edition)
    matching: dict[str, int | None]
    funnel: list[MonthFunnel]
    areas: list[Series]
    plot: dict[str, list[dict[str, Any]]]  # the curves week by week, for the charts

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of docs/evaluation.md (numbers unrounded)."""
        return {
            "definitions": VERSION,
            "as_of": self.as_of.isoformat(),
            "audience": self.audience,
            "threshold": self.threshold,
            "data_fingerprint": self.fingerprint,
            "generated_at": self.generated_at.isoformat(),
            "statement": STATEMENT,
            "survival": {
                "notified": [p.to_dict() for p in self.notified.points],
                "comparison": [p.to_dict() for p in self.comparison.points],
                "matched_notified": [p.to_dict() for p in self.matched_notified.points],
                "cohorts": [g.to_dict() for g in self.cohorts],
            },
            "hazard_ratio": None if self.hazard is None else self.hazard.to_dict(),
            "matching": self.matching,
            "funnel": [m.to_dict() for m in self.funnel],
            "areas": [a.to_dict() for a in self.areas],
            "plot": self.plot,
            "counts": {
                "notified": self.notified.size,
                "events": self.notified.events,
                "matched_notified": self.matched_notified.size,
                "comparison": self.comparison.size,
            },
        }


def default_as_of(today: dt.date | None = None) -> dt.date:
    """The last day of the latest complete month, in the program's time zone."""
    config = program_config()
    day = today or local_date(timezone.now(), config.zone)
    return Month.of(day).shift(-1).last_day


def _group(dimension: str, name: str, time: np.ndarray, event: np.ndarray, threshold: int) -> Group:
    points = curve(time, event)
    size, events = len(time), int(event.sum())
    if threshold:
        points = withhold(points, threshold)
        if 1 <= size <= threshold or 1 <= events <= threshold:
            return Group(dimension, name, None, None, points)
    return Group(dimension, name, size, events, points)


def _small(value: int | None, threshold: int) -> bool:
    return value is not None and 1 <= value <= threshold


def compute(
    cohort: Cohort, config: ProgramConfig, audience: str, generated_at: dt.datetime, sources: Any = None
) -> Evaluation:
    threshold = config.suppression_threshold if audience == "public" else 0
    sources = sources or read_sources(config, cohort.as_of)
    candidates, pool = subjects(config, sources)
    sets, unmatched = match(candidates, pool)
    matched_people = [s.notified for s in sets]
    matches = [c for s in sets for c in s.comparison]

    def arrays(people: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        return np.array([p.time for p in people], dtype=np.int64), np.array([p.event for p in people], dtype=bool)

    def group(name: str, people: list[Any]) -> Group:
        return _group("comparison", name, *arrays(people), threshold)

    hazard: HazardRatio | None = hazard_ratio(sets)
    assert hazard is not None
    if threshold and any(
        _small(v, threshold)
        for v in (hazard.n_notified, hazard.n_comparison, hazard.events_notified, hazard.events_comparison)
    ):
        hazard = None
    matching: dict[str, int | None] = {
        "notified_candidates": len(candidates),
        "matched": len(sets),
        "unmatched": len(unmatched),
        "comparison_pool": len(pool),
        "comparison_matched": len(matches),
        "per_person": MATCHES_PER_PERSON,
        "caliper_days": CALIPER_DAYS,
    }
    if threshold:
        matching = {
            k: (None if k not in {"per_person", "caliper_days"} and _small(v, threshold) else v)
            for k, v in matching.items()
        }
    groups = []
    for dimension, labels, order in (
        ("fiscal_year", cohort.fiscal_year, sorted(set(cohort.fiscal_year))),
        ("age_band", cohort.age_band, [*(b.label for b in config.age_bands), "Unknown"]),
        ("engagement", cohort.engagement, list(ENGAGEMENT_COHORTS)),
    ):
        values = np.array(labels, dtype=object)
        for name in order:
            chosen = values == name
            if dimension == "age_band" and name == "Unknown" and not chosen.any():
                continue
            groups.append(_group(dimension, name, cohort.time[chosen], cohort.event[chosen], threshold))
    months = funnel(sources, config.zone, threshold)
    series = areas_over_time(config, cohort.as_of, threshold)
    # The data's fingerprint: what the cohort and the comparison read, and the exact counts of the
    # funnel and the areas (they read candidacies, referrals, contacts and incidents of their
    # own): the same for both editions of the same data.
    exact_months = months if not threshold else funnel(sources, config.zone, 0)
    exact_series = series if not threshold else areas_over_time(config, cohort.as_of, 0)
    digest = hashlib.sha256(sources.fingerprint().encode())
    digest.update(cohort.fingerprint().encode())
    digest.update(json.dumps([m.to_dict() for m in exact_months], sort_keys=True).encode())
    digest.update(json.dumps([a.to_dict() for a in exact_series], sort_keys=True).encode())
    return Evaluation(
        as_of=cohort.as_of,
        audience=audience,
        threshold=threshold,
        fingerprint=digest.hexdigest(),
        generated_at=generated_at,
        notified=_group("all", "notified", cohort.time, cohort.event, threshold),
        cohorts=groups,
        matched_notified=group("matched_notified", matched_people),
        comparison=group("comparison", matches),
        hazard=hazard,
        matching=matching,
        funnel=months,
        areas=series,
        plot={
            "notified": plot_points(cohort.time, cohort.event, threshold),
            "matched_notified": plot_points(*arrays(matched_people), threshold),
            "comparison": plot_points(*arrays(matches), threshold),
        },
    )


def evaluation_read(
    *, user: Any, as_of: dt.date | None = None, audience: str = "official", purpose: str = "page"
) -> Evaluation:
    """The evaluation as of ``as_of`` (default: the end of the latest complete month) for
    ``audience``; the read is audited before anything is handed over."""
    require(user, "evaluation.public")
    if audience not in AUDIENCES:
        raise ValidationError(
            _("Unknown audience %(audience)s: choose official or public.") % {"audience": repr(audience)}
        )
    if audience == "official":
        require(user, "evaluation.official")
    config = program_config()
    as_of = as_of or default_as_of()
    today = local_date(timezone.now(), config.zone)
    if as_of > today:
        raise ValidationError(_("%(day)s has not come yet: the evaluation reads what has happened.") % {"day": as_of})
    sources = read_sources(config, as_of)
    evaluation = compute(load_cohort(config, as_of, sources), config, audience, timezone.now(), sources)
    audit_read(
        actor=user,
        action="evaluation.read",
        object_type="evaluation",
        object_id=as_of.isoformat(),
        details={
            "audience": audience,
            "format": purpose,
            "definitions": VERSION,
            "fingerprint": evaluation.fingerprint,
        },
    )
    return evaluation


def stored_evaluation(*, user: Any, run: Any, purpose: str = "page") -> dict[str, Any]:
    """The evaluation a run of the task queue kept, as it was computed; the read is audited.

    ``run`` comes from ``evaluation_run_list`` (its requester's runs; a manager's: every one). The
    audience rules are checked again here: an official edition only to who may read one now."""
    require(user, "evaluation.public")
    if run.audience != "public":
        require(user, "evaluation.official")
    audit_read(
        actor=user,
        action="evaluation.read",
        object_type="evaluation",
        object_id=run.as_of.isoformat(),
        details={"audience": run.audience, "format": purpose, "run": run.pk, "fingerprint": run.data_fingerprint},
    )
    result: dict[str, Any] = run.result
    return result

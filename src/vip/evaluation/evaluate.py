"""The evaluation as one reader asks for it: who may, which edition, the read audited.

Managers read the official edition (exact counts) or the public one; analysts the public one;
other roles are refused (docs/permissions.md). The public edition is a release (monthly-report.md,
"The release ledger"): it is as of the last day of a month only (fixed days, so that two
editions are never a day apart), its funnel and areas are by fiscal year, any count from 1 to the
program's threshold is withheld, and it is checked against every earlier release together and
recorded in the ledger (``vip.evaluation.release``); the same edition of the same data asked for
again is the one released.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import audit_read
from vip.core.access import can, require
from vip.core.config import ProgramConfig, program_config
from vip.core.dates import Month, fiscal_year, local_date
from vip.evaluation.areas import Series, areas_over_time, by_fiscal_year
from vip.evaluation.cohort import Cohort, load_cohort, read_sources
from vip.evaluation.comparison import CALIPER_DAYS, MATCHES_PER_PERSON, HazardRatio, hazard_ratio, match, subjects
from vip.evaluation.definitions import ENGAGEMENT_COHORTS, STATEMENT, VERSION
from vip.evaluation.funnel import MonthFunnel, by_period, journeys
from vip.evaluation.survival import Point, curve, plot_points

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
    # People by the month of their origin ("YYYY-MM"): not shown, the release ledger's truths.
    new_by_month: dict[str, int] = field(default_factory=dict)

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


def _by_month(days: np.ndarray) -> dict[str, int]:
    months, counts = np.unique(
        np.datetime_as_string(days.astype("datetime64[D]").astype("datetime64[M]"), unit="M"), return_counts=True
    )
    return {str(m): int(c) for m, c in zip(months.tolist(), counts.tolist(), strict=True)}


def default_as_of(today: dt.date | None = None) -> dt.date:
    """The last day of the latest complete month, in the program's time zone."""
    config = program_config()
    day = today or local_date(timezone.now(), config.zone)
    return Month.of(day).shift(-1).last_day


def _group(dimension: str, name: str, time: np.ndarray, event: np.ndarray) -> Group:
    return Group(dimension, name, len(time), int(event.sum()), curve(time, event))


def compute(
    cohort: Cohort,
    config: ProgramConfig,
    audience: str,
    generated_at: dt.datetime,
    sources: Any = None,
) -> Evaluation:
    """The evaluation of ``cohort`` with every count, in the shape of ``audience``'s edition (the
    public one: its funnel and areas by fiscal year). The public edition's withholding is the
    ledger's plan (``public_edition``)."""
    yearly = config.fiscal_year_start_month if audience == "public" else None
    sources = sources or read_sources(config, cohort.as_of)
    candidates, pool = subjects(config, sources)
    sets, unmatched = match(candidates, pool)
    matched_people = [s.notified for s in sets]
    matches = [c for s in sets for c in s.comparison]

    def arrays(people: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        return np.array([p.time for p in people], dtype=np.int64), np.array([p.event for p in people], dtype=bool)

    def group(name: str, people: list[Any]) -> Group:
        return _group("comparison", name, *arrays(people))

    hazard: HazardRatio | None = hazard_ratio(sets)
    matching: dict[str, int | None] = {
        "notified_candidates": len(candidates),
        "matched": len(sets),
        "unmatched": len(unmatched),
        "comparison_pool": len(pool),
        "comparison_matched": len(matches),
        "per_person": MATCHES_PER_PERSON,
        "caliper_days": CALIPER_DAYS,
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
            groups.append(_group(dimension, name, cohort.time[chosen], cohort.event[chosen]))
    entries = journeys(sources, config.zone)
    exact_months = by_period(entries)
    exact_series = areas_over_time(config, cohort.as_of, 0)
    if yearly is None:
        months, series = exact_months, exact_series
    else:
        months = by_period(entries, 0, yearly)
        series = by_fiscal_year(exact_series, yearly)
    # The data's fingerprint: what the cohort and the comparison read, and the exact monthly
    # counts of the funnel and the areas (they read candidacies, referrals, contacts and incidents
    # of their own): the same for both editions of the same data.
    digest = hashlib.sha256(sources.fingerprint().encode())
    digest.update(cohort.fingerprint().encode())
    digest.update(json.dumps([m.to_dict() for m in exact_months], sort_keys=True).encode())
    digest.update(json.dumps([a.to_dict() for a in exact_series], sort_keys=True).encode())
    return Evaluation(
        as_of=cohort.as_of,
        audience=audience,
        threshold=0,
        fingerprint=digest.hexdigest(),
        generated_at=generated_at,
        notified=_group("all", "notified", cohort.time, cohort.event),
        cohorts=groups,
        matched_notified=group("matched_notified", matched_people),
        comparison=group("comparison", matches),
        hazard=hazard,
        matching=matching,
        funnel=months,
        areas=series,
        new_by_month=_by_month(cohort.origin),
        plot={
            "notified": plot_points(cohort.time, cohort.event),
            "matched_notified": plot_points(*arrays(matched_people)),
            "comparison": plot_points(*arrays(matches)),
        },
    )


@dataclass(frozen=True)
class Edition:
    """An edition as handed to its reader: the official one with every count, or the public one
    as released (``release``: its entry in the release ledger)."""

    as_of: dt.date
    audience: str
    fingerprint: str
    generated_at: dt.datetime
    result: dict[str, Any]
    release: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.result


def public_edition(*, actor: Any, evaluation: Evaluation, config: ProgramConfig) -> tuple[dict[str, Any], int]:
    """The public edition of ``evaluation`` (computed in the public shape, every count exact),
    checked against the release ledger and recorded in it; the same edition of the same data
    asked for again is the one released before (nothing new is released). Returns the edition
    and its release's id. Call inside ``transaction.atomic``."""
    from vip.evaluation import release as plan
    from vip.releases import ledger
    from vip.releases.models import Release
    from vip.releases.services import ledger_editions, lock_ledger, release_record

    lock_ledger()
    threshold, width = config.suppression_threshold, config.protection_width
    exact = evaluation.to_dict()
    subject = evaluation.as_of.isoformat()
    cells, truths = plan.plan_cells(exact, threshold, evaluation.new_by_month, config.fiscal_year_start_month)
    latest = Release.objects.filter(kind=Release.Kind.EVALUATION, subject=subject).order_by("-edition").first()
    if (
        latest is not None
        and latest.data_fingerprint == evaluation.fingerprint
        and (latest.threshold, latest.width) == (threshold, width)
        and _places(cells) <= _places(latest.cells)  # every figure shown was in that release
    ):
        cells = latest.cells
        released = latest
    else:
        prior, _basis = ledger_editions()
        new = ledger.Edition(f"evaluation {subject} (new)", cells, truths)
        try:
            withheld = ledger.protect(new, prior, threshold=threshold, width=width, cost=plan.cost)
        except ledger.LedgerError as exc:
            raise ValidationError(_("This edition cannot be released: %(reason)s") % {"reason": exc}) from exc
        released = release_record(
            actor=actor,
            kind=Release.Kind.EVALUATION,
            subject=subject,
            data_fingerprint=evaluation.fingerprint,
            threshold=threshold,
            width=width,
            cells=cells,
            truths=truths,
            withheld_for_history=withheld,
        )
    result = plan.apply(exact, cells, threshold)
    result["withheld_for_history"] = released.withheld_for_history
    result["release"] = {"edition": released.edition, "released_at": released.released_at.isoformat()}
    return result, released.pk


def public_day_problem(user: Any, as_of: dt.date, config: ProgramConfig) -> str | None:
    """Why a public edition may not be as of ``as_of`` for ``user`` (None: it may).

    Fixed days, so that two editions are never a few days apart: the last day of a month. An
    analyst's edition is as of the end of the latest complete month or of a fiscal year: every
    public edition is a release that every later public report is checked against, so they are
    not made for every month there ever was."""
    if as_of != Month.of(as_of).last_day:
        return _(
            "A public edition is as of the last day of a month (%(day)s is not): fixed days, so that two "
            "editions are never a few days apart."
        ) % {"day": as_of}
    if not can(user, "evaluation.official"):
        latest = default_as_of()
        if as_of not in (latest, fiscal_year(as_of, config.fiscal_year_start_month).end):
            return _(
                "An analyst's public edition is as of the end of the latest complete month (%(latest)s) or of "
                "a fiscal year: each one is a release that every later public report is checked against."
            ) % {"latest": latest}
    return None


def _places(cells: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(str(c.get("table")), str(c.get("row")), str(c.get("col"))) for c in cells if c.get("kind") != "known"}


def evaluation_read(
    *, user: Any, as_of: dt.date | None = None, audience: str = "official", purpose: str = "page"
) -> Edition:
    """The evaluation as of ``as_of`` (default: the end of the latest complete month) for
    ``audience``; the read is audited before anything is handed over. A public edition is as of
    the last day of a month, and released through the ledger (``public_edition``)."""
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
    if audience == "public":
        problem = public_day_problem(user, as_of, config)
        if problem:
            raise ValidationError(problem)
    sources = read_sources(config, as_of)
    evaluation = compute(load_cohort(config, as_of, sources), config, audience, timezone.now(), sources)
    with transaction.atomic():
        if audience == "public":
            result, release = public_edition(actor=user, evaluation=evaluation, config=config)
        else:
            result, release = evaluation.to_dict(), None
        _audit(user, as_of, audience, purpose, evaluation.fingerprint)
    return Edition(as_of, audience, evaluation.fingerprint, evaluation.generated_at, result, release)


def _audit(user: Any, as_of: dt.date, audience: str, purpose: str, fingerprint: str) -> None:
    audit_read(
        actor=user,
        action="evaluation.read",
        object_type="evaluation",
        object_id=as_of.isoformat(),
        details={"audience": audience, "format": purpose, "definitions": VERSION, "fingerprint": fingerprint},
    )


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

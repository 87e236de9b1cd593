"""Kaplan-Meier survival ("no further violence") with lifelines' estimator: the share of a group
still free of violent re-involvement at each of the definitions' days.

lifelines' conventions, used as they are (docs/evaluation.md): S(t) is the share with no event
up to and including day t; its 95% interval is Greenwood's variance on the log(-log) scale. The
number at risk at day t is the number whose time is t or more (still followed, no event before t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vip.evaluation.definitions import SURVIVAL_DAYS


@dataclass(frozen=True)
class Point:
    day: int
    survival: float | None  # None: nobody is followed that long (or withheld, in the public edition)
    ci_low: float | None
    ci_high: float | None
    at_risk: int | None  # None: withheld
    events: int | None  # events on or before ``day``; None: withheld
    withheld: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "survival": self.survival,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "at_risk": self.at_risk,
            "events": self.events,
            "withheld": self.withheld,
        }


def curve(time: np.ndarray, event: np.ndarray, days: tuple[int, ...] = SURVIVAL_DAYS) -> list[Point]:
    """The survival of one group (``time`` in days, ``event`` observed or censored) at ``days``."""
    if len(time) == 0:
        return [Point(day, None, None, None, 0, 0) for day in days]
    from lifelines import KaplanMeierFitter  # deferred: lifelines loads pandas and autograd

    fitter = KaplanMeierFitter(alpha=0.05)
    fitter.fit(time.astype(float), event_observed=event.astype(bool))
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_survival_function_
    points = []
    for day in days:
        at_risk = int((time >= day).sum())
        events = int(((time <= day) & event).sum())
        if at_risk == 0:
            points.append(Point(day, None, None, None, 0, events))
            continue
        position = int(np.searchsorted(survival.index.to_numpy(), day, side="right")) - 1  # the step in force
        low, high = bounds.iloc[position, 0], bounds.iloc[position, 1]
        points.append(
            Point(
                day,
                float(survival.iloc[position]),
                None if np.isnan(low) else float(low),
                None if np.isnan(high) else float(high),
                at_risk,
                events,
            )
        )
    return points


def withhold(points: list[Point], threshold: int) -> list[Point]:
    """The public edition: a point whose number at risk or count of events is from 1 to
    ``threshold`` is withheld whole (docs/evaluation.md)."""
    out = []
    for point in points:
        small = any(value is not None and 1 <= value <= threshold for value in (point.at_risk, point.events))
        out.append(Point(point.day, None, None, None, None, None, withheld=True) if small else point)
    return out


PLOT_EVERY_DAYS = 7
PLOT_UNTIL_DAYS = 730


def plot_points(time: np.ndarray, event: np.ndarray, threshold: int = 0) -> list[dict[str, Any]]:
    """The curve every week from day 0 to day 730, for the chart (the same estimator as
    :func:`curve`). A week where nobody is followed any more ends the line; in the public edition a
    week whose number at risk or count of events is from 1 to ``threshold`` is left out."""
    days = tuple(range(0, PLOT_UNTIL_DAYS + 1, PLOT_EVERY_DAYS))
    points = curve(time, event, days)
    if threshold:
        points = withhold(points, threshold)
    return [
        {"day": p.day, "survival": p.survival, "at_risk": p.at_risk}
        for p in points
        if p.survival is not None and not p.withheld
    ]

"""Reads of the evaluation's kept runs, for one reader (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import can, selects, visible
from vip.evaluation.models import EvaluationRun


@selects(EvaluationRun)
def evaluation_run_list(*, user: Any) -> QuerySet[EvaluationRun]:
    """The evaluations the task queue computed that ``user`` may open again: their own (a
    manager: every one), and an official edition only to who may read one (an analyst never,
    even one they asked for as a manager before their role changed)."""
    runs = visible(EvaluationRun.objects.all(), user)
    if not can(user, "evaluation.official"):
        runs = runs.filter(audience=EvaluationRun.Audience.PUBLIC)
    return runs

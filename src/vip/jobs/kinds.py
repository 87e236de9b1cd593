"""The kinds of job: declared by the apps that do the work, in their own ``jobs.py``.

    from vip.jobs.kinds import job_kind

    @job_kind("report.generate", action="report.generate", label=_("Generate a report"))
    def generate(*, actor, params, progress):
        progress(1, 2, _("Computing the figures"))
        ...
        return {"run": run.pk}          # the result summary (JSON), kept on the Job

``action`` is the access policy's action the requester must hold, when the job is asked for and
again when it runs; ``None``: the operator's work only (the command line and the schedule, such as
the nightly backup), refused to every account. ``result_url`` turns a result summary into the address of what was made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.functional import Promise


class Progress(Protocol):
    def __call__(self, step: int, steps: int, message: str = "") -> None: ...


class JobFunction(Protocol):
    def __call__(self, *, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JobKind:
    name: str
    action: str | None
    label: str | Promise
    run: JobFunction
    result_url: Callable[[dict[str, Any]], str | None] | None = None
    result_label: str | Promise = ""


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    action: str | None,
    label: str | Promise,
    result_url: Callable[[dict[str, Any]], str | None] | None = None,
    result_label: str | Promise = "",
) -> Callable[[JobFunction], JobFunction]:
    """Declare a kind of job (a decorator on its function)."""

    def register(function: JobFunction) -> JobFunction:
        if name in KINDS and KINDS[name].run is not function:
            raise ValueError(f"job kind {name!r} is declared twice")
        KINDS[name] = JobKind(name, action, label, function, result_url, result_label)
        return function

    return register


def kind_of(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}; known: {', '.join(sorted(KINDS)) or 'none'}") from None

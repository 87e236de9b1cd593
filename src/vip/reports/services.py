"""Generating, recording and publishing reports.

Every generation is a run, recorded with its month, audience, definitions
version, the fingerprint of the data it read, every figure and every file. A
published run never changes; generating a published month again compares the
new figures with the published ones and lists what would be restated.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import Actor, actor_identity, audit_record
from vip.core.access import require
from vip.core.config import program_config
from vip.core.dates import Month, local_date
from vip.releases.models import Release
from vip.reports.facts import Facts, load_facts
from vip.reports.metrics import compute
from vip.reports.models import ReportFile, ReportRun
from vip.reports.render import AUDIENCES, CONTENT_TYPES, FORMATS, Report, build, filename, render, to_data

if TYPE_CHECKING:
    from vip.releases import ledger as release_ledger

# The release ledger (vip.releases.ledger, .services and vip.reports.ledger) is imported where a
# public edition needs it: it loads SciPy's optimiser, about a third of a second that an official
# report (and `vip report`'s start-up) does not need.


def latest_complete_month(today: Any = None) -> Month:
    """The last month that has ended, in the program's time zone."""
    config = program_config()
    day = today or local_date(timezone.now(), config.zone)
    return Month.of(day).shift(-1)


def restatements(published: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure whose shown value differs between a published run and new figures."""

    def cells(data: dict[str, Any]) -> dict[tuple[str, str, str], str]:
        out = {}
        for table in data["tables"]:
            for row in table["rows"]:
                for column, cell in zip(table["columns"], row["cells"], strict=True):
                    out[(table["id"], row["key"], column["key"])] = cell["display"]
        return out

    before, after = cells(published), cells(now)
    changed = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            table, row, column = key
            changed.append(
                {"table": table, "row": row, "column": column, "published": before.get(key), "now": after.get(key)}
            )
    return changed


def latest_published(month: Month, audience: str) -> ReportRun | None:
    return (
        ReportRun.objects.filter(month=str(month), audience=audience, published=True)
        .order_by("-published_at", "-id")
        .first()
    )


def ledger_plan(report: Report, facts: Facts, config: Any) -> dict[str, Any]:
    """Check a public edition against every earlier release and withhold what they would reveal.

    Changes ``report``'s tables in place (cells withheld "for history's sake") and returns the
    plan a publication records: cells, truths, the release it was checked against (basis).
    """
    from vip.releases.services import ledger_editions

    prior, basis = ledger_editions()
    return {**plan_against(report, facts, config, prior), "basis": basis}


def plan_against(report: Report, facts: Facts, config: Any, prior: list[release_ledger.Edition]) -> dict[str, Any]:
    """:func:`ledger_plan` against the releases ``prior`` (in release order)."""
    from vip.releases import ledger as release_ledger
    from vip.reports import ledger as report_ledger

    month = report.month
    truths = report_ledger.truths(facts, month)
    cells = report_ledger.cells(report.tables, month, facts, truths)
    new = release_ledger.Edition(f"monthly_report {month} (new)", cells, truths)
    try:
        withheld = release_ledger.protect(
            new,
            prior,
            threshold=config.suppression_threshold,
            width=config.protection_width,
            cost=report_ledger.cost,
        )
    except release_ledger.LedgerError as exc:
        raise ValidationError(_("This edition cannot be released: %(reason)s") % {"reason": exc}) from exc
    report_ledger.apply(report.tables, withheld)
    return {
        "cells": cells,
        "truths": truths,
        "withheld_for_history": [{k: c.get(k) for k in ("table", "row", "col")} for c in withheld],
        "threshold": config.suppression_threshold,
        "width": config.protection_width,
    }


def _record_release(actor: Actor, run: ReportRun) -> Release:
    from vip.releases.services import latest_release_id, release_record

    plan = run.ledger_plan
    if plan.get("basis", 0) != latest_release_id():
        raise ValidationError(
            _(
                "Other public releases were made since this edition was checked against the release "
                "ledger; generate it again so that it is checked against them."
            )
        )
    return release_record(
        actor=actor,
        kind=Release.Kind.MONTHLY_REPORT,
        subject=run.month,
        data_fingerprint=run.data_fingerprint,
        threshold=plan["threshold"],
        width=plan["width"],
        cells=plan["cells"],
        truths=plan["truths"],
        withheld_for_history=plan["withheld_for_history"],
    )


def report_generate(
    *,
    actor: Actor,
    month: Month,
    audience: str = "official",
    formats: list[str] | None = None,
    publish: bool = False,
) -> ReportRun:
    """Compute, render and record a report for ``month``; publish it if asked."""
    require(actor, "report.generate")
    if publish:
        require(actor, "report.publish")
    if audience not in AUDIENCES:
        raise ValidationError(
            _("Unknown audience %(audience)s: choose official or public.") % {"audience": repr(audience)}
        )
    formats = list(formats or FORMATS)
    config = program_config()
    if month > latest_complete_month():
        raise ValidationError(
            _("%(month)s has not ended yet; the latest complete month is %(latest)s.")
            % {"month": month, "latest": latest_complete_month()}
        )
    generated_at = timezone.now()
    with transaction.atomic():
        if publish and audience == "public":
            from vip.releases.services import lock_ledger

            lock_ledger()
        facts = load_facts(config, month)
        numbers = compute(facts, month)
        report = build(numbers, audience, config, facts.as_of, generated_at)
        plan = ledger_plan(report, facts, config) if audience == "public" else {}
        data = to_data(report)
        data["withheld_for_history"] = plan.get("withheld_for_history", [])
        files = render(report, formats)
        previous = latest_published(month, audience)
        changed = restatements(previous.numbers, data) if previous is not None else []
        user, name, _role = actor_identity(actor)
        run = ReportRun.objects.create(
            month=str(month),
            audience=audience,
            definitions_version=numbers.definitions_version,
            data_fingerprint=numbers.fingerprint,
            data_as_of=facts.as_of,
            numbers=data,
            generated_at=generated_at,
            generated_by=user,
            generated_by_name=name,
            published=publish,
            published_at=generated_at if publish else None,
            published_by_name=name if publish else "",
            restates=previous,
            restatements=changed,
            ledger_plan=plan,
        )
        if publish and audience == "public":
            run.release = _record_release(actor, run)
            run.save(update_fields=["release"])
        for fmt, content in files.items():
            ReportFile.objects.create(
                run=run,
                format=fmt,
                filename=filename(report, fmt),
                content_type=CONTENT_TYPES[fmt],
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
        audit_record(
            actor=actor,
            action="report.publish" if publish else "report.generate",
            target=run,
            changes={
                "month": str(month),
                "audience": audience,
                "definitions_version": numbers.definitions_version,
                "data_fingerprint": numbers.fingerprint,
                "formats": formats,
                "restated_figures": len(changed),
            },
        )
    return run


@transaction.atomic
def report_publish(*, actor: Actor, run: ReportRun) -> ReportRun:
    """Publish a draft run as it is. A published run can never be changed."""
    require(actor, "report.publish")
    locked = ReportRun.objects.select_for_update().get(pk=run.pk)
    if locked.published:
        raise ValidationError(_("This run is already published; published runs never change."))
    if locked.audience == "public":
        from vip.releases.services import lock_ledger

        lock_ledger()
        locked.release = _record_release(actor, locked)
    previous = latest_published(Month.parse(locked.month), locked.audience)
    _user, name, _role = actor_identity(actor)
    locked.published = True
    locked.published_at = timezone.now()
    locked.published_by_name = name
    locked.restates = previous
    locked.restatements = restatements(previous.numbers, locked.numbers) if previous else []
    locked.save(update_fields=["published", "published_at", "published_by_name", "restates", "restatements", "release"])
    audit_record(
        actor=actor,
        action="report.publish",
        target=locked,
        changes={"month": locked.month, "audience": locked.audience, "restated_figures": len(locked.restatements)},
    )
    return locked

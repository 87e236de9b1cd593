"""`vip report`, `vip disparity` and `vip evaluate`: the Monthly Informational Report, the
disparity report of identification and the evaluation, written to files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from vip.cli import common


@click.command()
@click.option("--month", "month_text", default=None, help="Report month YYYY-MM (default: the latest complete month).")
@common.audience_option
@click.option(
    "--format",
    "formats",
    default="pdf,html,xlsx,csv,json",
    show_default=True,
    help="Comma-separated formats to write.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/reports"),
    show_default=True,
    help="Folder for the files.",
)
@click.option("--publish", is_flag=True, help="Publish the run: it is frozen, and the public page serves it.")
@click.option("--as", "username", default=None, help="Generate as this account (manager or analyst).")
def report(
    month_text: str | None, audience: str, formats: str, out_dir: Path, publish: bool, username: str | None
) -> None:
    """Generate the Monthly Informational Report for a month, record the run and write its files.

    Regenerating a month that has been published lists the figures that would
    be restated; the published run itself never changes.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the report's code.
    from django.core.exceptions import ValidationError

    from vip.core.dates import Month
    from vip.jobs.services import job_run_inline
    from vip.reports.models import ReportRun
    from vip.reports.services import latest_complete_month

    try:
        month = Month.parse(month_text) if month_text else latest_complete_month()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    try:
        # The same job the page puts on the queue (vip.reports.jobs), run here inline.
        job = job_run_inline(
            actor=common.actor(username),
            kind="report.generate",
            params={"month": str(month), "audience": audience, "formats": wanted, "publish": publish},
        )
        run = ReportRun.objects.get(pk=job.result["run"])
    except ValidationError as exc:
        raise click.UsageError(" ".join(exc.messages)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    click.echo(
        f"{month.title()} ({audience}), definitions {run.definitions_version}, "
        f"data {run.data_fingerprint[:12]}: run {run.pk}{' (published)' if run.published else ''}"
    )
    for item in run.files.order_by("format"):
        path = out_dir / item.filename
        path.write_bytes(bytes(item.content))
        click.echo(f"  {path}")
    withheld = run.ledger_plan.get("withheld_for_history", []) if run.ledger_plan else []
    if run.audience == "public":
        release = run.release
        click.echo(
            f"Checked against the release ledger: {len(withheld)} cell(s) withheld because of earlier public "
            "releases" + (f", recorded as edition {release.edition} of the month" if release is not None else "") + "."
        )
        for cell in withheld[:50]:
            click.echo(f"  {cell['table']} / {cell['row']} / {cell['col']}")
    if run.restates_id is not None:
        if run.restatements:
            click.echo(f"{len(run.restatements)} figure(s) differ from the published run {run.restates_id}:")
            for change in run.restatements[:50]:
                click.echo(
                    f"  {change['table']} / {change['row']} / {change['column']}: "
                    f"published {change['published']}, now {change['now']}"
                )
        else:
            click.echo(f"No figure differs from the published run {run.restates_id}.")


@click.command()
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the period, YYYY-MM-DD (default: the first day of the last 12 complete months).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the period, YYYY-MM-DD (default: the last day of the latest complete month).",
)
@common.audience_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/reports"),
    show_default=True,
    help="Folder for the CSV file.",
)
@click.option("--as", "username", default=None, help="Read as this account (manager; an analyst: public only).")
def disparity(
    start: dt.datetime | None, end: dt.datetime | None, audience: str, out_dir: Path, username: str | None
) -> None:
    """Write the disparity report of identification as CSV and print a summary.

    Shooting victims (the reference), candidates proposed, approved and notified in the
    period, by age band, sex, race, ethnicity and area, with shares and representation
    ratios (docs/disparity-report.md). The read is recorded in the audit trail.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the report's code.
    from django.core.exceptions import ValidationError

    from vip.core.config import program_config, program_today
    from vip.core.dates import Period
    from vip.identification.disparity import (
        MEASURE_LABELS,
        MEASURES,
        csv_filename,
        default_period,
        public_period,
        to_csv,
    )
    from vip.identification.disparity import disparity_report as read_report

    default = default_period(program_today())
    if audience == "public":  # the public edition is for whole fiscal years (row 41)
        default = public_period(program_today(), program_config().fiscal_year_start_month)
    try:
        period = Period(start.date() if start else default.start, end.date() if end else default.end)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        report = read_report(user=common.actor(username), period=period, audience=audience, purpose="cli")
    except ValidationError as exc:
        raise click.UsageError(" ".join(exc.messages)) from exc
    content = to_csv(report)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / csv_filename(report)
    common.write_whole(path, content)
    click.echo(f"Disparity report {period.start} to {period.end} ({audience}):")
    for measure in MEASURES:
        click.echo(f"  {MEASURE_LABELS[measure]:24} {report.total(measure).display:>8}")
    if report.withheld:
        click.echo(f"  {report.withheld} count(s) withheld (disclosure control).")
    click.echo(f"  {path}")


@click.command()
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The analysis day, YYYY-MM-DD (default: the last day of the latest complete month).",
)
@click.option(
    "--audience",
    type=click.Choice(["official", "public"]),
    default="official",
    show_default=True,
    help="official: exact counts (managers); public (managers and analysts): as of a month's last day only "
    "(an analyst: the latest complete month's or a fiscal year's), small counts withheld and more where "
    "earlier public releases would give them away, recorded in the release ledger.",
)
@click.option(
    "--format",
    "formats",
    default="json",
    show_default=True,
    help="Comma-separated formats to write: json (evaluation.json), csv, xlsx, pdf, html.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/reports"),
    show_default=True,
    help="Folder for the files.",
)
@click.option(
    "--dataset",
    is_flag=True,
    help="Also write the evaluator's de-identified, person-level dataset (evaluation-dataset.csv).",
)
@click.option("--as", "username", default=None, help="Read as this account (manager; an analyst: public only).")
def evaluate(
    as_of: dt.datetime | None, audience: str, formats: str, out_dir: Path, dataset: bool, username: str | None
) -> None:
    """Write the evaluation (definitions eval-1, docs/evaluation.md) as evaluation.json (and CSV,
    XLSX, PDF, HTML with --format) and print the notified curve.

    For everyone notified (first delivered custom notification on or before the as-of day): the
    share still free of violent re-involvement at 90, 180, 365, 545 and 730 days (Kaplan-Meier,
    lifelines) with 95% intervals and the numbers at risk, for all of them and by fiscal year of
    origin, age band at origin and engagement within 90 days; against a matched comparison group
    of the criteria's candidates who were not notified, with a Cox hazard ratio; the engagement
    funnel by month; shooting victims and notifications by area with an interrupted time series.
    Not causal proof: every output says so. The read is recorded in the audit trail.
    """
    common.django_setup()
    common.require_ready()
    import json

    from django.core.exceptions import ValidationError

    from vip.evaluation.evaluate import evaluation_read

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = set(wanted) - {"json", "csv", "xlsx", "pdf", "html"}
    if unknown:
        raise click.UsageError(f"unknown format(s) {', '.join(sorted(unknown))}: choose json, csv, xlsx, pdf, html")
    try:
        evaluation = evaluation_read(
            user=common.actor(username), as_of=as_of.date() if as_of else None, audience=audience, purpose="cli"
        )
    except ValidationError as exc:
        raise click.UsageError(" ".join(exc.messages)) from exc
    from types import SimpleNamespace

    from vip.audit.services import actor_identity
    from vip.evaluation import render

    result = evaluation.to_dict()
    about = SimpleNamespace(  # what the PDF says of the computation (a page's run says the same)
        as_of=evaluation.as_of,
        audience=audience,
        created_at=evaluation.generated_at,
        requested_by_name=actor_identity(common.actor(username))[1],
        definitions_version=result["definitions"],
    )
    writers = {
        "json": lambda: json.dumps(result, indent=2, ensure_ascii=False).encode() + b"\n",
        "csv": lambda: render.to_csv(result),
        "xlsx": lambda: render.to_xlsx(result),
        "pdf": lambda: render.to_pdf(about, result),
        "html": lambda: render.to_html(about, result).encode(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in wanted:
        path = out_dir / f"evaluation.{fmt}"
        common.write_whole(path, writers[fmt]())
        paths.append(path)
    click.echo(f"Evaluation as of {evaluation.as_of} ({audience}, definitions eval-1):")
    size = result["counts"]["notified"]
    click.echo(f"  notified: {'withheld' if size is None else f'{size:,}'}; still free of violent re-involvement:")
    for point in result["survival"]["notified"]:
        if point["withheld"]:
            value = "withheld"
        elif point["survival"] is None:
            value = "not followed that long"
        else:
            value = (
                f"{point['survival']:.1%} (95% CI {point['ci_low']:.1%}-{point['ci_high']:.1%}), "
                f"{point['at_risk']:,} at risk"
            )
        click.echo(f"    day {point['day']:>3}: {value}")
    if result.get("release"):
        withheld = len(result["withheld_for_history"])
        click.echo(
            f"  released in the ledger: edition {result['release']['edition']} of {evaluation.as_of}; "
            f"{withheld} count(s) withheld for what earlier releases published"
        )
    for path in paths:
        click.echo(f"  {path}")
    if dataset:
        from vip.evaluation.dataset import evaluator_dataset

        rows = evaluator_dataset(user=common.actor(username), as_of=evaluation.as_of, purpose="cli")
        path = out_dir / "evaluation-dataset.csv"
        common.write_whole(path, rows)
        click.echo(f"  {path} (de-identified: docs/evaluation.md)")


@click.command(name="funder-report")
@click.option(
    "--template",
    "template_name",
    default="cvipi",
    show_default=True,
    help="cvipi (half-years), quarterly, or one of the profile's own templates.",
)
@click.option(
    "--period",
    default=None,
    help="Like 2026H1 (half-years), 2026Q3 (quarters) or 2026 (years); default: the latest that has ended.",
)
@click.option(
    "--audience",
    type=click.Choice(["official", "public"]),
    default="official",
    show_default=True,
    help="official: exact counts (managers); public (managers and analysts): counts from 1 to the threshold "
    "withheld, and more where earlier public releases would give them away, recorded in the release ledger.",
)
@click.option(
    "--format", "formats", default="pdf,csv,json,xlsx", show_default=True, help="Comma-separated formats to write."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/reports"),
    show_default=True,
    help="Folder for the files.",
)
@click.option("--as", "username", default=None, help="Read as this account (manager; an analyst: public only).")
def funder_report(
    template_name: str, period: str | None, audience: str, formats: str, out_dir: Path, username: str | None
) -> None:
    """Write a funder report (docs/evaluation.md) and print its figures: people engaged, new
    participants, custom notifications delivered and services connected by category, for a
    half-year (cvipi, the US DOJ CVIPI), a quarter (quarterly) or a template of the profile's own.
    The read is recorded in the audit trail."""
    common.django_setup()
    common.require_ready()
    import json

    from django.core.exceptions import ValidationError

    from vip.core.config import program_config, program_today
    from vip.evaluation import funders

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = set(wanted) - {"pdf", "csv", "json", "xlsx"}
    if unknown:
        raise click.UsageError(f"unknown format(s) {', '.join(sorted(unknown))}: choose pdf, csv, json, xlsx")
    known = funders.templates(program_config())
    template = known.get(template_name)
    if template is None:
        raise click.UsageError(f"unknown template {template_name!r}: choose {', '.join(known)}")
    try:
        report = funders.funder_report(
            user=common.actor(username),
            template=template_name,
            period=period or funders.latest_period(template, program_today()),
            audience=audience,
            purpose="cli",
        )
    except ValidationError as exc:
        raise click.UsageError(" ".join(exc.messages)) from exc
    writers = {
        "pdf": funders.to_pdf,
        "csv": funders.to_csv,
        "xlsx": funders.to_xlsx,
        "json": lambda r: json.dumps(r.to_dict(), indent=2, ensure_ascii=False).encode() + b"\n",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    click.echo(f"{template.title}: {report.period_name} ({report.period.start} to {report.period.end}, {audience}):")
    for row in report.rows:
        click.echo(f"  {row.label:70} {'withheld' if row.value is None else row.value:>8}")
    for fmt in wanted:
        path = out_dir / report.filename(fmt)
        common.write_whole(path, writers[fmt](report))
        click.echo(f"  {path}")

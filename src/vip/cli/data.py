"""`vip import`, `vip import-mapped`, `vip export` and `vip demo`: data into and out of the
program (the interchange bundle, a records system's own export, the synthetic demo city)."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from vip.cli import common


def _run_import(
    path: Path, *, actor: Any, skip_invalid: bool, rejects: Path | None, dry_run: bool, label: str | None = None
) -> Any:
    """Import the bundle at ``path`` with a progress bar; print its problems and counts."""
    # Deferred: the importer needs Django set up (common.django_setup()).
    from vip.interchange.services import bundle_import

    with common.bytes_bar(label or f"Importing {path.name}") as progress:
        result = bundle_import(
            actor=actor, path=path, skip_invalid=skip_invalid, rejects_dir=rejects, dry_run=dry_run, progress=progress
        )
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problem_count > len(result.problems):
        click.echo(f"... and {result.problem_count - len(result.problems)} more problems", err=True)
    for name in result.unknown_files:
        click.echo(f"{name}: ignored (not a file of interchange format version 1)", err=True)
    if result.counts:
        click.echo(f"{'file':24} {'read':>9} {'created':>9} {'updated':>9} {'unchanged':>9} {'rejected':>9}")
        for name, c in result.counts.items():
            click.echo(f"{name:24} {c.read:>9,} {c.created:>9,} {c.updated:>9,} {c.unchanged:>9,} {c.rejected:>9,}")
    return result


@click.command()
@click.option("--seed", default=2020, show_default=True, help="Random seed: the same seed gives the same city.")
@click.option(
    "--scale", default=1.0, show_default=True, type=click.FloatRange(min=0.01), help="Multiply the city's size."
)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of data (default: yesterday in the program's time zone).",
)
@click.option(
    "--bundle",
    "bundle_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the city as an interchange bundle to this folder instead of loading it.",
)
@click.option(
    "--duplicates",
    "duplicates_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write which person records are planted duplicates of which (CSV) to this file, outside the bundle.",
)
@click.option(
    "--no-field-records",
    "no_field_records",
    is_flag=True,
    help="Only the files of interchange format 1: no mediations, safety plans, incentives, groups or hospital details.",
)
@click.option(
    "--no-history",
    "no_history",
    is_flag=True,
    help="Load the records only, without the weekly history of the identification criteria.",
)
def demo(
    seed: int,
    scale: float,
    end: dt.datetime | None,
    bundle_dir: Path | None,
    duplicates_file: Path | None,
    no_field_records: bool,
    no_history: bool,
) -> None:
    """Build the synthetic demo city (March 2020 to yesterday) and load it.

    The city is generated as an interchange bundle and loaded through the same
    importer that real data takes. About 2.5% of the people the police meet also
    appear as a second person record from another source, spelled differently
    (planted duplicates, for `vip match`); --duplicates writes the ground truth.
    The field records come with it (mediations, safety plans, incentives and their
    payments, groups and call-ins, hospital referrals: the bundle's format 2), and
    an incentive budget for each fiscal year (not with --no-field-records). Then
    the identification criteria's weekly history is written, as `vip identify
    --history-from 2020-03-01 --as-of END` would (the evaluation's comparison
    group reads it; skipped when the database has proposals already, or with
    --no-history).
    """
    common.django_setup()
    # Deferred: Django is set up first, and only this command pays for the generator.
    from django.utils import timezone

    from vip.configuration.services import ensure_configured
    from vip.core.config import program_config
    from vip.core.dates import local_date
    from vip.demo.generator import estimated_rows, generate_bundle

    common.ensure_keys()
    common.migrate()
    ensure_configured()
    config = program_config()
    last_day = end.date() if end else local_date(timezone.now(), config.zone) - dt.timedelta(days=1)

    milestones = {code: m.amount_cents for code, m in config.field_work.milestones.items()}

    def generate(folder: Path) -> dict[str, int]:
        expected = estimated_rows(scale, dt.date(2020, 3, 1), last_day)
        with click.progressbar(length=expected, label="Generating the demo city", file=sys.stderr) as bar:
            return generate_bundle(
                folder,
                seed=seed,
                scale=scale,
                end=last_day,
                areas=list(config.areas),
                service_categories=list(config.service_categories),
                time_zone=config.time_zone,
                progress=bar.update,
                duplicates_file=duplicates_file,
                field_work=None if no_field_records else milestones,
            )

    if bundle_dir is not None:
        counts = generate(bundle_dir)
        click.echo(f"Wrote the demo city ({sum(counts.values()):,} rows) to {bundle_dir}/")
        for name, n in counts.items():
            click.echo(f"  {name:24} {n:>10,}")
        return
    with tempfile.TemporaryDirectory(prefix="vip-demo-") as tmp:
        generate(Path(tmp))
        result = _run_import(
            Path(tmp), actor=None, skip_invalid=False, rejects=None, dry_run=False, label="Loading the demo city"
        )
    if not result.written:
        raise SystemExit(common.EXIT_INVALID)
    click.echo(f"Loaded the demo city of {config.city}, 2020-03-01 to {last_day}.")
    if not no_field_records:
        from vip.demo.budgets import set_demo_budgets

        set_demo_budgets(dt.date(2020, 3, 1), last_day)
    if no_history:
        return
    from vip.identification.models import Candidate

    if Candidate.objects.exists():
        click.echo("The criteria's history is not written: the database has proposals already.")
        return
    from vip.cli.identification import history

    yesterday = local_date(timezone.now(), config.zone) - dt.timedelta(days=1)
    history(None, dt.date(2020, 3, 1), min(last_day, yesterday), 7)


@click.command(name="import")
@click.argument("bundle", type=click.Path(exists=True, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; write the rejected ones with reasons.")
@click.option(
    "--rejects",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for rejected rows with --skip-invalid (default: ./vip-rejects-<time>).",
)
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--as", "username", default=None, help="Import as this account (its permissions and name in the audit).")
def import_(bundle: Path, skip_invalid: bool, rejects: Path | None, dry_run: bool, username: str | None) -> None:
    """Validate and import an interchange BUNDLE (a folder or a .zip of CSV files).

    The whole bundle is checked first; every problem is printed as
    `file:line: column: message`. If any row is invalid nothing is written
    (exit code 2), unless --skip-invalid is given (exit code 3 when rows were
    rejected). Re-importing a bundle changes nothing: rows are matched by key.
    """
    common.django_setup()
    common.require_ready()
    if skip_invalid and rejects is None:
        rejects = Path(f"vip-rejects-{dt.datetime.now():%Y%m%d-%H%M%S}")
    result = _run_import(
        bundle, actor=common.actor(username), skip_invalid=skip_invalid, rejects=rejects, dry_run=dry_run
    )
    if result.rejects_dir is not None:
        click.echo(f"Rejected rows, with reasons: {result.rejects_dir}/", err=True)
    if not result.valid and not result.written:
        click.echo(f"{result.problem_count} problem(s); nothing was written.", err=True)
        raise SystemExit(common.EXIT_INVALID)
    if dry_run:
        click.echo("Valid: nothing was written (--dry-run).")
        return
    if result.rejected:
        click.echo(f"Imported with {result.rejected} rejected row(s).", err=True)
        raise SystemExit(common.EXIT_PARTIAL)
    click.echo("Imported.")


@click.command(name="import-mapped")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The mapping file (TOML) that says which source column is which field (docs/interchange.md).",
)
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--as", "--user", "username", default=None, help="Import as this account (its permissions and name in the audit)."
)
def import_mapped(source: Path, mapping_path: Path, dry_run: bool, username: str | None) -> None:
    """Validate and import a records system's own export (SOURCE: a .csv or .xlsx file).

    The mapping file names the source's columns and codes, date formats and time
    zone; each source row (one per person involved in an incident) becomes a
    person, an incident and an involvement, checked by the bundle importer's
    rules. Every problem is printed as `file:line: column: message` against the
    source file (for a workbook `file.xlsx[sheet]:row`) or the mapping file and its
    key. If anything is invalid nothing is written (exit code 2). Re-importing the
    same file changes nothing. See docs/examples/police-rms-mapping.toml.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the mapped importer.
    from vip.interchange.mapped import mapped_import

    actor = common.actor(username)
    with common.bytes_bar(f"Importing {source.name}") as progress:
        result = mapped_import(actor=actor, path=source, mapping_path=mapping_path, dry_run=dry_run, progress=progress)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problem_count > len(result.problems):
        click.echo(f"... and {result.problem_count - len(result.problems)} more problems", err=True)
    if result.lines:
        click.echo(f"{source.name}: {result.lines:,} row(s) read")
    if result.counts:
        click.echo(f"{'file':24} {'read':>9} {'created':>9} {'updated':>9} {'unchanged':>9} {'rejected':>9}")
        for name, c in result.counts.items():
            click.echo(f"{name:24} {c.read:>9,} {c.created:>9,} {c.updated:>9,} {c.unchanged:>9,} {c.rejected:>9,}")
    if not result.valid:
        click.echo(f"{result.problem_count} problem(s); nothing was written.", err=True)
        raise SystemExit(common.EXIT_INVALID)
    if dry_run:
        click.echo("Valid: nothing was written (--dry-run).")
        return
    click.echo("Imported.")


@click.command(name="export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--as", "username", default=None, help="Export as this account: the bundle holds only what it may see.")
def export(directory: Path, username: str | None) -> None:
    """Write the program's data as an interchange bundle to DIRECTORY.

    Without --as, the local operator's full export (a backup or a move to another
    system). With --as, the reader's permissions apply: police exports carry no
    peer-support notes; an analyst gets the de-identified export, which is not a
    bundle (docs/deidentification.md).
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the exporter.
    from vip.interchange.export import bundle_export

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Exporting", file=sys.stderr).__enter__()
        bar.update(done)

    try:
        counts = bundle_export(actor=common.actor(username), out_dir=directory, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"Exported {sum(counts.values()):,} rows to {directory}/")
    for name, n in counts.items():
        click.echo(f"  {name:24} {n:>10,}")

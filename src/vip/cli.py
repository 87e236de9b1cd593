"""The `vip` command: set up, load the demo city, import and export bundles, serve.

Exit codes (every subcommand):
  0  success
  1  failure: permission refused, a database or system error
  2  invalid input: a bundle with problems (nothing written), or bad command-line usage
  3  partly done: `import --skip-invalid` wrote the valid rows and rejected some
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_CODES_HELP = """\b
Exit codes (every command):
  0  success
  1  failure: permission refused, a database or system error
  2  invalid input: a bundle with problems (nothing written), or bad usage
  3  partly done: import --skip-invalid wrote the valid rows, rejected some

Documentation: README.md and docs/ (interchange.md for the bundle format)."""


def _django(debug: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Debug mode logs every SQL statement in memory: only the web server wants it.
    os.environ.setdefault("VIP_DEBUG", "1" if debug else "0")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if str(db["ENGINE"]).endswith("sqlite3"):
        Path(str(db["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=verbosity, interactive=False)


def _ensure_keys() -> None:
    """Development and the demo: make the key files under var/keys/ (0600) when absent."""
    from vip.core.crypto import ensure_key_files

    for path in ensure_key_files():
        click.echo(f"Created the encryption key file {path} (keep it: without it the case notes are unreadable).")


def _require_ready() -> None:
    """Stop with a clear message when the database has not been set up."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database cannot be reached at all
        raise click.ClickException(f"cannot open the database: {exc}") from exc
    if pending:
        raise click.ClickException("the database is not set up (or is out of date): run `vip setup` first")
    from vip.core.models import ProgramProfile

    if not ProgramProfile.objects.exists():
        raise click.ClickException("the database has no program configuration: run `vip setup` first")


def _actor(username: str | None) -> Any:
    if username is None:
        return None
    from vip.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise click.ClickException(f"no active account named {username!r}") from None


@contextmanager
def _bytes_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar over bytes, restarted for each phase (validate, write)."""
    state: dict[str, Any] = {"phase": None, "bar": None}

    def update(phase: str, n: int, total: int) -> None:
        if state["phase"] != phase:
            if state["bar"] is not None:
                state["bar"].__exit__(None, None, None)
            state["phase"] = phase
            state["bar"] = click.progressbar(length=total, label=f"{label}: {phase}", file=sys.stderr).__enter__()
        state["bar"].update(n)

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


class _Group(click.Group):
    """Turns refusals into a one-line error (exit code 1) instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from django.core.exceptions import PermissionDenied

        try:
            return super().invoke(ctx)
        except (PermissionDenied, PermissionError) as exc:
            raise click.ClickException(str(exc) or "permission refused") from exc


@click.group(cls=_Group, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="vip")
def main() -> None:
    """vip: run a city's Violence Intervention Program.

    The database is DATABASE_URL (default: SQLite at var/vip.sqlite3).
    Start with `vip setup` (or `vip demo` for a synthetic city).
    """


@main.command()
@click.option("--profile", default=None, help="Program profile to load into an empty database (default: albuquerque).")
def setup(profile: str | None) -> None:
    """Create or upgrade the database and load the program profile."""
    _django()
    from vip.configuration.services import ensure_configured

    _ensure_keys()
    _migrate()
    configured = ensure_configured(name=profile)
    click.echo(f"Database ready; program: {configured} (profile {configured.profile}).")


@main.command()
@click.argument("profile")
def configure(profile: str) -> None:
    """Load (or reload) a program PROFILE: a shipped name or a path to a .toml file.

    Areas and service categories are matched by code; the ones the profile no
    longer lists are deactivated, never deleted.
    """
    _django()
    _require_ready_schema()
    from vip.configuration.services import profile_load

    try:
        loaded = profile_load(actor=None, name=profile)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Loaded profile {loaded.profile}: {loaded}.")


def _require_ready_schema() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise click.ClickException("the database is not set up: run `vip setup` first")


@main.command()
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
def demo(
    seed: int, scale: float, end: dt.datetime | None, bundle_dir: Path | None, duplicates_file: Path | None
) -> None:
    """Build the synthetic demo city (March 2020 to yesterday) and load it.

    The city is generated as an interchange bundle and loaded through the same
    importer that real data takes. About 2.5% of the people the police meet also
    appear as a second person record from another source, spelled differently
    (planted duplicates, for `vip match`); --duplicates writes the ground truth.
    """
    _django()
    from vip.configuration.services import ensure_configured
    from vip.core.config import program_config
    from vip.core.dates import local_date
    from vip.demo.generator import estimated_rows, generate_bundle

    _ensure_keys()
    _migrate()
    ensure_configured()
    config = program_config()
    from django.utils import timezone

    last_day = end.date() if end else local_date(timezone.now(), config.zone) - dt.timedelta(days=1)

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
        raise SystemExit(EXIT_INVALID)
    click.echo(f"Loaded the demo city of {config.city}, 2020-03-01 to {last_day}.")


def _run_import(
    path: Path, *, actor: Any, skip_invalid: bool, rejects: Path | None, dry_run: bool, label: str | None = None
) -> Any:
    from vip.interchange.services import bundle_import

    with _bytes_bar(label or f"Importing {path.name}") as progress:
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


@main.command(name="import")
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
    _django()
    _require_ready()
    if skip_invalid and rejects is None:
        rejects = Path(f"vip-rejects-{dt.datetime.now():%Y%m%d-%H%M%S}")
    result = _run_import(bundle, actor=_actor(username), skip_invalid=skip_invalid, rejects=rejects, dry_run=dry_run)
    if result.rejects_dir is not None:
        click.echo(f"Rejected rows, with reasons: {result.rejects_dir}/", err=True)
    if not result.valid and not result.written:
        click.echo(f"{result.problem_count} problem(s); nothing was written.", err=True)
        raise SystemExit(EXIT_INVALID)
    if dry_run:
        click.echo("Valid: nothing was written (--dry-run).")
        return
    if result.rejected:
        click.echo(f"Imported with {result.rejected} rejected row(s).", err=True)
        raise SystemExit(EXIT_PARTIAL)
    click.echo("Imported.")


@main.command(name="import-mapped")
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
    _django()
    _require_ready()
    from vip.interchange.mapped import mapped_import

    actor = _actor(username)
    with _bytes_bar(f"Importing {source.name}") as progress:
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
        raise SystemExit(EXIT_INVALID)
    if dry_run:
        click.echo("Valid: nothing was written (--dry-run).")
        return
    click.echo("Imported.")


# The audience of a report (the Monthly Report, the disparity report): one choice, one wording.
_audience_option = click.option(
    "--audience",
    type=click.Choice(["official", "public"]),
    default="official",
    show_default=True,
    help="official: exact counts; public: counts 1-10 withheld, with complementary suppression.",
)


@main.command(name="export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--as", "username", default=None, help="Export as this account: the bundle holds only what it may see.")
def export(directory: Path, username: str | None) -> None:
    """Write the program's data as an interchange bundle to DIRECTORY.

    Without --as, the local operator's full export (a backup or a move to another
    system). With --as, the reader's permissions apply: police exports carry no
    peer-support notes; an analyst's export is de-identified.
    """
    _django()
    _require_ready()
    from vip.interchange.export import bundle_export

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Exporting", file=sys.stderr).__enter__()
        bar.update(done)

    try:
        counts = bundle_export(actor=_actor(username), out_dir=directory, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"Exported {sum(counts.values()):,} rows to {directory}/")
    for name, n in counts.items():
        click.echo(f"  {name:24} {n:>10,}")


@main.command()
@click.option("--month", "month_text", default=None, help="Report month YYYY-MM (default: the latest complete month).")
@_audience_option
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
    _django()
    _require_ready()
    from django.core.exceptions import ValidationError

    from vip.core.dates import Month
    from vip.reports.services import latest_complete_month, report_generate

    try:
        month = Month.parse(month_text) if month_text else latest_complete_month()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    try:
        run = report_generate(actor=_actor(username), month=month, audience=audience, formats=wanted, publish=publish)
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


@main.command()
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
@_audience_option
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
    _django()
    _require_ready()
    from django.core.exceptions import ValidationError

    from vip.core.config import program_today
    from vip.core.dates import Period
    from vip.identification.disparity import MEASURE_LABELS, MEASURES, csv_filename, default_period, to_csv
    from vip.identification.disparity import disparity_report as read_report

    default = default_period(program_today())
    try:
        period = Period(start.date() if start else default.start, end.date() if end else default.end)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        report = read_report(user=_actor(username), period=period, audience=audience, purpose="cli")
    except ValidationError as exc:
        raise click.UsageError(" ".join(exc.messages)) from exc
    content = to_csv(report)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / csv_filename(report)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)  # never a half-written file under the final name
    click.echo(f"Disparity report {period.start} to {period.end} ({audience}):")
    for measure in MEASURES:
        click.echo(f"  {MEASURE_LABELS[measure]:24} {report.total(measure).display:>8}")
    if report.published.suppressed:
        click.echo(f"  {len(report.published.suppressed)} count(s) withheld (disclosure control).")
    click.echo(f"  {path}")


@main.command()
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["peer", "police", "manager", "analyst", "admin", "integration"]),
    help="The account's role (see docs/permissions.md).",
)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def createuser(username: str, role: str, first_name: str, last_name: str, email: str, password_stdin: bool) -> None:
    """Create a staff account with a ROLE (there is no public sign-up)."""
    _django()
    _require_ready()
    from django.core.exceptions import ValidationError

    from vip.accounts.services import user_create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_create(
            actor=None,
            username=username,
            role=role,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
    except ValidationError as exc:
        raise click.UsageError("password refused: " + " ".join(exc.messages)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Created {user.username} ({user.get_role_display()}).")


@main.command()
def match() -> None:
    """Propose links between person records that look like one person.

    The same person arrives from the police, a hospital and the program under slightly
    different names and birth dates. Records are compared within blocks (the same birth date;
    the same sounding last name and birth year; the same sounding first and last names, in
    either order; the same phone or address), and each pair's evidence is weighed: names the
    same, a common nickname (Bobby / Robert, Pepe / José), an other name on record, one typo,
    first and last name swapped, one of two last names; birth dates the same, with two digits
    or day and month swapped, one digit off, or missing; the same phone, the same address.
    Pairs whose weights add up to the threshold are proposed, each with its evidence in words
    (vip.people.matching documents every weight).

    Proposals only: a program manager confirms or rejects each on the Duplicates page
    (/people/links/); nothing is merged here. Rejected pairs are never proposed again, and
    pairs already proposed or linked are left alone.
    """
    _django()
    _require_ready()
    from vip.people.linking import link_candidates_run

    run = link_candidates_run(actor=None)
    click.echo(
        f"Proposed {len(run.proposed)} link(s) for review (the web application's Duplicates page); "
        f"compared {run.pairs_compared:,} pairs among {run.people:,} records in {run.seconds:.1f} s."
    )


def _account(username: str) -> Any:
    """The account named ``username``, active or not, or a clear error."""
    from vip.accounts.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise click.ClickException(f"no account named {username!r}") from None


@main.command(name="reset-second-factor")
@click.argument("username")
def reset_second_factor(username: str) -> None:
    """Remove USERNAME's second factor (a lost phone) and end their sessions; at the next sign-in
    with the password the account enrols a new one before reaching anything."""
    _django()
    _require_ready()
    from vip.accounts.services import user_second_factor_reset

    user = _account(username)
    removed = user_second_factor_reset(actor=None, user=user)
    click.echo(f"Removed {removed} factor(s) of {user.username}; they enrol again at their next sign-in.")


@main.command()
@click.argument("username")
def unlock(username: str) -> None:
    """Lift the sign-in lockout of USERNAME (locked after too many failed sign-ins) before its
    time is up."""
    _django()
    _require_ready()
    from vip.accounts.services import user_unlock

    cleared = user_unlock(actor=None, username=username)
    if cleared:
        click.echo(f"Unlocked {username}: {cleared} record(s) of failed sign-ins cleared.")
    else:
        click.echo(f"{username} was not locked; nothing to clear.")


@main.command()
@click.argument("username")
def deactivate(username: str) -> None:
    """Deactivate USERNAME: it can no longer sign in, its sessions end now and its API tokens are
    revoked."""
    _django()
    _require_ready()
    from vip.accounts.services import user_deactivate

    user = _account(username)
    done = user_deactivate(actor=None, user=user)
    click.echo(
        f"Deactivated {user.username}: {done['sessions_ended']} session(s) ended, "
        f"{done['tokens_revoked']} API token(s) revoked."
    )


@main.group()
def audit() -> None:
    """The audit trail: every write and every read of person-level data, append-only and hash-chained
    (administrators read it at /audit/ in the web application)."""


@audit.command(name="verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain from the first event to the last.

    Exit status 0 when intact (the newest event's hash is printed: record it elsewhere to detect
    a later loss of events), 1 at the first event that was altered, removed or reordered.
    """
    _django()
    _require_ready()
    from vip.audit.models import AuditEvent
    from vip.audit.selectors import audit_chain_verify

    total = AuditEvent.objects.count()
    with click.progressbar(length=total, label="Verifying the audit trail", file=sys.stderr) as bar:
        result = audit_chain_verify(user=None, progress=bar.update)
    if not result.intact:
        click.echo(f"BROKEN at audit event {result.broken_at}: {result.reason}.", err=True)
        click.echo(f"{result.checked:,} event(s) before it are intact.", err=True)
        sys.exit(1)
    from vip.audit.selectors import audit_checkpoint

    checkpoint = audit_checkpoint(user=None)
    if checkpoint:
        click.echo(
            f"The {checkpoint['purged']:,} event(s) before event {checkpoint['through_id'] + 1} were purged "
            f"under the retention policy (audit event {checkpoint['event_id']}, {checkpoint['occurred_at']:%Y-%m-%d}); "
            "the chain is checked from there."
        )
    click.echo(f"Intact: {result.checked:,} event(s). Head hash: {result.head}")


@main.group()
def keys() -> None:
    """Encryption keys of case content at rest (VIP_FIELD_KEYS or VIP_FIELD_KEY_FILE).

    \b
    Rotation: 1. `vip keys generate` (a new key, listed first);
              2. `vip keys rotate` (everything re-encrypted under it);
              3. remove the old key from the configuration.
    """


@keys.command(name="generate")
@click.option("--print", "print_only", is_flag=True, help="Only print a new key; change no file.")
def keys_generate(print_only: bool) -> None:
    """Make a new field key and put it first in the key file (VIP_FIELD_KEY_FILE).

    When the keys come from VIP_FIELD_KEYS (or with --print), the new key is
    printed instead: put it first in that list. The older keys stay listed, so
    everything stays readable until `vip keys rotate` has run.
    """
    _django()
    from django.conf import settings

    from vip.core.crypto import forget_keys, generate_key, key_id, parse_key, read_key_file, write_key_file

    new = generate_key()
    path = getattr(settings, "VIP_FIELD_KEY_FILE", "")
    if print_only or settings.VIP_FIELD_KEYS or not path:
        click.echo(new)
        if not print_only:
            click.echo(
                "VIP_FIELD_KEYS is set: put this key first in it, keep the others, then run `vip keys rotate`.",
                err=True,
            )
        return
    file = Path(path)
    old = read_key_file(file) if file.exists() else []
    write_key_file(file, [new, *old], "vip field encryption keys, newest first")
    forget_keys()
    click.echo(f"Added key {key_id(parse_key(new))} to {file} ({len(old) + 1} key(s), newest first).")
    if old:
        click.echo("Next: `vip keys rotate`, then remove the older keys from the file.")


@keys.command(name="rotate")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Rows per round trip.")
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt every encrypted value under the newest field key (audited).

    Values already under the newest key are left alone, so running it again is
    harmless. Afterwards the older keys can be removed from the configuration.
    """
    _django()
    _require_ready()
    from vip.configuration.services import field_keys_rotate
    from vip.core.crypto import FieldKeyError, keyring

    try:
        counts = field_keys_rotate(actor=None, batch_size=batch_size)
    except FieldKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    for label, n in counts.items():
        click.echo(f"  {label:52} {n:>10,}")
    click.echo(f"Re-encrypted {sum(counts.values()):,} value(s) under key {keyring().newest_id}.")
    if len(keyring().ids) > 1:
        click.echo(f"The older key(s) {', '.join(keyring().ids[1:])} can now be removed from the configuration.")


@main.group()
def token() -> None:
    """API tokens for integration accounts (a hospital, a records system, an evaluator)."""


@token.command(name="create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'UNM Hospital referrals'.")
def token_create_command(username: str, name: str) -> None:
    """Issue a token for USERNAME. The token is printed once; only its hash is kept."""
    _django()
    _require_ready()
    from vip.accounts.models import User
    from vip.accounts.tokens import token_create

    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise click.ClickException(f"no active account named {username!r}") from None
    record, key = token_create(actor=None, user=user, name=name)
    click.echo(key)
    click.echo(
        f"Issued token {record.prefix}... for {user.username} ({user.get_role_display()}). "
        "Keep it secret: it cannot be shown again.",
        err=True,
    )


@token.command(name="revoke")
@click.argument("prefix")
def token_revoke_command(prefix: str) -> None:
    """Revoke the token that starts with PREFIX (as `vip token list` shows it)."""
    _django()
    _require_ready()
    from vip.accounts.models import ApiToken
    from vip.accounts.tokens import token_revoke

    matches = list(ApiToken.objects.filter(prefix__startswith=prefix, revoked_at__isnull=True))
    if len(matches) != 1:
        raise click.UsageError(f"{len(matches)} active tokens start with {prefix!r}; give a longer prefix")
    token_revoke(actor=None, token=matches[0])
    click.echo(f"Revoked {matches[0]}.")


@token.command(name="list")
def token_list_command() -> None:
    """List tokens (never their secrets)."""
    _django()
    _require_ready()
    from vip.accounts.models import ApiToken

    for item in ApiToken.objects.select_related("user").order_by("created_at"):
        state = "revoked" if item.revoked_at else "active"
        used = f"last used {item.last_used_at:%Y-%m-%d %H:%M}" if item.last_used_at else "never used"
        click.echo(f"{item.prefix}...  {item.user.username:16} {state:8} {used:26} {item.name}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web application (development server; use a WSGI server in production)."""
    _django(debug=True)
    _require_ready()
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False)


def _register_commands() -> None:
    from vip.backup.cli import backup_command, restore_command
    from vip.identification.cli import criteria_group, identify_command
    from vip.retention.cli import retention_group

    main.add_command(backup_command)
    main.add_command(restore_command)
    main.add_command(retention_group)
    main.add_command(identify_command)
    main.add_command(criteria_group)


_register_commands()

if __name__ == "__main__":
    main()

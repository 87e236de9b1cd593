"""The `vip` command: set up, load the demo city, import and export bundles, serve.

Exit codes (every subcommand):
  0  success
  1  failure: permission refused, a database or system error
  2  invalid input: a bundle with problems (nothing written), or bad command-line usage
  3  partly done: `import --skip-invalid` wrote the valid rows and rejected some

This package holds the group `main` (the console script `vip = "vip.cli:main"`) and the
registration of every command; the commands live in its modules by subject, and share
`vip.cli.common`. No module imports Django at import time: `vip --help` starts without it.
"""

from __future__ import annotations

from typing import Any

import click

from vip.cli import (
    accounts,
    audit,
    backup,
    data,
    docs,
    identification,
    keys,
    people,
    program,
    releases,
    reports,
    retention,
    tasks,
)
from vip.cli.common import EXIT_CODES_HELP


class _Group(click.Group):
    """Turns refusals into a one-line error (exit code 1) instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        # Deferred: django.core.exceptions alone adds about a fifth to the start-up; `vip --help`
        # never reaches invoke(), so it does not pay for it.
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


for _command in (
    # Set up and run: program.py
    program.setup,
    program.configure,
    program.serve,
    # The task queue: tasks.py
    tasks.worker,
    tasks.schedule_group,
    # Data in and out: data.py
    data.import_,
    data.import_mapped,
    data.export,
    data.demo,
    # Reports: reports.py
    reports.report,
    reports.disparity,
    reports.evaluate,
    reports.funder_report,
    releases.releases_group,
    # Accounts and API tokens: accounts.py
    accounts.createuser,
    accounts.reset_second_factor,
    accounts.unlock,
    accounts.deactivate,
    accounts.token,
    # People: people.py
    people.match,
    # Identification: identification.py
    identification.identify_command,
    identification.criteria_group,
    # Keys, audit trail, backups, retention
    keys.keys,
    audit.audit,
    backup.backup_command,
    backup.restore_command,
    retention.retention_group,
    # The documentation generated from the access policy
    docs.docs,
):
    main.add_command(_command)
del _command

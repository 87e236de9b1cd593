"""What every module of the `vip` command shares: Django set-up, readiness checks, the
account a command acts as, a progress bar, exit codes and the options several commands take.

Nothing here imports Django at module level: `vip --help` must start without it, so each
helper imports what it needs when a command calls it.
"""

from __future__ import annotations

import os
import sys
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


def django_setup(debug: bool = False) -> None:
    """Set Django up (settings: DJANGO_SETTINGS_MODULE, default config.settings.dev).

    Call it first in every command that touches the database or the settings.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Debug mode logs every SQL statement in memory: only the web server wants it.
    os.environ.setdefault("VIP_DEBUG", "1" if debug else "0")
    # Deferred: importing Django is the start-up cost `vip --help` must not pay.
    import django

    django.setup()


def migrate(verbosity: int = 0) -> None:
    """Create or upgrade the database schema (making the SQLite file's folder if need be)."""
    # Deferred: the settings and management commands need Django set up (django_setup()).
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if str(db["ENGINE"]).endswith("sqlite3"):
        Path(str(db["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=verbosity, interactive=False)
    # The cache's table, where the settings keep the cache in the database (production).
    call_command("createcachetable", verbosity=verbosity)


def ensure_keys() -> None:
    """Development and the demo: make the key files under var/keys/ (0600) when absent."""
    # Deferred: vip.core.crypto loads the cryptography library and reads Django's settings.
    from vip.core.crypto import ensure_key_files

    for path in ensure_key_files():
        click.echo(f"Created the encryption key file {path} (keep it: without it the case notes are unreadable).")


def require_schema() -> None:
    """Stop with a clear message when the database's schema is missing or out of date."""
    # Deferred: the migration machinery needs Django set up (django_setup()).
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise click.ClickException("the database is not set up: run `vip setup` first")


def require_ready() -> None:
    """Stop with a clear message when the database has not been set up."""
    # Deferred: the migration machinery and the models need Django set up (django_setup()).
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from vip.core.models import ProgramProfile

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database cannot be reached at all
        raise click.ClickException(f"cannot open the database: {exc}") from exc
    if pending:
        raise click.ClickException("the database is not set up (or is out of date): run `vip setup` first")
    if not ProgramProfile.objects.exists():
        raise click.ClickException("the database has no program configuration: run `vip setup` first")


def write_whole(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a ``.part`` file renamed at the end: never a
    half-written file under the final name."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)


def actor(username: str | None) -> Any:
    """The active account named ``username`` a command acts as (None: the local operator),
    or a clear error."""
    if username is None:
        return None
    # Deferred: the models need Django set up (django_setup()).
    from vip.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise click.ClickException(f"no active account named {username!r}") from None


def account(username: str) -> Any:
    """The account named ``username``, active or not, or a clear error."""
    # Deferred: the models need Django set up (django_setup()).
    from vip.accounts.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise click.ClickException(f"no account named {username!r}") from None


@contextmanager
def bytes_bar(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar over bytes, restarted for each phase (validate, write).

    Yields ``update(phase, n, total)``: ``n`` more bytes done of ``total`` in ``phase``.
    """
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


# The audience of a report (the Monthly Report, the disparity report): one choice, one wording.
audience_option = click.option(
    "--audience",
    type=click.Choice(["official", "public"]),
    default="official",
    show_default=True,
    help="official: exact counts; public: counts 1-10 withheld, with complementary suppression.",
)

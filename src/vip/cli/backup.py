"""`vip backup` and `vip restore`: encrypted backups of the whole database."""

from __future__ import annotations

from pathlib import Path

import click

from vip.cli import common


def _key() -> bytes:
    """The backup key from VIP_BACKUP_KEY or VIP_BACKUP_KEY_FILE, or a clear error."""
    # Deferred: the envelope loads the cryptography library, which `vip --help` must not pay for;
    # it needs no Django, so a bad key is refused before the database is touched.
    from vip.backup.envelope import BackupError, key_from_environment

    try:
        return key_from_environment()
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command(name="backup")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--generate-key", is_flag=True, help="Print a new random backup key and exit.")
def backup_command(out: Path | None, generate_key: bool) -> None:
    """Write an encrypted backup of the whole database to the file OUT.

    The database's own consistent snapshot (SQLite's online backup, PostgreSQL's pg_dump),
    encrypted and authenticated (AES-256-GCM) with the key in VIP_BACKUP_KEY or in the file
    named by VIP_BACKUP_KEY_FILE: keep that key away from the database and the backups.
    Inside: a manifest (database kind, migrations, created-at, rows per table, SHA-256).
    """
    # Deferred: the envelope loads the cryptography library, which `vip --help` must not pay for;
    # it needs no Django, so --generate-key works without a database.
    from vip.backup.envelope import KEY_HELP, BackupError
    from vip.backup.envelope import generate_key as new_key

    if generate_key:
        click.echo(new_key())
        click.echo("A new backup key. " + KEY_HELP, err=True)
        return
    if out is None:
        raise click.UsageError("give the backup file to write (or --generate-key)")
    key = _key()
    common.django_setup()
    common.require_ready()
    # Deferred: the backup services read the models, so Django is set up first.
    from vip.backup.services import backup_create

    try:
        manifest = backup_create(actor=None, out=out, key=key)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from exc
    rows = sum(manifest["tables"].values())
    click.echo(
        f"Backed up the {manifest['kind']} database ({len(manifest['tables'])} tables, {rows:,} rows, "
        f"{manifest['bytes']:,} bytes) to {out}; SHA-256 {manifest['sha256']}."
    )


@click.command(name="restore")
@click.argument("source", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
@click.option("--check", is_flag=True, help="Only check the backup (key, integrity) and print its manifest.")
def restore_command(source: Path, force: bool, check: bool) -> None:
    """Restore the encrypted backup IN into the database (DATABASE_URL).

    The whole file is checked before anything is written: a wrong key, a damaged or altered
    file, a backup from a newer version of vip or of the other kind of database is refused,
    and so is a database that is not empty, unless --force. The restore is recorded in the
    restored database's audit trail. Stop the web application while restoring.
    """
    key = _key()
    common.django_setup()
    # Deferred: the backup services read the models, so Django is set up first (the envelope,
    # for its error, is already loaded by _key()).
    from vip.backup.envelope import BackupError
    from vip.backup.services import backup_inspect, backup_restore

    try:
        if check:
            manifest = backup_inspect(source=source, key=key)
        else:
            manifest = backup_restore(source=source, key=key, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["tables"].values())
    what = "Intact" if check else "Restored"
    click.echo(
        f"{what}: a backup of a {manifest['kind']} database made {manifest['created_at']} "
        f"({len(manifest['tables'])} tables, {rows:,} rows; SHA-256 {manifest['sha256']})."
    )

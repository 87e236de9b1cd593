"""Encrypted backups of the whole database, and their restore (security row 30).

Each database is copied with its own consistent snapshot, never through the ORM:

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live database page by
  page into a snapshot file beside it (the same disk that already holds the database in clear),
  which is then encrypted into the backup and removed;
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the manifest's row counts are
  read in it and ``pg_dump -Fc --snapshot`` dumps exactly that state, streamed through the
  encryption without touching the disk.

The backup file (``envelope.py``) holds a manifest (format, database kind, migrations applied,
created-at, rows per table) and the sealed size and SHA-256 of the database's bytes. A restore
checks the whole file before it writes anything, refuses a newer schema or a non-empty target
(unless forced), checks the restored row counts against the manifest, and records the restore in
the restored database's audit trail.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from vip.audit.services import Actor, audit_record
from vip.backup.envelope import CHUNK, FORMAT_VERSION, BackupError, Reader, TamperedError, Writer

Progress = Callable[[int], None] | None


def database_kind() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


# --- shared pieces ------------------------------------------------------------------------------


def _count_rows(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from the catalogue)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _manifest(kind: str, tables: dict[str, int], migrations: dict[str, list[str]], server: str) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "kind": kind,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "vip_version": version("vip"),
        "server_version": server,
        "migrations": migrations,
        "tables": tables,
    }


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    """The libpq environment for pg_dump/pg_restore (the password never appears on a command line)."""
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return env


def _pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore, refusing one older than the server (it would fail or lose data)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: postgresql-client)")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    tool_major = int(output.split()[-1].split(".")[0])
    connection.ensure_connection()
    server_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    if tool_major < server_major:
        raise BackupError(
            f"{name} is version {tool_major} but the server is PostgreSQL {server_major}: "
            f"install the client tools of version {server_major} or later"
        )
    return path


# --- backup -------------------------------------------------------------------------------------


def _sqlite_snapshot(folder: Path) -> Path:
    snapshot = folder / "snapshot.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(snapshot)
    try:
        connection.connection.backup(target)  # type: ignore[union-attr]
        # A single file: the snapshot carries no write-ahead log of its own.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    return snapshot


def _sqlite_manifest(snapshot: Path) -> dict[str, Any]:
    db = sqlite3.connect(snapshot)
    try:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [row[0] for row in cursor.fetchall()]
        counts = _count_rows(cursor, tables, lambda n: '"' + n.replace('"', '""') + '"')
        return _manifest("sqlite", counts, _migrations(cursor), sqlite3.sqlite_version)
    finally:
        db.close()


def _snapshot_folder() -> Path:
    """A private folder beside the live SQLite database (its disk already holds the data in clear)."""
    name = str(settings.DATABASES["default"]["NAME"])
    parent = Path(name).parent if not connection.is_in_memory_db() and "://" not in name else None  # type: ignore[attr-defined]
    return Path(tempfile.mkdtemp(prefix=".vip-backup-", dir=parent if parent and parent.is_dir() else None))


def _write_sqlite(writer_factory: Callable[[dict[str, Any]], Writer], progress: Progress) -> Writer:
    folder = _snapshot_folder()
    try:
        snapshot = _sqlite_snapshot(folder)
        writer = writer_factory(_sqlite_manifest(snapshot))
        with snapshot.open("rb") as data:
            while chunk := data.read(CHUNK):
                writer.write(chunk)
                if progress:
                    progress(len(chunk))
        return writer
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_postgresql(writer_factory: Callable[[dict[str, Any]], Writer], progress: Progress) -> Writer:
    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server = cursor.fetchone()
        tables = connection.introspection.table_names(cursor)
        manifest = _manifest("postgresql", _count_rows(cursor, tables, connection.ops.quote_name), {}, server)
        manifest["migrations"] = _migrations(cursor)
        writer = writer_factory(manifest)
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(  # noqa: S603
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}"],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=_pg_env(connection.settings_dict),
            )
            assert process.stdout is not None
            while chunk := process.stdout.read(CHUNK):
                writer.write(chunk)
                if progress:
                    progress(len(chunk))
            if process.wait() != 0:
                errors.seek(0)
                raise BackupError(f"pg_dump failed: {errors.read().decode(errors='replace').strip()}")
    return writer


def backup_create(*, actor: Actor, out: Path, key: bytes, progress: Progress = None) -> dict[str, Any]:
    """Write an encrypted backup of the whole database to ``out``; audited. Returns its manifest."""
    kind = database_kind()
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new file name (a backup never overwrites one)")
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            writer = (_write_sqlite if kind == "sqlite" else _write_postgresql)(
                lambda manifest: Writer(stream, key, manifest), progress
            )
            seal = writer.close()
            manifest = {**writer.manifest, **seal}
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="backup.create",
            object_type="backup",
            object_id=manifest["sha256"],
            changes=_summary(manifest, out),
        )
    return manifest


def _summary(manifest: dict[str, Any], path: Path) -> dict[str, Any]:
    """What the audit trail keeps of a backup: where, when, which, how big; no content."""
    return {
        "file": str(path),
        "kind": manifest["kind"],
        "created_at": manifest["created_at"],
        "sha256": manifest.get("sha256", ""),
        "bytes": manifest.get("bytes", 0),
        "tables": len(manifest["tables"]),
        "rows": sum(manifest["tables"].values()),
    }


# --- restore ------------------------------------------------------------------------------------


def backup_inspect(*, source: Path, key: bytes) -> dict[str, Any]:
    """Read and authenticate the whole backup (nothing written); its manifest with size and SHA-256."""
    with Path(source).open("rb") as stream:
        reader = Reader(stream, key)
        for _chunk in reader.chunks():
            pass
        assert reader.seal is not None
        return {**reader.manifest, **reader.seal}


def _newer_migrations(manifest: dict[str, Any]) -> list[str]:

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names if (app, name) not in known
    )


def _target_tables() -> list[str]:
    if connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).exists():
        return []
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _check_counts(manifest: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, list(manifest["tables"]), connection.ops.quote_name)
    differ = [f"{t}: {counts[t]} rows, the backup says {n}" for t, n in manifest["tables"].items() if counts[t] != n]
    if differ:
        raise BackupError("the restored database does not match the backup's manifest: " + "; ".join(differ[:10]))


def _restore_sqlite(reader: Reader) -> None:
    target = Path(str(connection.settings_dict["NAME"]))
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.restoring-", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in reader.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        # A write-ahead log left by the old database would be replayed onto the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


def _restore_postgresql(reader: Reader, force: bool) -> None:
    pg_restore = _pg_tool("pg_restore")
    if force:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_pg_env(connection.settings_dict),
        )
        assert process.stdin is not None
        try:
            for chunk in reader.chunks():
                process.stdin.write(chunk)
        except BaseException:
            # The single transaction has not committed: killing pg_restore leaves the target as it was.
            process.kill()
            process.wait()
            raise
        process.stdin.close()
        if process.wait() != 0:
            errors.seek(0)
            raise BackupError(f"pg_restore failed: {errors.read().decode(errors='replace').strip()}")


def backup_restore(*, source: Path, key: bytes, force: bool = False, actor: Actor = None) -> dict[str, Any]:
    """Restore the backup ``source`` into the configured database; audited there. Returns its manifest.

    Refuses a wrong key, a damaged or altered file, a backup of the other kind of database, a
    backup from a newer schema, and a target that already holds tables (unless ``force``).
    """
    kind = database_kind()
    source = Path(source)
    manifest = backup_inspect(source=source, key=key)  # the whole file authenticates, or nothing is written
    if manifest["kind"] != kind:
        raise BackupError(
            f"this is a backup of a {manifest['kind']} database and the target is {kind}: restore it into "
            f"{manifest['kind']}, or move data between the two with `vip export` and `vip import`"
        )
    newer = _newer_migrations(manifest)
    if newer:
        raise BackupError(
            "this backup comes from a newer version of vip (its schema has migrations this version does not "
            f"know: {', '.join(newer[:5])}): restore it with that version or a later one"
        )
    if kind == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        raise BackupError("the target is an in-memory SQLite database: set DATABASE_URL to a database file")
    tables = _target_tables()
    if tables and not force:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables): restore into a fresh database, "
            "or give --force to replace everything in it"
        )
    with source.open("rb") as stream:
        reader = Reader(stream, key)
        try:
            if kind == "sqlite":
                _restore_sqlite(reader)
            else:
                _restore_postgresql(reader, force)
        except TamperedError as exc:
            raise TamperedError(f"{exc} (it changed while it was being restored; nothing was restored)") from exc
    _check_counts(manifest)

    call_command("migrate", verbosity=0, interactive=False)  # a backup from an older version: bring it up to date
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="backup.restore",
            object_type="backup",
            object_id=manifest["sha256"],
            changes=_summary(manifest, source),
        )
    return manifest

"""Security row 30: encrypted backups restore to the same numbers.

The restore runs as an operator would run it: the `vip` command in another process, pointed at
a fresh database (SQLite: a new file; PostgreSQL: a new database on the test server, dropped
afterwards), then `vip report` and `vip audit verify` there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection

from vip.audit.models import AuditEvent
from vip.backup.envelope import BackupError, TamperedError, Writer, WrongKeyError, generate_key, parse_key
from vip.backup.services import backup_create, backup_inspect, backup_restore
from vip.cli import main
from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.reports.services import report_generate

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURE = Path(__file__).parents[2] / "reports" / "tests" / "fixtures" / "seed_november_2022"
NOV = Month(2022, 11)
KEY = generate_key()
VIP = str(Path(sys.executable).parent / "vip")


def _figures(content: bytes) -> dict[str, Any]:
    """The JSON edition of a report without the moment it was generated."""
    data = json.loads(content)
    data.pop("generated_at")
    return data


@pytest.fixture
def seeded(program) -> dict[str, Any]:
    assert bundle_import(actor=None, path=FIXTURE).written
    run = report_generate(actor=None, month=NOV, formats=["json"])
    return _figures(bytes(run.files.get(format="json").content))


class Target:
    """A fresh, empty database outside the test database, reached by the `vip` command."""

    def __init__(self, url: str, query: Any) -> None:
        self.url = url
        self.query = query

    def vip(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "VIP_BACKUP_KEY": KEY,
        }
        return subprocess.run([VIP, *args], capture_output=True, text=True, env=env, check=False)  # noqa: S603


@pytest.fixture
def fresh_target(tmp_path: Path) -> Iterator[Target]:
    if connection.vendor == "sqlite":
        path = tmp_path / "restored" / "vip.sqlite3"

        def query_sqlite(sql: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(path) as db:
                return db.execute(sql).fetchall()

        yield Target(f"sqlite:///{path}", query_sqlite)
        return
    import psycopg

    db = connection.settings_dict
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]  # the developer's own database name
    name = f"{base}_restore_{uuid.uuid4().hex[:8]}"
    params = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def query_pg(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(dbname=name, **params) as pg:
            return pg.execute(sql).fetchall()  # type: ignore[arg-type]

    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    try:
        yield Target(f"postgres://{auth}{db['HOST']}:{db['PORT'] or 5432}/{name}", query_pg)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_row_30_backups_restore_to_the_same_numbers(seeded, fresh_target: Target, tmp_path: Path) -> None:
    out = tmp_path / "vip.backup"
    manifest = backup_create(actor=None, out=out, key=parse_key(KEY))
    assert manifest["kind"] == connection.vendor
    assert manifest["tables"]["people_person"] > 0
    assert "0002_hash_chain" in manifest["migrations"]["audit"]
    event = AuditEvent.objects.get(action="backup.create")
    assert event.object_id == manifest["sha256"] and event.changes["rows"] == sum(manifest["tables"].values())
    assert b"Garc" not in out.read_bytes() and b"people_person" not in out.read_bytes()  # nothing in clear

    restored = fresh_target.vip("restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert f"SHA-256 {manifest['sha256']}" in restored.stdout

    report = fresh_target.vip("report", "--month", "2022-11", "--format", "json", "--out", str(tmp_path / "again"))
    assert report.returncode == 0, report.stderr
    (again,) = (tmp_path / "again").glob("*.json")
    assert _figures(again.read_bytes()) == seeded

    verified = fresh_target.vip("audit", "verify")
    assert verified.returncode == 0 and "Intact" in verified.stdout, verified.stdout + verified.stderr
    ((_action, object_id, changes),) = fresh_target.query(
        "SELECT action, object_id, changes FROM audit_auditevent WHERE action = 'backup.restore'"
    )
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert (object_id, changes["file"], changes["created_at"]) == (manifest["sha256"], str(out), manifest["created_at"])

    # The target is no longer empty: a second restore is refused unless forced.
    refused = fresh_target.vip("restore", str(out))
    assert refused.returncode == 1 and "not empty" in refused.stderr and "--force" in refused.stderr
    forced = fresh_target.vip("restore", "--force", str(out))
    assert forced.returncode == 0, forced.stderr
    assert fresh_target.query("SELECT COUNT(*) FROM audit_auditevent WHERE action = 'backup.restore'") == [(1,)]
    assert fresh_target.vip("audit", "verify").returncode == 0


def test_row_30_a_wrong_key_is_refused(program, tmp_path: Path) -> None:
    out = tmp_path / "vip.backup"
    backup_create(actor=None, out=out, key=parse_key(KEY))
    with pytest.raises(WrongKeyError):
        backup_inspect(source=out, key=parse_key(generate_key()))
    result = CliRunner(env={"VIP_BACKUP_KEY": generate_key()}).invoke(main, ["restore", str(out)])
    assert result.exit_code == 1
    assert "wrong backup key" in result.output


def _record_offsets(data: bytes) -> list[int]:
    offsets, at = [], 9 + 1 + 16 + 32  # magic, version, salt, key check
    while at < len(data):
        offsets.append(at)
        at += 4 + int.from_bytes(data[at : at + 4], "big")
    return offsets


@pytest.mark.parametrize("damage", ["flip a byte", "cut the end", "drop a record", "append bytes"])
def test_row_30_a_tampered_backup_is_refused(program, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "vip.backup"
    backup_create(actor=None, out=out, key=parse_key(KEY))
    data = bytearray(out.read_bytes())
    if damage == "flip a byte":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut the end":
        del data[-100:]
    elif damage == "drop a record":  # the last one, the seal: what is left ends cleanly after a record
        del data[_record_offsets(bytes(data))[-1] :]
    else:
        data += b"more"
    out.write_bytes(bytes(data))
    with pytest.raises((TamperedError, BackupError)):
        backup_inspect(source=out, key=parse_key(KEY))
    result = CliRunner(env={"VIP_BACKUP_KEY": KEY}).invoke(main, ["restore", str(out)])
    assert result.exit_code == 1
    assert "damaged" in result.output or "altered" in result.output or "incomplete" in result.output


def test_row_30_a_backup_from_a_newer_schema_is_refused(program, tmp_path: Path) -> None:
    out = tmp_path / "future.backup"
    manifest = {
        "format": 1,
        "kind": connection.vendor,
        "created_at": "2031-01-01T00:00:00+00:00",
        "migrations": {"audit": ["0001_initial", "0002_hash_chain", "0099_from_the_future"]},
        "tables": {},
    }
    with out.open("wb") as stream:
        writer = Writer(stream, parse_key(KEY), manifest)
        writer.write(b"not restored")
        writer.close()
    before = AuditEvent.objects.count()
    with pytest.raises(BackupError, match=r"newer version of vip .*audit\.0099_from_the_future"):
        backup_restore(source=out, key=parse_key(KEY))
    assert AuditEvent.objects.count() == before


def test_row_30_backup_refuses_to_run_without_a_key(program, tmp_path: Path) -> None:
    result = CliRunner(env={"VIP_BACKUP_KEY": None, "VIP_BACKUP_KEY_FILE": None}).invoke(
        main, ["backup", str(tmp_path / "vip.backup")]
    )
    assert result.exit_code == 1
    assert "no backup key" in result.output and "vip backup --generate-key" in result.output
    assert not (tmp_path / "vip.backup").exists()
    generated = CliRunner().invoke(main, ["backup", "--generate-key"])
    assert generated.exit_code == 0 and len(parse_key(generated.stdout.splitlines()[0])) == 32
    key_file = tmp_path / "backup.key"
    key_file.write_text(generated.stdout.splitlines()[0] + "\n")
    result = CliRunner(env={"VIP_BACKUP_KEY": None, "VIP_BACKUP_KEY_FILE": str(key_file)}).invoke(
        main, ["backup", str(tmp_path / "vip.backup")]
    )
    assert result.exit_code == 0, result.output
    assert backup_inspect(source=tmp_path / "vip.backup", key=parse_key(key_file.read_text()))["kind"] == (
        connection.vendor
    )

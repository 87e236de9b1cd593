"""A bundle loaded into an empty program through staging tables (ADR 6).

The row import (``services._Importer``) parses and writes a bundle batch by batch in Python:
every row costs some tens of microseconds, a million rows most of a minute. A program that
holds no records yet (a new database, a restore, a city's first export) can be loaded set by
set instead, file by file in dependency order:

1. **Staged.** Each file's cells (stripped, in the schema's column order, with the row's line
   and the batch the row import would put it in) go into a temporary table (PostgreSQL's
   ``COPY``, SQLite's ``executemany``).
   The encrypted columns are encrypted on the way (their plain text never reaches a table),
   and people's folded search names computed.
2. **Checked.** Every distinct value of a column that is parsed (dates, date-times, codes,
   flags, team lists) goes through the row import's own cell parser, once; the rows of the
   service referrals and of the people who died are checked, as distinct tuples, by the same
   cross-column rules. Texts are checked for emptiness and length in SQL, keys for duplicates
   and references with joins against what the earlier files wrote.
3. **Merged.** One ``INSERT … SELECT`` per file joins the staged cells to their parsed values
   and to the ids of the records they name; the audit gets the same events, batch by batch,
   as the row import writes.

This path only takes a bundle it can load whole. At the first problem of any kind (a bad
cell, a duplicate, a dangling key, a file it cannot read) it gives up (``NotStagedError``): the
caller rolls back to before it began and runs the row import, which finds and reports every
problem with its ``file:line: column: message``. So there is one definition of what a valid
cell is and one of every message; this path only has to be at least as strict, and the test
of the two paths against each other keeps it so (``tests/test_staging.py``).
"""

# Every statement here is put together from the schema's own column positions and table names
# and fixed SQL; every value from the bundle travels through COPY or a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any

from django.db import DatabaseError, connection, models, transaction

from vip.audit.services import Actor, audit_record
from vip.core.config import ProgramConfig
from vip.core.fields import EncryptedTextField
from vip.core.text import search_name
from vip.interchange.bulk import datetime_adapter, default_values
from vip.interchange.cells import ParseContext, cell_parser
from vip.interchange.formats import CellError
from vip.interchange.reader import BundleSource, Problem
from vip.interchange.schema import (
    CROSS_CHECKED,
    FILES,
    FILES_BY_NAME,
    INVOLVEMENTS,
    PEOPLE,
    SERVICE_REFERRALS,
    TEAM_ORDER,
    Column,
    FileSpec,
    check_row,
)
from vip.service_referrals.choices import CLOSING
from vip.service_referrals.models import ServiceReferralStatusChange

# The model each reference column's key is looked up in, with the field it fills.
_REFERENCES = {"people.csv": "person", "referrals.csv": "referral", "incidents.csv": "incident"}
# Rows written to a staging table at a time.
_CHUNK_ROWS = 20_000


class NotStagedError(Exception):
    """The bundle is not one this path loads whole; the row import is to find out why."""


def applies(*, empty: frozenset[str], strict: bool, write: bool) -> bool:
    """Whether a bundle import may be tried through the staging tables: into a program with no
    records at all, strict (nothing written unless every row is valid)."""
    return strict and write and len(empty) == len(FILES) and not _history_exists()


def _history_exists() -> bool:
    return ServiceReferralStatusChange.objects.exists()


class StagedLoad:
    """Loads every file of ``source`` (see the module's text), or raises ``NotStagedError``."""

    def __init__(
        self,
        source: BundleSource,
        ctx: ParseContext,
        config: ProgramConfig,
        actor: Actor,
        bundle: str,
        batch_size: int,
        batch_max_bytes: int,
        now: dt.datetime,
        on_bytes: Callable[[int], None],
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.config = config
        self.actor = actor
        self.bundle = bundle
        self.batch_size = batch_size
        self.batch_max_bytes = batch_max_bytes
        self.now = now
        self.on_bytes = on_bytes
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        """Rows loaded per file."""
        self.postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            self.cursor = cursor  # Django's: placeholders as %s on both databases
            if self.postgres:
                # For this transaction only: room to sort, hash and hold the staged tables in
                # memory (the defaults, 4 MB and 8 MB, send a million rows to disk at every step).
                for setting in ("work_mem", "maintenance_work_mem"):
                    cursor.execute(f"SET LOCAL {setting} = '256MB'")
                try:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL temp_buffers = '256MB'")
                except DatabaseError:
                    pass  # fixed once a session has used a temporary table: the load goes on without
            else:
                # SQLite keeps temporary tables in a file with a small page cache: let them have
                # 256 MB of memory for this load (given back after it).
                cursor.execute("PRAGMA temp.cache_size")
                kept = cursor.fetchone()[0]
                cursor.execute("PRAGMA temp.cache_size = -262144")
            try:
                self._files()
            finally:
                if not self.postgres:
                    cursor.execute(f"PRAGMA temp.cache_size = {int(kept)}")
        return self.counts

    def _files(self) -> None:
        for spec in FILES:
            if spec.name in self.source.members:
                self.counts[spec.name] = self._file(spec)

    # ---- 1. staged --------------------------------------------------------------------------

    def _file(self, spec: FileSpec) -> int:
        fields = {f.attname: f for f in spec.model._meta.concrete_fields}
        encrypted = {
            i: fields[c.name] for i, c in enumerate(spec.columns) if isinstance(fields.get(c.name), EncryptedTextField)
        }
        extra = ["search_name"] if spec is PEOPLE else []
        names = [f"c{i}" for i in range(len(spec.columns))] + extra
        self._execute("DROP TABLE IF EXISTS vip_stage")
        self._execute(
            "CREATE TEMP TABLE vip_stage (line bigint NOT NULL, batch integer NOT NULL, "
            + ", ".join(f"{n} text NOT NULL" for n in names)
            + (") ON COMMIT DROP" if self.postgres else ")")
        )
        rows = self._stage(spec, names, encrypted)
        self._execute("ANALYZE vip_stage")  # the planner's only knowledge of a temporary table
        if rows:
            self._check(spec, encrypted)
            self._merge(spec, fields, extra)
            self._audit(spec)
        self._execute("DROP TABLE IF EXISTS vip_stage")
        for i in range(len(spec.columns)):
            self._execute(f"DROP TABLE IF EXISTS vip_lk{i}")
        return rows

    def _stage(self, spec: FileSpec, names: list[str], encrypted: dict[int, Any]) -> int:
        problems: list[Problem] = []
        lines = self.source.rows(spec, problems.append, self.on_bytes)
        # The encrypted columns are checked here, on their plain text (texts: emptiness, length).
        rules = {i: (spec.columns[i].required, spec.columns[i].max_length) for i in encrypted}
        encrypting = {i: field.encrypt for i, field in encrypted.items()}
        count = 0
        batch = held = in_batch = 0
        staged: list[list[Any]] = []
        # People's folded search name, from their names (as ``mapping.to_fields`` makes it).
        naming = (
            [2 + _position(spec, n) for n in ("first_name", "middle_name", "last_name")] if spec is PEOPLE else None
        )

        def flush() -> None:
            # Each chunk is written after it is read: while the file is read, the connection is
            # free (a job's progress is written through it).
            self._write("vip_stage", ["line", "batch", *names], staged, csv_text=True)
            staged.clear()

        positions: list[int | None] | None = None
        width = 0
        for line, header, cells in lines:
            if positions is None:
                positions = [header.index.get(c.name) for c in spec.columns]
                width = len(header.names)
            if len(cells) != width:
                raise NotStagedError(f"{spec.name}:{line}: row width")
            # The batch the row import would put this row in (services._batches).
            in_batch += 1
            held += sum(map(len, cells))
            row: list[Any] = [line, batch]
            row.extend("" if p is None else cells[p].strip() for p in positions)
            if in_batch >= self.batch_size or held >= self.batch_max_bytes:
                batch += 1
                in_batch = held = 0
            for i, encrypt in encrypting.items():
                text = row[i + 2]
                required, limit = rules[i]
                if (required and not text) or (limit is not None and len(text) > limit):
                    raise NotStagedError(f"{spec.name}:{line}: {spec.columns[i].name}")
                if text:
                    row[i + 2] = encrypt(text)
            if naming is not None:
                row.append(search_name(*(row[at] for at in naming)))
            staged.append(row)
            count += 1
            if len(staged) >= _CHUNK_ROWS:
                flush()
        if problems:
            raise NotStagedError(f"{spec.name}: the file itself (line {problems[0].line})")
        flush()
        return count

    # ---- 2. checked -------------------------------------------------------------------------

    def _check(self, spec: FileSpec, encrypted: dict[int, Any]) -> None:
        # Texts, keys and references: emptiness and length, in one pass over the table.
        texts = [(i, c) for i, c in enumerate(spec.columns) if c.kind in {"key", "text", "ref"} and i not in encrypted]
        if texts:
            tests = []
            for i, c in texts:
                if c.required:
                    tests.append(f"c{i} = ''")
                if c.max_length is not None:
                    tests.append(f"length(c{i}) > {int(c.max_length)}")
            if tests:
                self._refuse_if(f"SELECT 1 FROM vip_stage WHERE {' OR '.join(tests)} LIMIT 1", "a text cell")
        for i, column in enumerate(spec.columns):
            if column.kind not in {"key", "text", "ref"}:
                self._lookup(spec, i, column)
        if spec.name in CROSS_CHECKED:
            self._cross_check(spec)
        # Duplicate keys.
        if spec is INVOLVEMENTS:
            keys = "c0, c1, (SELECT v FROM vip_lk2 WHERE t = c2)"
        else:
            keys = f"c{_position(spec, spec.key[0])}"
        self._refuse_if(f"SELECT 1 FROM vip_stage GROUP BY {keys} HAVING count(*) > 1 LIMIT 1", "a duplicate key")
        # References: to the rows the earlier files wrote (the program held nothing before).
        for i, column in enumerate(spec.columns):
            if column.kind == "ref":
                table = _table_of(column)
                self._refuse_if(
                    f"SELECT 1 FROM vip_stage s LEFT JOIN {table} r ON r.key = s.c{i} "
                    f"WHERE s.c{i} <> '' AND r.id IS NULL LIMIT 1",
                    f"an unknown {column.name}",
                )

    def _lookup(self, spec: FileSpec, i: int, column: Column) -> None:
        """Parse each distinct value of column ``i`` with the row import's own parser, into a
        table of (text, parsed value) the merge joins."""
        parse = cell_parser(column, self.ctx)
        kind = column.kind
        if kind == "moment":
            types = "v date, m timestamptz"
        elif kind == "date":
            types = "v date"
        elif kind == "bool":
            types = "v boolean"
        elif kind in {"area", "category"}:
            types = "v bigint"
        elif kind == "team":
            types = ", ".join(f"v{j} boolean NOT NULL" for j in range(len(TEAM_ORDER)))
        else:
            types = "v text NOT NULL"
        self._execute(
            f"CREATE TEMP TABLE vip_lk{i} (t text PRIMARY KEY, {types})" + (" ON COMMIT DROP" if self.postgres else "")
        )
        ids = {"area": self.config.area_ids, "category": self.config.service_category_ids}.get(kind)
        # The distinct values come a chunk at a time (a date-time is nearly always distinct: a
        # million of them would otherwise be held at once), each chunk parsed and sent on.
        day, moment = _date_adapter(), _moment_adapter()
        columns = {"moment": ["t", "v", "m"], "team": ["t", *(f"v{j}" for j in range(len(TEAM_ORDER)))]}.get(
            kind, ["t", "v"]
        )
        with _streamed(f"SELECT DISTINCT c{i} FROM vip_stage") as chunks:
            for chunk in chunks:
                rows: list[tuple[Any, ...]] = []
                for (text,) in chunk:
                    try:
                        value = parse(text)
                    except CellError:
                        raise NotStagedError(f"{spec.name}: {column.name}: a cell") from None
                    if kind == "moment" and value is None:
                        rows.append((text, None, None))
                    elif kind == "moment":
                        rows.append((text, day(value[0]), None if value[1] is None else moment(value[1])))
                    elif kind == "date":
                        rows.append((text, None if value is None else day(value)))
                    elif kind == "team":
                        rows.append((text, *(role in value for role in TEAM_ORDER)))
                    elif ids is not None:
                        rows.append((text, None if value is None else ids[value]))
                    else:
                        rows.append((text, value))
                self._write(f"vip_lk{i}", columns, rows)
        self._execute(f"ANALYZE vip_lk{i}")

    def _cross_check(self, spec: FileSpec) -> None:
        """The rules across a row's cells (a service referral's days and status, a person's
        birth and death), once per distinct combination."""
        wanted = list(CROSS_CHECKED[spec.name])
        at = [_position(spec, name) for name in wanted]
        sql = (
            "SELECT DISTINCT "
            + ", ".join(f"l{i}.v" for i in at)
            + " FROM vip_stage s "
            + " ".join(f"JOIN vip_lk{i} l{i} ON l{i}.t = s.c{i}" for i in at)
            # A person's rule is about their death: only the rows that give one.
            + (f" WHERE s.c{_position(spec, 'died_on')} <> ''" if spec is PEOPLE else "")
        )
        with _streamed(sql) as chunks:
            for chunk in chunks:
                for row in chunk:
                    if check_row(spec, dict(zip(wanted, row, strict=True))):
                        raise NotStagedError(f"{spec.name}: {', '.join(wanted)} together")

    def _refuse_if(self, sql: str, what: str) -> None:
        self.cursor.execute(sql)
        if self.cursor.fetchone() is not None:
            raise NotStagedError(what)

    # ---- 3. merged --------------------------------------------------------------------------

    def _merge(self, spec: FileSpec, fields: dict[str, models.Field[Any, Any]], extra: list[str]) -> None:
        targets: list[str] = []
        values: list[str] = []
        joins: list[str] = []
        for i, column in enumerate(spec.columns):
            kind = column.kind
            if kind == "key":
                targets.append("key")
                values.append(f"s.c{i}")
            elif kind == "text":
                targets.append(column.name)
                values.append(f"s.c{i}")
            elif kind == "ref":
                name = _REFERENCES[column.ref or ""]
                joins.append(f"LEFT JOIN {_table_of(column)} r{i} ON r{i}.key = s.c{i}")
                targets.append(f"{name}_id")
                values.append(f"r{i}.id")
            else:
                joins.append(f"JOIN vip_lk{i} l{i} ON l{i}.t = s.c{i}")
                if kind == "moment":
                    targets += [column.name.removesuffix("_at") + "_on", column.name]
                    values += [f"l{i}.v", f"l{i}.m"]
                elif kind == "team":
                    targets += [f"team_{role}" for role in TEAM_ORDER]
                    values += [f"l{i}.v{j}" for j in range(len(TEAM_ORDER))]
                elif kind in {"area", "category"}:
                    targets.append(f"{kind}_id")
                    values.append(f"l{i}.v")
                else:
                    targets.append(column.name)
                    values.append(f"l{i}.v")
        targets += extra
        values += [f"s.{name}" for name in extra]
        unknown = [t for t in targets if t not in fields]
        if unknown:
            raise AssertionError(f"{spec.name}: no field for {unknown}")
        defaults = default_values(spec.model, targets, self.now)
        columns = [fields[t].column for t in [*targets, *defaults]]
        marks = ["%s"] * len(defaults)
        self.cursor.execute(
            f"INSERT INTO {spec.model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join([*values, *marks])} FROM vip_stage s {' '.join(joins)} ORDER BY {self._in_order}",
            list(defaults.values()),
        )
        if spec is SERVICE_REFERRALS:
            self._history(spec)

    def _history(self, spec: FileSpec) -> None:
        """A new service referral's status history, as the row import writes it: referred on its
        day, connected on its day, and the closing status on the day it closed."""
        status, referred, connected, closed = (
            _position(spec, n) for n in ("status", "referred_on", "connected_on", "closed_on")
        )
        user = self.actor.pk if self.actor is not None else None
        table = ServiceReferralStatusChange._meta.db_table
        source = (
            "FROM vip_stage s "
            f"JOIN service_referrals_servicereferral r ON r.key = s.c{_position(spec, 'service_referral_key')} "
            f"JOIN vip_lk{status} st ON st.t = s.c{status} "
            f"JOIN vip_lk{referred} rf ON rf.t = s.c{referred} "
            f"JOIN vip_lk{connected} cn ON cn.t = s.c{connected} "
            f"JOIN vip_lk{closed} cl ON cl.t = s.c{closed}"
        )
        closing = ", ".join(f"'{code}'" for code in sorted(CLOSING))  # fixed codes, not input
        steps = " UNION ALL ".join(
            [
                f"SELECT s.line, 1 AS step, r.id, 'referred' AS status, rf.v AS day {source}",
                f"SELECT s.line, 2, r.id, 'connected', cn.v {source} WHERE cn.v IS NOT NULL",
                f"SELECT s.line, 3, r.id, st.v, COALESCE(cl.v, cn.v, rf.v) {source} WHERE st.v IN ({closing})",
            ]
        )
        self.cursor.execute(
            f"INSERT INTO {table} (service_referral_id, status, changed_on, recorded_at, recorded_by_id) "
            f"SELECT h.id, h.status, h.day, %s, %s FROM ({steps}) h ORDER BY h.line, h.step",
            [connection.ops.adapt_datetimefield_value(self.now), user],
        )

    def _audit(self, spec: FileSpec) -> None:
        """One event per batch naming the keys it created, as the row import records them."""
        if spec is INVOLVEMENTS:
            key = "s.c0 || ' / ' || s.c1 || ' / ' || l2.v"
            join = "JOIN vip_lk2 l2 ON l2.t = s.c2"
        else:
            key, join = f"s.c{_position(spec, spec.key[0])}", ""
        with _streamed(f"SELECT s.batch, {key} FROM vip_stage s {join} ORDER BY {self._in_order}") as chunks:
            for keys in _batches(chunks):
                self._audit_batch(spec, keys)

    def _audit_batch(self, spec: FileSpec, keys: list[str]) -> None:
        changes: dict[str, Any] = {"created": keys}
        if spec is not INVOLVEMENTS:
            changes["updated"] = {}
        audit_record(
            actor=self.actor,
            action="interchange.import.batch",
            object_type=spec.model._meta.label_lower,
            object_id=spec.name,
            changes={"bundle": self.bundle, **changes},
        )

    @property
    def _in_order(self) -> str:
        """The staged rows in the file's order: SQLite wrote them in that order (its row ids),
        which it reads without sorting."""
        return "s.line" if self.postgres else "s.rowid"

    def _execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def _write(self, table: str, columns: list[str], rows: list[Any], csv_text: bool = False) -> None:
        """Rows into a staging or lookup table: PostgreSQL's COPY (the staged cells as CSV text,
        which it parses fastest), SQLite's executemany."""
        if not rows:
            return
        named = ", ".join(columns)
        if not self.postgres:
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({named}) VALUES ({marks})", rows)
            return
        # The driver's own COPY: its errors are made Django's, as the cursor's are.
        with connection.wrap_database_errors:
            if csv_text:
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                sql = f"COPY {table} ({named}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({', '.join(columns[2:])}))"
                with self.cursor.cursor.copy(sql) as copy:
                    copy.write(buffer.getvalue())
                return
            with self.cursor.cursor.copy(f"COPY {table} ({named}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


@contextmanager
def _streamed(sql: str) -> Iterator[Iterator[list[tuple[Any, ...]]]]:
    """The rows of ``sql`` a chunk at a time, through a server-side cursor (memory stays flat;
    between chunks the connection is free for other statements of the same transaction)."""
    if connection.vendor == "postgresql":
        opened = connection.connection.cursor(name="vip_staged")
    else:  # SQLite steps through a query as it is fetched; other statements may run meanwhile
        opened = closing(connection.connection.cursor())
    with opened as cursor, connection.wrap_database_errors:
        cursor.execute(sql)

        def chunks() -> Iterator[list[tuple[Any, ...]]]:
            with connection.wrap_database_errors:
                while chunk := cursor.fetchmany(20_000):
                    yield chunk

        yield chunks()


def _batches(chunks: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[str]]:
    """The keys of each batch, from rows of (batch, key) in order."""
    current: int | None = None
    keys: list[str] = []
    for chunk in chunks:
        for batch, key in chunk:
            if batch != current and keys:
                yield keys
                keys = []
            current = batch
            keys.append(key)
    if keys:
        yield keys


def _date_adapter() -> Callable[[dt.date], Any]:
    """A date as the database stores it (as the row import writes it: ``BulkInserter``)."""
    if connection.vendor == "postgresql":
        return lambda day: day
    return connection.ops.adapt_datefield_value  # type: ignore[no-any-return]


def _moment_adapter() -> Callable[[dt.datetime], Any]:
    if connection.vendor == "postgresql":
        return lambda moment: moment
    return datetime_adapter()


def _position(spec: FileSpec, name: str) -> int:
    return [c.name for c in spec.columns].index(name)


def _table_of(column: Column) -> str:
    return FILES_BY_NAME[column.ref or ""].model._meta.db_table

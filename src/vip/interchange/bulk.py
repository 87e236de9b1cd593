"""Plain multi-row INSERTs for the importer's new rows.

Django's ``bulk_create`` builds a model instance and runs every field's
preparation for each row; for a million rows that is most of an import's time.
The importer already holds validated, typed values, so it inserts them in one
go per batch (SQLite: one parameterised ``executemany``; PostgreSQL: ``COPY FROM
STDIN``), adapting only the date and date-time columns through the backend's
own adapters, and encrypting the encrypted ones (``vip.core.fields``). Nothing else about
the write changes: same connection, same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from vip.core.fields import EncryptedTextField
from vip.core.sql import in_values


class BulkInserter:
    def __init__(self, model: type[models.Model], columns: Sequence[str], now: dt.datetime) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise LookupError(f"{model.__name__} has no columns {unknown}")
        self.columns = list(columns)
        stamps = default_values(model, self.columns, now)
        self.stamp_values = tuple(stamps.values())
        names = [*self.columns, *stamps]
        quote = connection.ops.quote_name
        target = f"{quote(model._meta.db_table)} ({', '.join(quote(fields[n].column) for n in names)})"
        self.sql = f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        self.copy_sql = f"COPY {target} FROM STDIN"
        self.adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for position, name in enumerate(self.columns):
            field = fields[name]
            if isinstance(field, EncryptedTextField):
                self.adapters.append((position, field.encrypt))
            elif isinstance(field, models.DateTimeField):
                self.adapters.append((position, datetime_adapter()))
            elif isinstance(field, models.DateField):
                self.adapters.append((position, connection.ops.adapt_datefield_value))

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        # Column by column: each adapter runs over its column, the stamps are repeated.
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for position, adapt in self.adapters:
            columns[position] = [None if value is None else adapt(value) for value in columns[position]]
        count = len(rows)
        params = list(zip(*columns, *(repeat(stamp, count) for stamp in self.stamp_values), strict=True))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: one stream for the batch instead of one statement per row.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for record in params:
                        copy.write_row(record)
            else:
                cursor.executemany(self.sql, params)
        return count


def default_values(model: type[models.Model], columns: Collection[str], now: dt.datetime) -> dict[str, Any]:
    """What every column of ``model`` other than ``columns`` (and the primary key) gets in a
    new row, as Django would give it: "now" for auto_now stamps, the field's default otherwise
    (version 1, status "received", "", NULL); by field name, ready for the database."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        name = field.attname
        if name in columns or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[name] = connection.ops.adapt_datetimefield_value(now)
        else:
            values[name] = field.get_db_prep_save(field.get_default(), connection)
    return values


def datetime_adapter() -> Callable[[Any], Any]:
    """The backend's adapter of an aware date-time; on SQLite (which stores the UTC wall
    time as text, as Django's adapter does) one that skips Django's per-value checks."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or str(connection.timezone) != "UTC":
        return adapt

    def utc_text(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return str(value.astimezone(dt.UTC).replace(tzinfo=None))
        return adapt(value)

    return utc_text


def column_in(column: str, values: Collection[Any]) -> Q | RawSQL:
    """``column IN values`` for a batch-sized list, as each database does it best
    (``vip.core.sql.in_values``: the values as one JSON array parameter); a plain ``IN`` list
    otherwise. Only for queries on a single table (the column name is not qualified)."""
    # The column name comes from our code and is quoted; the values are one bound parameter.
    name = connection.ops.quote_name(column)
    found = in_values(name, values)
    if found is None:
        if connection.vendor == "postgresql":
            return RawSQL(f"{name} = ANY(%s)", (list(values),), output_field=BooleanField())  # noqa: S611
        return Q(**{f"{column}__in": values})
    sql, params = found
    return RawSQL(sql, tuple(params), output_field=BooleanField())  # noqa: S611


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX statement)`` of each index of ``table`` that is neither its
    primary key nor unique (those keep the keys' rules while rows go in)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY 1",
                [table],
            )
        return [(name, sql) for name, sql in cursor.fetchall()]


def foreign_keys_from(tables: Collection[str], spare: Collection[str] = ()) -> list[tuple[str, str, str]]:
    """PostgreSQL: ``(table, name, definition)`` of each foreign key from one of ``tables``,
    except those to a table of ``spare`` (none on SQLite, whose foreign keys are part of the
    table)."""
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid "
            "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace "
            "AND t.relname = ANY(%s) AND NOT r.relname = ANY(%s) ORDER BY 1, 2",
            [list(tables), list(spare)],
        )
        return [(table, name, definition) for table, name, definition in cursor.fetchall()]


@contextmanager
def indexes_built_after(tables: Collection[str]) -> Iterator[None]:
    """Load empty tables without their secondary indexes, and build those after the load.

    Building an index over a million rows at once (sorted) costs a fraction of keeping it up
    to date row by row. On PostgreSQL the foreign keys between these tables are treated the
    same way: added again after the load, they check every row in one query instead of one
    trigger per row. Must run inside the caller's transaction: if the load fails, the
    rollback brings the indexes and keys back as they were. On PostgreSQL this locks the
    tables until the transaction ends, which is why only empty tables are treated so.

    On PostgreSQL every foreign key from these tables is treated so, the ones to the areas and
    service categories too (each would otherwise queue a check per row until the commit),
    except those to the accounts: dropping a key locks the table it points to against writes,
    and every sign-in writes to the accounts."""
    saved: list[tuple[str, str]] = []
    keys = foreign_keys_from(tables, spare=[get_user_model()._meta.db_table])
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for table in tables:
            for name, sql in secondary_indexes(table):
                cursor.execute(f"DROP INDEX {quote(name)}")
                saved.append((name, sql))
    yield
    if not saved and not keys:
        return
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            # PostgreSQL builds no index on a table with deferred checks pending (the foreign
            # keys of the rows just written to other tables): they are checked now, not at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, sql in saved:
            cursor.execute(sql)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

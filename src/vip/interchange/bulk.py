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
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from vip.core.fields import EncryptedTextField


class BulkInserter:
    def __init__(self, model: type[models.Model], columns: Sequence[str], now: dt.datetime) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise LookupError(f"{model.__name__} has no columns {unknown}")
        self.columns = list(columns)
        # Every other column gets what Django would give it: "now" for auto_now
        # stamps, the field's default otherwise (version 1, status "received", "", NULL).
        stamps: dict[str, Any] = {}
        for name, field in fields.items():
            if name in self.columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                stamps[name] = connection.ops.adapt_datetimefield_value(now)
            else:
                stamps[name] = field.get_db_prep_save(field.get_default(), connection)
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
                self.adapters.append((position, connection.ops.adapt_datetimefield_value))
            elif isinstance(field, models.DateField):
                self.adapters.append((position, connection.ops.adapt_datefield_value))

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        params = []
        for row in rows:
            values = list(row)
            for position, adapt in self.adapters:
                if values[position] is not None:
                    values[position] = adapt(values[position])
            params.append((*values, *self.stamp_values))
        if not params:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: one stream for the batch instead of one statement per row.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for record in params:
                        copy.write_row(record)
            else:
                cursor.executemany(self.sql, params)
        return len(params)


def column_in(column: str, values: Collection[Any]) -> Q | RawSQL:
    """``column IN values`` for a batch-sized list, as each database does it best.

    PostgreSQL gets ``column = ANY(%s)`` with one array parameter: a 2,000-item
    ``IN (%s, ...)`` costs more to build and parse than to run. Only for queries
    on a single table (the column name is not qualified).
    """
    if connection.vendor == "postgresql":
        # The column name comes from our code and is quoted; the values are one bound parameter.
        sql = f"{connection.ops.quote_name(column)} = ANY(%s)"
        return RawSQL(sql, (list(values),), output_field=BooleanField())  # noqa: S611
    return Q(**{f"{column}__in": values})

"""``column IN values`` for a batch of values, as each database does it best.

Django prepares every parameter of an ``IN (%s, ...)`` list in Python, and PostgreSQL parses a
2,000-item list: for a batch-sized lookup that costs more than running it. The values go as one
JSON array parameter instead: PostgreSQL ``column = ANY(ARRAY(... jsonb_array_elements_text ...))``,
SQLite ``column IN (SELECT value FROM json_each(...))``. Used by the importer's lookups
(``vip.interchange.bulk.column_in``) and the proposals' raw lookups (identification).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from django.db import connection


def in_values(column: str, values: Collection[Any]) -> tuple[str, list[Any]] | None:
    """The SQL condition and its parameters for ``column IN values`` (``column`` as written into
    the SQL: quoted or qualified by the caller), or None when the values are not all text or all
    integers, or the database is neither PostgreSQL nor SQLite (the caller then uses a plain
    ``IN`` list)."""
    kinds = {type(v) for v in values}
    if not (kinds <= {str} or kinds <= {int}):
        return None
    if connection.vendor == "postgresql":
        element = "value" if kinds <= {str} else "value::bigint"
        array = f"ARRAY(SELECT {element} FROM jsonb_array_elements_text(%s::jsonb) AS items(value))"  # noqa: S608
        return f"{column} = ANY({array})", [json.dumps(list(values))]
    if connection.vendor == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]  # noqa: S608
    return None

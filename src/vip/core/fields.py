"""Model fields: text encrypted at rest (``vip.core.crypto`` holds the format and keys)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core import validators
from django.db import migrations, models
from django.db.models.lookups import Exact, IsNull

from vip.core.crypto import is_encrypted, keyring


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Free text stored encrypted (AES-256-GCM, versioned, key id in each value).

    Python code sees plain text; the database holds ciphertext. Such a column
    cannot be filtered, ordered or aggregated in SQL: only ``isnull`` and
    ``exact`` with the empty string are allowed (an empty value is stored empty).
    ``max_length`` limits the plain text.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    @cached_property
    def aad(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def encrypt(self, value: Any) -> Any:
        """The stored form of ``value`` (None and "" stay as they are)."""
        if value is None or value == "":
            return value
        return keyring().encrypt(str(value), self.aad)

    def decrypt(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return keyring().decrypt(value, self.aad)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return self.decrypt(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return self.encrypt(super().get_db_prep_value(value, connection, prepared))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return EmptyOnlyExact
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None


class EmptyOnlyExact(Exact):
    """``field=""`` works on an encrypted column; any other value cannot match ciphertext."""

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        if value not in ("", None):
            raise TypeError("encrypted columns cannot be searched by value")
        return super().get_db_prep_lookup(value, connection)


def _rewrite_columns(columns: list[tuple[str, str, str]], *, encrypt: bool) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:

        connection = schema_editor.connection
        quote = connection.ops.quote_name
        for label, model_name, field_name in columns:
            model = apps.get_model(label, model_name)
            table = quote(model._meta.db_table)
            column = quote(model._meta.get_field(field_name).column)
            pk = quote(model._meta.pk.column)
            aad = f"{label}.{model_name.lower()}.{field_name}".encode()
            last = 0
            while True:
                with connection.cursor() as cursor:
                    sql = f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s AND {column} <> '' ORDER BY {pk}"  # noqa: S608
                    cursor.execute(sql + " LIMIT 1000", [last])
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    ring = keyring()
                    if encrypt:
                        params = [(ring.encrypt(v, aad), i) for i, v in rows if v and not is_encrypted(v)]
                    else:
                        params = [(ring.decrypt(v, aad), i) for i, v in rows if v and is_encrypted(v)]
                    if params:
                        cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", params)  # noqa: S608

    return run


def encrypt_columns(*columns: tuple[str, str, str]) -> Any:
    """A migration operation that encrypts the existing values of ``(app, Model, field)`` columns.

    Runs in batches of 1,000 rows; reversible (the reverse decrypts). Needs the
    field keys only when there is something to encrypt.
    """

    return migrations.RunPython(
        _rewrite_columns(list(columns), encrypt=True), _rewrite_columns(list(columns), encrypt=False), elidable=False
    )

"""On PostgreSQL, index the folded names by trigrams so that search finds a word anywhere in a
name (and close spellings) without reading every person. SQLite has no such index; its search
reads the table, which is fine at the sizes an embedded database serves."""

from django.db import migrations

TABLES = ("people_person", "people_personalias")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # pragma: no cover - depends on the server's packages
        raise RuntimeError(
            "vip needs PostgreSQL's pg_trgm extension (in the server's contrib package, trusted since "
            "PostgreSQL 13, so the database owner may create it): " + str(exc)
        ) from exc
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_name gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_search_name")]
    operations = [migrations.RunPython(create, drop)]

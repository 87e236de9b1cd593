"""On PostgreSQL, the ``unaccent`` extension: the database folds accents the way the stored
folded name (``search_name``, vip.core.text.fold) does, so that a check or an ad-hoc query can
compare names accent-blind in SQL. (People search itself matches the stored folded name: it is
indexed by trigrams, which ``unaccent(...)`` at query time could not use.) SQLite skips it.

What ``django.contrib.postgres``'s ``UnaccentExtension`` does, written out: importing that module
loads the PostgreSQL driver, and every command that checks the schema reads this file, on SQLite
too."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP EXTENSION IF EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [("people", "0004_person_links")]
    operations = [migrations.RunPython(create, drop)]

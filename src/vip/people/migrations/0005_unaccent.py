"""On PostgreSQL, the ``unaccent`` extension: the database folds accents the way the stored
folded name (``search_name``, vip.core.text.fold) does, so that a check or an ad-hoc query can
compare names accent-blind in SQL. (People search itself matches the stored folded name: it is
indexed by trigrams, which ``unaccent(...)`` at query time could not use.) SQLite skips it:
``CreateExtension`` acts on PostgreSQL only."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0004_person_links")]
    operations = [UnaccentExtension()]

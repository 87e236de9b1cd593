"""A key for each BedsideVisit: what an interchange bundle (format 2) names it by, so
that re-importing a bundle updates a record instead of adding it again. Existing rows get a key of
the form new_key gives (prefix, dash, twelve hex digits)."""

import uuid

from django.db import migrations, models

import vip.hospital.models
import django.db.models.deletion
from django.conf import settings


def fill_keys(apps, schema_editor):
    for model_name, prefix in [("BedsideVisit", "BV")]:
        model = apps.get_model("hospital", model_name)
        for pk in model._base_manager.filter(key__isnull=True).values_list("pk", flat=True):
            model._base_manager.filter(pk=pk).update(key=f"{prefix}-{uuid.uuid4().hex[:12].upper()}")


class Migration(migrations.Migration):
    dependencies = [("hospital", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AddField(
            model_name="bedsidevisit",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="bedsidevisit",
            name="key",
            field=models.CharField(
                default=vip.hospital.models.new_visit_key, editable=False, max_length=100, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="bedsidevisit",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
    ]

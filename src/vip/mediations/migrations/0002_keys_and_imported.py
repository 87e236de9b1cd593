"""Every mediation has a key (what an interchange bundle, format 2, names it by; the field app's
submissions bring theirs, the rest get one of the form new_key gives), and a mediation or an outside
party imported by the operator from the command line has no recording account ("imported")."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import vip.mediations.models


def fill_keys(apps, schema_editor):
    model = apps.get_model("mediations", "Mediation")
    for pk in model._base_manager.filter(key__isnull=True).values_list("pk", flat=True):
        model._base_manager.filter(pk=pk).update(key=f"MD-{uuid.uuid4().hex[:12].upper()}")


class Migration(migrations.Migration):
    dependencies = [
        ("mediations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="mediation",
            name="key",
            field=models.CharField(
                blank=True, default=vip.mediations.models.new_mediation_key, max_length=100, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="mediation",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="outsideparty",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

"""A key for each Group, GroupMembership, CallIn: what an interchange bundle (format 2) names it by, so
that re-importing a bundle updates a record instead of adding it again. Existing rows get a key of
the form new_key gives (prefix, dash, twelve hex digits)."""

import uuid

from django.db import migrations, models

import vip.groups.models


def fill_keys(apps, schema_editor):
    for model_name, prefix in [("Group", "G"), ("GroupMembership", "GM"), ("CallIn", "CI")]:
        model = apps.get_model("groups", model_name)
        for pk in model._base_manager.filter(key__isnull=True).values_list("pk", flat=True):
            model._base_manager.filter(pk=pk).update(key=f"{prefix}-{uuid.uuid4().hex[:12].upper()}")


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="group",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="groupmembership",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="callin",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="group",
            name="key",
            field=models.CharField(
                default=vip.groups.models.new_group_key, editable=False, max_length=100, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="groupmembership",
            name="key",
            field=models.CharField(
                default=vip.groups.models.new_membership_key, editable=False, max_length=100, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="callin",
            name="key",
            field=models.CharField(
                default=vip.groups.models.new_call_in_key, editable=False, max_length=100, unique=True
            ),
        ),
    ]

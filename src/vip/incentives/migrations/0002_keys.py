"""A key for each incentive and each payment: what an interchange bundle (format 2) names them by,
so that re-importing a bundle updates an incentive (and finds a payment) instead of adding it again.
Existing rows get a key of the form new_key gives (prefix, dash, twelve hex digits)."""

import uuid

from django.db import migrations, models

import vip.incentives.models


def fill_keys(apps, schema_editor):
    for model_name, prefix in [("Incentive", "IN"), ("IncentivePayment", "IP")]:
        model = apps.get_model("incentives", model_name)
        for pk in model._base_manager.filter(key__isnull=True).values_list("pk", flat=True):
            # A queryset's update (a payment's model refuses save): the key only, never an amount.
            model._base_manager.filter(pk=pk).update(key=f"{prefix}-{uuid.uuid4().hex[:12].upper()}")


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="incentive",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="incentivepayment",
            name="key",
            field=models.CharField(max_length=100, null=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="incentive",
            name="key",
            field=models.CharField(
                default=vip.incentives.models.new_incentive_key, editable=False, max_length=100, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="incentivepayment",
            name="key",
            field=models.CharField(
                default=vip.incentives.models.new_payment_key, editable=False, max_length=100, unique=True
            ),
        ),
    ]

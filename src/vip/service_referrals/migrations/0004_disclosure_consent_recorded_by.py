"""Security row 43: a disclosure carries who recorded its consent, and the database refuses a
disclosure to the program managers by the manager who recorded the consent."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_recorders(apps, schema_editor):
    Disclosure = apps.get_model("service_referrals", "Disclosure")
    for disclosure in Disclosure.objects.select_related("consent").only("pk", "consent__recorded_by_id"):
        Disclosure.objects.filter(pk=disclosure.pk).update(consent_recorded_by_id=disclosure.consent.recorded_by_id)


class Migration(migrations.Migration):

    dependencies = [
        ("service_referrals", "0003_consents_and_disclosure_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="consent_recorded_by",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.RunPython(copy_recorders, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="disclosure",
            name="consent_recorded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=~models.Q(recipient_kind="managers")
                | ~models.Q(disclosed_by=models.F("consent_recorded_by")),
                name="disclosure_not_to_the_consent_recorder",
            ),
        ),
    ]

"""Each candidacy keeps the criterion of its first reason, so that the evaluation's comparison
group reads it without a look-up among the reasons (a criteria history holds millions of them)."""

from django.db import migrations, models

FILL = (
    "UPDATE identification_candidate SET first_criterion = COALESCE(("
    "SELECT r.criterion FROM identification_candidatereason r "
    "WHERE r.candidate_id = identification_candidate.id ORDER BY r.id LIMIT 1), '')"
)


class Migration(migrations.Migration):
    dependencies = [
        ("identification", "0004_disparity_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="first_criterion",
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]

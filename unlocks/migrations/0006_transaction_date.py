"""Every invoice and payment has a date; the ones there already are dated the day they were
created, the closest fact the database holds."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import TruncDate


def date_from_created(apps, schema_editor):
    for name in ("Invoice", "Payment"):
        apps.get_model("unlocks", name).objects.update(date=TruncDate("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("unlocks", "0005_covered_foreign_key_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="date",
            field=models.DateField(
                default=django.utils.timezone.localdate,
                help_text="An invoice's issue date; a payment's date.",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="date",
            field=models.DateField(
                default=django.utils.timezone.localdate,
                help_text="An invoice's issue date; a payment's date.",
            ),
        ),
        migrations.RunPython(date_from_created, migrations.RunPython.noop, elidable=True),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="currency",
            field=models.CharField(
                choices=[
                    ("USD", "US dollar"),
                    ("CAD", "Canadian dollar"),
                    ("AUD", "Australian dollar"),
                    ("NZD", "New Zealand dollar"),
                    ("EUR", "Euro"),
                    ("GBP", "Pound sterling"),
                ],
                default="USD",
                help_text="The currency of the tenant's books: every amount of its records is in it.",
                max_length=3,
            ),
        ),
    ]

import hashlib

from django.db import migrations

CONSENT_V1 = (
    "We are confirming that this action is being taken at your direction and that you "
    "have sole responsibility for ensuring that the appropriate financial changes are "
    "being made in QuickBooks. ServiceTitan is unable to assist with or verify that these "
    "changes are made in QuickBooks, and therefore assumes no liability."
)


def forward(apps, schema_editor):
    ConsentText = apps.get_model("unlocks", "ConsentText")
    ConsentText.objects.get_or_create(
        version=1,
        defaults={"text": CONSENT_V1, "sha256": hashlib.sha256(CONSENT_V1.encode()).hexdigest()},
    )


class Migration(migrations.Migration):
    dependencies = [("unlocks", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

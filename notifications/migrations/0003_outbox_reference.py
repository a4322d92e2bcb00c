"""The outbox names what a message is about by id (`reference`), not by a foreign key
to unlocks.UnlockRequest, so that notifications depends on no app of the product; the
request ids of existing rows are kept."""

from django.db import migrations, models
from django.db.models import F


def copy_request_ids(apps, schema_editor):
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    OutboxMessage.objects.update(reference=F("request"))


def copy_references_back(apps, schema_editor):
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    OutboxMessage.objects.update(request=F("reference"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_email_text_written_when_sent"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="reference",
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
        # Nullable first, so that the migration can be reversed over rows it wrote.
        migrations.AlterField(
            model_name="outboxmessage",
            name="request",
            field=models.ForeignKey(
                null=True,
                on_delete=models.PROTECT,
                related_name="outbox_messages",
                to="unlocks.unlockrequest",
            ),
        ),
        migrations.RunPython(copy_request_ids, copy_references_back),
        migrations.RemoveField(model_name="outboxmessage", name="request"),
        migrations.AlterField(
            model_name="outboxmessage",
            name="body",
            field=models.TextField(
                blank=True, help_text="The plain-text email, or the webhook's JSON body."
            ),
        ),
    ]

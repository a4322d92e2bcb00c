from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = (
        "Send the outbox messages that are due, in this process (what the worker's sweep "
        "does; useful without Redis, or to drain the outbox by hand)."
    )

    def handle(self, *args, **options):
        outcomes = [services.deliver_message(pk) for pk, _ in services.due_messages()]
        sent = sum(1 for o in outcomes if o == "delivered")
        self.stdout.write(
            f"{len(outcomes)} due, {sent} delivered, {len(outcomes) - sent} to retry or failed."
        )

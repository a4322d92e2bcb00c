from django.core.management.base import BaseCommand

from unlocks.tasks import expire_pending_requests


class Command(BaseCommand):
    help = (
        "Expire pending unlock requests past their time, as the system (what the beat "
        "schedule runs every minute; useful without Redis, or by hand)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{expire_pending_requests()} request(s) expired.")

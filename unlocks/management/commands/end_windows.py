from django.core.management.base import BaseCommand

from unlocks.tasks import end_unlock_windows


class Command(BaseCommand):
    help = (
        "Re-lock what approved unlock requests opened once their windows have ended, and "
        "remind the admins of windows nearly over, as the system (what the beat schedule "
        "runs every minute; useful without Redis, or by hand)."
    )

    def handle(self, *args, **options):
        ended, reminded = end_unlock_windows()
        self.stdout.write(f"{ended} unlock window(s) ended, {reminded} reminder(s) sent.")

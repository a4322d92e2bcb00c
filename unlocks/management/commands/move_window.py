from django.core.management.base import BaseCommand, CommandError

from core.refusals import Refusal
from unlocks import services


class Command(BaseCommand):
    help = (
        "Development only: move an approved request's unlock window HOURS earlier, as if "
        "that much time had passed, so a demo sees its reminder and its end at once "
        "(then run end_windows, or let the beat do it). Refused in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("request_id", help="The unlock request's id.")
        parser.add_argument(
            "--hours",
            type=float,
            default=None,
            help="How far to move the clock; the whole window (it ends now) if not given.",
        )

    def handle(self, *args, request_id, hours, **options):
        try:
            request = services.move_window_back(request_id=request_id, hours=hours)
        except Refusal as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            f"Request {request.pk}: its window now ends at "
            f"{request.unlocked_until:%Y-%m-%d %H:%M:%S} UTC."
        )

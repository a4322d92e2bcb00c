"""Development only: move an approved request's window earlier, as if time had passed."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.refusals import Refusal
from unlocks import rules
from unlocks.services.shared import lock_request
from unlocks.services.window import RELOCK_ORDER


def move_window_back(*, request_id, hours=None):
    """Move an approved request's window `hours` earlier (all of what is left of it if
    None), as if that much time had passed, so that a demo sees its reminder and its end
    without waiting. Changes no record's state and writes no audit entry."""
    if settings.PRODUCTION:
        raise Refusal(
            "not_in_production",
            "Moving an unlock's clock is for development only; it is refused in production.",
        )
    with transaction.atomic():
        request = lock_request(request_id)
        now = timezone.now()
        if refusal := rules.relock_refused(request, now):
            raise refusal
        shift = timedelta(hours=hours) if hours is not None else request.unlocked_until - now
        for name in ("approved_at", "completed_at", "closed_at", "unlocked_until", "remind_at"):
            value = getattr(request, name)
            setattr(request, name, value - shift if value is not None else None)
        request.save()
        for model, _ in RELOCK_ORDER:
            model.objects.filter(unlocked_by=request).update(unlocked_until=request.unlocked_until)
    return request


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
            request = move_window_back(request_id=request_id, hours=hours)
        except Refusal as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            f"Request {request.pk}: its window now ends at "
            f"{request.unlocked_until:%Y-%m-%d %H:%M:%S} UTC."
        )

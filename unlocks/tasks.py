"""Celery tasks of unlock requests, run on the beat schedule."""

from celery import shared_task
from django.utils import timezone

from unlocks.models import IdempotencyKey
from unlocks.services import end_windows, expire_requests, remind_windows

BATCH = 500


@shared_task(ignore_result=True)
def expire_pending_requests():
    """Expire pending requests past their time, as the system, batch by batch."""
    return _in_batches(expire_requests)


@shared_task(ignore_result=True)
def end_unlock_windows():
    """Re-lock what each approved request opened once its window has ended, and remind the
    admins of windows nearly over, batch by batch; returns (ended, reminded)."""
    return _in_batches(end_windows), _in_batches(remind_windows)


def _in_batches(work):
    total = 0
    while True:
        done = work(limit=BATCH)
        total += done
        if done < BATCH:
            return total


@shared_task(ignore_result=True)
def purge_idempotency_keys():
    """Forget Idempotency-Key answers past their 24 hours."""
    deleted, _ = IdempotencyKey.objects.expired(timezone.now()).delete()
    return deleted

"""Celery tasks of unlock requests, run on the beat schedule."""

from celery import shared_task

from unlocks.api.idempotency import purge_expired_keys
from unlocks.services import expire_requests

BATCH = 500


@shared_task(ignore_result=True)
def expire_pending_requests():
    """Expire pending requests past their time, as the system, batch by batch."""
    total = 0
    while True:
        expired = expire_requests(limit=BATCH)
        total += expired
        if expired < BATCH:
            return total


@shared_task(ignore_result=True)
def purge_idempotency_keys():
    """Forget Idempotency-Key answers past their 24 hours."""
    return purge_expired_keys()

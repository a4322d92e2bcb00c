"""When to try a failed message again, and when to give up."""

import random
from datetime import timedelta

from django.conf import settings


def retry_delay(attempts: int, *, rng=random) -> timedelta:
    """Exponential backoff with equal jitter after `attempts` failed tries.

    Half the delay is fixed so retries never bunch up at zero; the other half is
    random so many failed messages do not all come back at the same moment.
    """
    base = settings.NOTIFICATIONS_BACKOFF_BASE.total_seconds()
    cap = settings.NOTIFICATIONS_BACKOFF_CAP.total_seconds()
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay / 2 + rng.uniform(0, delay / 2))


def retry_until(now):
    """A message is retried for at least NOTIFICATIONS_RETRY_FOR, then marked failed."""
    return now + settings.NOTIFICATIONS_RETRY_FOR

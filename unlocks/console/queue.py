"""The work queue, the admin site's home for an agent (registered in unlocks/admin.py)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from unlocks.console import chart
from unlocks.models import RequestStatus
from unlocks.selectors import (
    QUEUE_LENGTH,
    closed_since,
    pending_oldest_first,
    requests_per_day,
    windows_ending_before,
)
from unlocks.when import time_left

# ---------------------------------------------------------------- the work queue

# A pending request this close to its expiry is highlighted: the caller must act now.
SOON = timedelta(hours=1)
CHART_DAYS = 30


def queue_context(request):
    """The admin's home for an agent: what waits (oldest first), what closed today, and
    the last 30 days per day, in a fixed number of queries; nothing for other staff."""
    if not request.user.has_perm("unlocks.view_unlockrequest"):
        return {}
    now = timezone.now()
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    pending = pending_oldest_first(limit=QUEUE_LENGTH)
    closed = closed_since(since=start_of_today, limit=QUEUE_LENGTH)
    ending = windows_ending_before(until=start_of_today + timedelta(days=1), limit=QUEUE_LENGTH)
    counts = requests_per_day(since=start_of_today - timedelta(days=CHART_DAYS - 1), now=now)
    return {
        "queue": True,
        "pending_rows": [_queue_row(r, now) for r in pending[:QUEUE_LENGTH]],
        "pending_more": len(pending) > QUEUE_LENGTH,
        "closed_rows": [_queue_row(r, now) for r in closed[:QUEUE_LENGTH]],
        "closed_more": len(closed) > QUEUE_LENGTH,
        "ending_rows": [_window_row(r, now) for r in ending[:QUEUE_LENGTH]],
        "ending_more": len(ending) > QUEUE_LENGTH,
        "chart": chart.per_day(counts, today=today, days=CHART_DAYS),
        "can_open": request.user.has_perm("unlocks.add_unlockrequest"),
    }


def _queue_row(unlock, now):
    left = unlock.expires_at - now
    return {
        "request": unlock,
        "numbers": [t.number for t in unlock.targets.all()],
        "left": time_left(left),
        "soon": unlock.status == RequestStatus.PENDING and left <= SOON,
    }


def _window_row(unlock, now):
    return {
        "request": unlock,
        "numbers": [t.number for t in unlock.targets.all()],
        "left": time_left(unlock.unlocked_until - now),
        "ended": unlock.unlocked_until <= now,
    }

"""Times as people say them: how long is left, and when, on every page and console card.

In the reader's time zone (`core.times`): the clock face is the project's DATETIME_FORMAT
("2026-12-01 23:50 MST"); the same day drops the date ("in 12 minutes, at 23:50 MST"), as
someone on the phone would say it.
"""

from django.utils import timezone

from core import times


def time_left(delta):
    """A duration as an agent says it on the phone: "3 h 05 min", "42 min", "1 minute"."""
    minutes = max(0, int(delta.total_seconds() + 59) // 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return "1 minute" if minutes <= 1 else f"{minutes} minutes"


def until_in_words(until, now):
    """When `until` comes, from `now`: "in 12 minutes, at 06:50 MST", or with the date
    ("in 25 h 10 min, at 2026-12-03 07:45 MST") when it is not today; in the active zone."""
    until, now = timezone.localtime(until), timezone.localtime(now)
    at = times.clock(until) if until.date() == now.date() else times.local(until)
    return f"in {time_left(until - now)}, at {at}"

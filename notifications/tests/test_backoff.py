import random
from datetime import timedelta

import pytest

from notifications.backoff import retry_delay


@pytest.fixture(autouse=True)
def _schedule(settings):
    settings.NOTIFICATIONS_BACKOFF_BASE = timedelta(seconds=30)
    settings.NOTIFICATIONS_BACKOFF_CAP = timedelta(minutes=15)


def test_the_delay_doubles_with_each_failed_try():
    never_random = random.Random()
    never_random.uniform = lambda low, high: high

    delays = [retry_delay(n, rng=never_random).total_seconds() for n in range(1, 6)]

    assert delays == [30, 60, 120, 240, 480]


def test_the_delay_stops_growing_at_the_cap():
    assert retry_delay(30).total_seconds() <= 15 * 60
    assert retry_delay(30).total_seconds() >= 15 * 60 / 2


def test_jitter_keeps_at_least_half_the_delay_and_spreads_the_rest():
    rng = random.Random(7)

    delays = {retry_delay(3, rng=rng).total_seconds() for _ in range(50)}

    assert all(60 <= d <= 120 for d in delays)
    assert len(delays) > 40


def test_the_schedule_keeps_retrying_for_more_than_an_hour_before_the_window_closes(settings):
    settings.NOTIFICATIONS_RETRY_FOR = timedelta(hours=1)
    shortest = random.Random()
    shortest.uniform = lambda low, high: low

    elapsed, attempts = timedelta(0), 0
    while elapsed < settings.NOTIFICATIONS_RETRY_FOR:
        attempts += 1
        elapsed += retry_delay(attempts, rng=shortest)

    # Even with the least jitter, an hour of retries is a dozen tries, not a flood.
    assert 8 <= attempts <= 16

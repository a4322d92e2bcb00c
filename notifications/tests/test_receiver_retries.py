"""A receiver that fails three times then answers 200 gets the event exactly once more."""

import time

import pytest

from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_three_500s_then_a_200_deliver_the_event_once_and_stop(worker, receiver, endpoint):
    receiver.statuses = [500, 500, 500]
    worker.start()

    [row] = queue_calls(endpoint)
    wait_until(
        lambda: OutboxMessage.objects.filter(pk=row.pk, status=MessageStatus.DELIVERED).exists(),
        timeout=45,
        what="the webhook was retried until the receiver answered 200",
    )
    # Longer than the worst backoff and two sweeps: nothing more may arrive.
    time.sleep(4)
    assert len(receiver.calls) == 4
    assert {c.headers["X-Unlock-Event-Id"] for c in receiver.calls} == {str(row.event_id)}
    assert len({c.body for c in receiver.calls}) == 1
    row.refresh_from_db()
    assert row.attempts == 4
    assert [(t.ok, t.status_code) for t in row.tries.all()] == [
        (False, 500),
        (False, 500),
        (False, 500),
        (True, 200),
    ]

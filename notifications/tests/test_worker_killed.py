"""A worker killed in the middle of a call: the next worker delivers the row."""

import pytest

from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_the_next_worker_delivers_what_a_killed_worker_held(worker, receiver, endpoint):
    receiver.hold.set()
    worker.start()

    [row] = queue_calls(endpoint)

    assert receiver.wait_for_calls(1, timeout=30), "the first worker never called the receiver"
    worker.kill()
    receiver.hold.clear()
    receiver.release.set()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 1)
    assert row.leased_until is not None

    worker.start()

    wait_until(
        lambda: OutboxMessage.objects.filter(pk=row.pk, status=MessageStatus.DELIVERED).exists(),
        timeout=45,
        what="the second worker delivered the row once the first one's claim ran out",
    )
    row.refresh_from_db()
    assert row.attempts == 2
    assert [(t.number, t.ok) for t in row.tries.all()] == [(2, True)]
    # The receiver saw the cut-off call and the delivery, under one event id to dedupe by.
    assert len(receiver.calls) == 2
    assert receiver.calls[0].headers["X-Unlock-Event-Id"] == str(row.event_id)
    assert receiver.calls[1].headers["X-Unlock-Event-Id"] == str(row.event_id)

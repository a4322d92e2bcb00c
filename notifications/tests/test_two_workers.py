"""Two workers that pick up the same row at once send it once."""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connections

from notifications import services
from notifications.models import DeliveryAttempt, MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, queue_emails


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_deliver_a_row_once(endpoint, receiver, monkeypatch):
    # Nothing is enqueued at commit: the two "workers" below are the only senders.
    monkeypatch.setattr(services, "enqueue", lambda ids: 0)
    queue_emails("pat@acme.test")
    queue_calls(endpoint)
    rows = list(OutboxMessage.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(4)
    outcomes = []

    def work(pk):
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.deliver_message(pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in rows for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert Counter(outcomes) == {MessageStatus.DELIVERED: 2, None: 2}
    assert len(mail.outbox) == 1
    assert len(receiver.calls) == 1
    assert DeliveryAttempt.objects.count() == 2

"""A request opened while the broker is unreachable still succeeds; its messages go
out once a worker runs against a broker that is back."""

import os
import time

import pytest
import redis
from django.conf import settings

from config.celery import app
from notifications.models import QUEUE_OF_KIND, MessageStatus, OutboxMessage
from notifications.tests.conftest import wait_until
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def unreachable_broker(settings):
    """Point this process's Celery at a port where nothing listens, then back."""
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._after_fork()  # drops the pooled connections to the real broker
    try:
        yield
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app._after_fork()


def _queued_tasks():
    """Tasks waiting in any queue of the real broker."""
    queues = [*QUEUE_OF_KIND.values(), settings.CELERY_TASK_DEFAULT_QUEUE]
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        return sum(client.llen(queue) for queue in queues)
    finally:
        client.close()


def test_the_request_succeeds_and_is_delivered_once_the_broker_is_back(
    worker, receiver, endpoint, tenant, pat, unreachable_broker
):
    started = time.monotonic()
    request = open_for(tenant, f.imported_invoice(tenant))
    took = time.monotonic() - started

    assert UnlockRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING
    assert took < 5, f"opening waited {took:.1f} s on the broker"
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {
        (MessageStatus.PENDING, 0)
    }
    assert _queued_tasks() == 0, "the tasks reached the real broker after all"

    worker.start()

    wait_until(
        lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists(),
        timeout=30,
        what="the sweep found the messages that were never enqueued",
    )
    assert [e["To"] for e in worker.emails()] == ["pat@acme.test"]
    assert len(receiver.calls) == 1

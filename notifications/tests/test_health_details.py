import json
import os

import pytest
from django.utils import timezone

from config.celery import app
from notifications import services, tasks
from notifications.models import OutboxMessage
from notifications.selectors import health_details
from notifications.tests.conftest import clear_broker, queue_calls, queue_emails

pytestmark = pytest.mark.django_db


def test_it_counts_the_outbox_by_kind_and_status(endpoint, receiver):
    queue_emails("pat@acme.test", "lee@acme.test")
    queue_calls(endpoint)
    first_email = OutboxMessage.objects.filter(kind="email").first()
    services.deliver_message(first_email.pk)
    OutboxMessage.objects.filter(kind="webhook").update(status="failed", failed_at=timezone.now())

    details = health_details()

    assert details["outbox"]["emails"] == {"pending": 1, "due": 1, "failed": 0, "delivered": 1}
    assert details["outbox"]["webhooks"] == {"pending": 0, "due": 0, "failed": 1, "delivered": 0}
    assert details["outbox"]["oldest_pending_seconds"] >= 0
    assert details["webhook_endpoints"] == {"active": 1}


def test_it_is_json_and_says_when_tasks_run_in_process(db):
    details = health_details()

    assert json.loads(json.dumps(details)) == details
    assert details["queue"] == {"broker": "in-process", "length": None, "queues": None}
    assert details["outbox"]["oldest_pending_seconds"] is None


def test_it_reads_the_outbox_in_two_queries(endpoint, django_assert_num_queries):
    for _ in range(3):
        queue_emails("pat@acme.test", "lee@acme.test")
        queue_calls(endpoint)

    with django_assert_num_queries(2):
        health_details()


def test_an_unreachable_broker_reads_as_unavailable(db, settings):
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        details = health_details()
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL

    assert details["queue"] == {"broker": "unavailable", "length": None, "queues": None}


@pytest.mark.redis
def test_it_reads_the_queue_length_from_redis(db):
    redis_url = os.environ["REDIS_URL"]
    clear_broker(redis_url)
    app.conf.task_always_eager = False
    try:
        empty = health_details()["queue"]
        tasks.dispatch_due_messages.delay()
        one = health_details()["queue"]
    finally:
        clear_broker(redis_url)

    nothing = {"emails": 0, "webhooks": 0, "scheduled": 0}
    assert empty == {"broker": "ok", "length": 0, "queues": nothing}
    # The sweep is a scheduled job: it waits in the scheduled queue.
    assert one == {"broker": "ok", "length": 1, "queues": {**nothing, "scheduled": 1}}

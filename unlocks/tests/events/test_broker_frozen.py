"""A change made while Redis is frozen (it accepts connections and never answers) waits
on it once, for one timeout, however many messages it writes; the changes right after it
do not wait at all. Their messages wait for the outbox's sweep."""

import time

import pytest
from rest_framework.test import APIClient

from config.celery import app
from notifications import services as outbox
from notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from notifications.tests.test_broker_outages import own_redis  # noqa: F401 (a fixture)
from unlocks.tests.api.conftest import OPEN_BODY

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def frozen_broker(own_redis, settings):  # noqa: F811 (a fixture)
    """This process's Celery on a Redis of the test's own, frozen; then all put back."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.broker_url = own_redis.url
    app._after_fork()
    own_redis.freeze()
    try:
        yield own_redis
    finally:
        own_redis.resume()
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app.conf.task_always_eager = eager
        app._after_fork()
        outbox.broker_pause.end()


def test_opening_waits_one_timeout_at_most_and_the_next_changes_none(
    api_key, frozen_broker, settings
):
    # Each opening writes an email to each of Acme's two admins and a webhook call.
    WebhookEndpoint.objects.create(name="helpdesk", url="https://helpdesk.example/hooks")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    took = []
    for number in ("INV-2001", "PAY-2001", "PAY-2002"):
        body = {
            **OPEN_BODY,
            "targets": [{"type": "invoice" if "INV" in number else "payment", "number": number}],
        }
        started = time.monotonic()
        response = api.post("/api/v1/unlock-requests/", body, format="json")
        took.append(time.monotonic() - started)
        assert response.status_code == 201, response.json()

    assert took[0] < settings.REDIS_TIMEOUT_SECONDS + 1, took
    assert max(took[1:]) < 1, took
    # Nothing lost: every message waits, pending, for the sweep.
    assert OutboxMessage.objects.count() == 3 * 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.PENDING}

"""A real worker on Redis sends what a change wrote to the outbox, once it committed."""

import pytest

from notifications.models import MessageStatus, OutboxMessage
from notifications.signing import signature_matches
from notifications.tests.conftest import queue_calls, queue_emails, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_sends_the_emails_and_calls_the_webhook_as_written(worker, receiver, endpoint):
    worker.start()

    emails = queue_emails("lee@acme.test", "pat@acme.test")
    [row] = queue_calls(endpoint)

    wait_until(
        lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists(),
        timeout=30,
        what="the worker delivered the two emails and the webhook call",
    )
    sent = worker.emails()
    assert sorted(e["To"] for e in sent) == ["lee@acme.test", "pat@acme.test"]
    assert {e["Subject"] for e in sent} == {m.subject for m in emails}
    assert {e["X-Unlock-Event-Id"] for e in sent} == {str(emails[0].event_id)}
    (call,) = receiver.calls
    assert call.body == row.body.encode()
    assert signature_matches(call.body, endpoint.secret, call.headers["X-Unlock-Signature"])
    assert call.headers["X-Unlock-Event-Id"] == str(row.event_id)
    row.refresh_from_db()
    assert row.attempts == 1 and row.delivered_at is not None

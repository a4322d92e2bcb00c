"""A real worker on Redis sends what opening a request wrote to the outbox: each admin's
approval link and the signed webhook call."""

import pytest

from notifications.models import MessageStatus, OutboxMessage
from notifications.signing import signature_matches
from notifications.tests.conftest import wait_until
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_opening_a_request_mails_the_admins_and_calls_the_webhook(
    worker, receiver, endpoint, tenant, pat, lee
):
    worker.start()

    request = open_for(tenant, f.imported_invoice(tenant))

    wait_until(
        lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists(),
        timeout=30,
        what="the worker delivered the two emails and the webhook call",
    )
    emails = worker.emails()
    assert sorted(e["To"] for e in emails) == ["lee@acme.test", "pat@acme.test"]
    assert all("/approve/" in e.as_string() for e in emails)
    (call,) = receiver.calls
    assert signature_matches(call.body, endpoint.secret, call.headers["X-Unlock-Signature"])
    assert call.json["event"] == "unlock_request.created"
    assert call.json["request"]["id"] == str(request.pk)
    row = OutboxMessage.objects.get(kind="webhook")
    assert call.headers["X-Unlock-Event-Id"] == str(row.event_id)
    assert row.attempts == 1 and row.delivered_at is not None

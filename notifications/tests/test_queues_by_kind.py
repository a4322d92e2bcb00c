"""Emails, webhooks and the scheduled jobs wait in queues of their own: webhook receivers
that hang hold up only the webhooks, never an admin's email."""

import time

import pytest

from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import Worker, queue_calls, queue_emails, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_a_hanging_receiver_does_not_delay_an_email(worker, receiver, endpoint, tmp_path):
    receiver.hold.set()  # every webhook call hangs until the test ends
    worker.env = {**worker.env, "WEBHOOK_TIMEOUT_SECONDS": "30"}
    worker.queues = "webhooks,scheduled"
    emails = Worker(tmp_path, worker.env, queues="emails", beat=False)
    worker.start()
    emails.start()
    try:
        for _ in range(8):
            queue_calls(endpoint)
        assert receiver.wait_for_calls(1, timeout=30), "no webhook call reached the receiver"

        sent_at = time.monotonic()
        [row] = queue_emails("pat@acme.test")
        wait_until(
            lambda: OutboxMessage.objects.filter(
                pk=row.pk, status=MessageStatus.DELIVERED
            ).exists(),
            timeout=30,
            what="the email went",
        )
        assert time.monotonic() - sent_at < 5
        assert [mail["To"] for mail in emails.emails()] == ["pat@acme.test"]
        # The receiver is still holding its first call: the webhooks wait their turn.
        assert (
            OutboxMessage.objects.filter(kind="webhook", status=MessageStatus.DELIVERED).count()
            == 0
        )
    finally:
        receiver.release.set()
        emails.stop()

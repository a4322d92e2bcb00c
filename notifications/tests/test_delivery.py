from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import DeliveryAttempt, MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, queue_emails

pytestmark = pytest.mark.django_db


def _make_due(row):
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


@pytest.fixture
def email_row(db):
    [row] = queue_emails("pat@acme.test")
    return row


@pytest.fixture
def webhook_row(endpoint):
    [row] = queue_calls(endpoint)
    return row


def test_it_sends_an_email_with_text_and_html_and_records_the_delivery(email_row):
    assert services.deliver_message(email_row.pk) == MessageStatus.DELIVERED

    (sent,) = mail.outbox
    assert sent.to == ["pat@acme.test"]
    assert (sent.subject, sent.body) == (email_row.subject, email_row.body)
    assert sent.alternatives[0] == (email_row.html, "text/html")
    assert sent.extra_headers["X-Unlock-Event-Id"] == str(email_row.event_id)
    email_row.refresh_from_db()
    assert email_row.status == MessageStatus.DELIVERED
    assert email_row.attempts == 1 and email_row.delivered_at is not None
    assert email_row.leased_until is None


def test_it_never_sends_a_delivered_message_again(email_row):
    services.deliver_message(email_row.pk)

    assert services.deliver_message(email_row.pk) is None

    assert len(mail.outbox) == 1
    assert DeliveryAttempt.objects.filter(message=email_row).count() == 1


def test_it_skips_a_message_another_worker_holds(email_row):
    OutboxMessage.objects.filter(pk=email_row.pk).update(
        leased_until=timezone.now() + timedelta(minutes=1)
    )

    assert services.deliver_message(email_row.pk) is None

    assert mail.outbox == []


def test_it_takes_over_a_message_whose_worker_died(email_row):
    OutboxMessage.objects.filter(pk=email_row.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1), attempts=1
    )

    assert services.deliver_message(email_row.pk) == MessageStatus.DELIVERED

    email_row.refresh_from_db()
    assert email_row.attempts == 2
    assert len(mail.outbox) == 1


def test_a_failed_call_is_recorded_and_retried_later(webhook_row, receiver):
    receiver.statuses = [500]

    assert services.deliver_message(webhook_row.pk) == MessageStatus.PENDING

    webhook_row.refresh_from_db()
    assert webhook_row.attempts == 1
    assert webhook_row.last_error.startswith("The endpoint answered 500")
    assert webhook_row.next_attempt_at > timezone.now()
    (attempt,) = webhook_row.tries.all()
    assert (attempt.ok, attempt.status_code) == (False, 500)


def test_a_message_that_is_not_due_yet_is_not_sent(webhook_row, receiver):
    receiver.statuses = [500]
    services.deliver_message(webhook_row.pk)

    assert services.deliver_message(webhook_row.pk) is None

    assert len(receiver.calls) == 1


def test_it_succeeds_after_failures_and_then_stops(webhook_row, receiver):
    receiver.statuses = [500, 503, 500]

    for _ in range(4):
        services.deliver_message(webhook_row.pk)
        _make_due(webhook_row)
    services.deliver_message(webhook_row.pk)

    webhook_row.refresh_from_db()
    assert webhook_row.status == MessageStatus.DELIVERED
    assert webhook_row.attempts == 4 and webhook_row.last_error == ""
    assert len(receiver.calls) == 4


def test_it_marks_the_message_failed_when_the_retry_window_closes(webhook_row, receiver):
    receiver.statuses = [500]
    OutboxMessage.objects.filter(pk=webhook_row.pk).update(retry_until=timezone.now())

    assert services.deliver_message(webhook_row.pk) == MessageStatus.FAILED

    webhook_row.refresh_from_db()
    assert webhook_row.status == MessageStatus.FAILED
    assert webhook_row.failed_at is not None
    assert "500" in webhook_row.last_error


def test_an_unreachable_receiver_is_a_failed_try_not_a_crash(webhook_row, endpoint):
    endpoint.url = "http://127.0.0.1:9/nothing-listens-here"
    endpoint.save()

    assert services.deliver_message(webhook_row.pk) == MessageStatus.PENDING

    webhook_row.refresh_from_db()
    assert "ConnectionError" in webhook_row.last_error


def test_a_redirect_is_not_a_delivery(webhook_row, receiver):
    receiver.statuses = [302]

    assert services.deliver_message(webhook_row.pk) == MessageStatus.PENDING


def test_an_inactive_endpoint_is_not_called(webhook_row, endpoint, receiver):
    endpoint.active = False
    endpoint.save()

    assert services.deliver_message(webhook_row.pk) == MessageStatus.PENDING

    assert receiver.calls == []
    webhook_row.refresh_from_db()
    assert "inactive" in webhook_row.last_error


def test_retrying_a_failed_message_sends_it_again(webhook_row, receiver):
    receiver.statuses = [500]
    OutboxMessage.objects.filter(pk=webhook_row.pk).update(retry_until=timezone.now())
    services.deliver_message(webhook_row.pk)

    assert services.retry_messages(ids=[webhook_row.pk]) == 1
    assert services.deliver_message(webhook_row.pk) == MessageStatus.DELIVERED

    assert len(receiver.calls) == 2


def test_retrying_never_resends_a_delivered_message(email_row):
    services.deliver_message(email_row.pk)

    assert services.retry_messages(ids=[email_row.pk]) == 0

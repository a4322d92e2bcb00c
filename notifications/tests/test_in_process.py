"""Without Redis (`make run`), tasks run in the web process once the change commits."""

import pytest
from django.core import mail

from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_calls, queue_emails

pytestmark = pytest.mark.django_db


def test_the_email_is_sent_after_commit_in_the_same_process(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_emails("pat@acme.test")

        assert mail.outbox == []

    assert [m.to for m in mail.outbox] == [["pat@acme.test"]]
    assert OutboxMessage.objects.get().status == MessageStatus.DELIVERED


def test_a_failed_call_waits_for_the_sweep_instead_of_retrying_at_once(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 500]

    with django_capture_on_commit_callbacks(execute=True):
        queue_calls(endpoint)

    assert len(receiver.calls) == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 1)


def test_in_process_mode_touches_no_broker(django_capture_on_commit_callbacks, monkeypatch, caplog):
    from celery import current_app

    def no_broker(*args, **kwargs):
        raise AssertionError("in-process mode published to a broker")

    monkeypatch.setattr(current_app, "send_task", no_broker)
    with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
        queue_emails("pat@acme.test")

    assert [m.to for m in mail.outbox] == [["pat@acme.test"]]
    assert [r for r in caplog.records if r.name.startswith("kombu")] == []

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import services, tasks
from notifications.models import MessageStatus, OutboxMessage
from notifications.tests.conftest import queue_emails

pytestmark = pytest.mark.django_db


def test_the_sweep_sends_what_was_never_enqueued(db):
    # Outside a captured on-commit, nothing was enqueued: as if the broker had been down.
    queue_emails("lee@acme.test", "pat@acme.test")

    assert tasks.dispatch_due_messages() == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["lee@acme.test", "pat@acme.test"]
    assert not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists()


def test_the_sweep_leaves_held_and_later_messages_alone(db):
    queue_emails("lee@acme.test", "pat@acme.test")
    held, later = OutboxMessage.objects.order_by("pk")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=held.pk).update(leased_until=now + timedelta(minutes=1))
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(minutes=1))

    assert services.due_messages() == []


def test_a_broker_that_is_down_does_not_fail_the_change(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(services, "hand_over", broker_down)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [row] = queue_emails("pat@acme.test")

    assert len(callbacks) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 0)
    assert mail.outbox == []
    # Back up: the sweep finds it.
    monkeypatch.undo()
    assert tasks.dispatch_due_messages() == 1
    assert [m.to for m in mail.outbox] == [["pat@acme.test"]]


def test_the_deliver_outbox_command_drains_the_outbox(db):
    queue_emails("pat@acme.test")
    out = io.StringIO()

    call_command("deliver_outbox", stdout=out)

    assert "1 due, 1 delivered" in out.getvalue()
    assert len(mail.outbox) == 1

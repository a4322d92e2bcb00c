import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import services, tasks
from notifications.models import MessageStatus, OutboxMessage
from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

pytestmark = pytest.mark.django_db


def test_the_sweep_sends_what_was_never_enqueued(tenant, pat, lee):
    # Outside a captured on-commit, nothing was enqueued: as if the broker had been down.
    open_for(tenant, f.imported_invoice(tenant))

    assert tasks.dispatch_due_messages() == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["lee@acme.test", "pat@acme.test"]
    assert not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists()


def test_the_sweep_leaves_held_and_later_messages_alone(tenant, pat, lee):
    open_for(tenant, f.imported_invoice(tenant))
    held, later = OutboxMessage.objects.order_by("pk")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=held.pk).update(leased_until=now + timedelta(minutes=1))
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(minutes=1))

    assert services.due_message_ids() == []


def test_a_broker_that_is_down_does_not_fail_the_change(
    tenant, pat, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        request = open_for(tenant, f.imported_invoice(tenant))

    assert UnlockRequest.objects.filter(pk=request.pk).exists()
    assert OutboxMessage.objects.get().status == MessageStatus.PENDING
    assert mail.outbox == []


def test_the_deliver_outbox_command_drains_the_outbox(tenant, pat):
    open_for(tenant, f.imported_invoice(tenant))
    out = io.StringIO()

    call_command("deliver_outbox", stdout=out)

    assert "1 due, 1 delivered" in out.getvalue()
    assert len(mail.outbox) == 1

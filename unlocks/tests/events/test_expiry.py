import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from notifications.models import OutboxMessage
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tasks import expire_pending_requests
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

pytestmark = pytest.mark.django_db


def test_the_beat_task_expires_requests_past_their_time_as_the_system(tenant, pat, endpoint):
    due = open_for(tenant, f.imported_invoice(tenant))
    fresh = open_for(tenant, f.imported_invoice(tenant))
    UnlockRequest.objects.filter(pk=due.pk).update(expires_at=timezone.now() - timedelta(1))

    assert expire_pending_requests() == 1

    due.refresh_from_db()
    fresh.refresh_from_db()
    assert (due.status, fresh.status) == (RequestStatus.EXPIRED, RequestStatus.PENDING)
    entry = AuditEntry.objects.get(request_id=due.pk, action="request_expired")
    assert entry.actor_kind == "system"


def test_an_expired_request_calls_the_webhook_and_mails_nobody(tenant, pat, endpoint):
    request = open_for(tenant, f.imported_invoice(tenant))
    UnlockRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())

    expire_pending_requests()

    (row,) = OutboxMessage.objects.filter(reference=request.pk, event="expired")
    assert row.kind == "webhook"
    assert '"status":"expired"' in row.body


def test_it_expires_more_than_one_batch_in_a_run(tenant, pat, monkeypatch):
    monkeypatch.setattr("unlocks.tasks.BATCH", 2)
    for _ in range(5):
        open_for(tenant, f.imported_invoice(tenant))
    UnlockRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert expire_pending_requests() == 5

    assert not UnlockRequest.objects.filter(status=RequestStatus.PENDING).exists()


def test_the_expiry_runs_on_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["expire-pending-requests"]["task"] == "unlocks.tasks.expire_pending_requests"
    assert schedule["dispatch-due-messages"]["task"] == "notifications.tasks.dispatch_due_messages"


def test_the_expire_requests_command_does_the_same_by_hand(tenant, pat):
    request = open_for(tenant, f.imported_invoice(tenant))
    UnlockRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    out = io.StringIO()

    call_command("expire_requests", stdout=out)

    assert out.getvalue().strip() == "1 request(s) expired."
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED

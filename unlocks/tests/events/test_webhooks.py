"""Which endpoints hear an unlock request's events, and the body they are sent: the
request as the API shows it, written at the change and kept on the row."""

import json

import pytest

from accounts.tests.factories import TenantFactory
from core.refusals import Refusal
from notifications import services as outbox
from notifications.models import MessageKind, OutboxMessage, WebhookEndpoint
from unlocks import selectors
from unlocks.api.serializers import UnlockRequestOut
from unlocks.tests import factories as f
from unlocks.tests.api.conftest import NOT_SET_UP
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def test_webhook_rows_go_to_active_endpoints_that_want_the_event(tenant, pat):
    wanted = WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    WebhookEndpoint.objects.create(name="off", url="https://b.example/h", active=False)
    WebhookEndpoint.objects.create(name="done", url="https://c.example/h", events=["completed"])

    request = open_for(tenant, f.imported_invoice(tenant))

    calls = OutboxMessage.objects.filter(reference=request.pk, kind=MessageKind.WEBHOOK)
    assert [c.endpoint for c in calls] == [wanted]
    [email] = OutboxMessage.objects.filter(reference=request.pk, kind=MessageKind.EMAIL)
    assert calls[0].event_id == email.event_id


def test_an_endpoint_for_one_tenant_gets_only_that_tenants_events(tenant, pat):
    other = TenantFactory()
    WebhookEndpoint.objects.create(name="other", url="https://o.example/h", tenant=other)
    mine = WebhookEndpoint.objects.create(name="mine", url="https://m.example/h", tenant=tenant)

    open_for(tenant, f.imported_invoice(tenant))

    assert [m.endpoint for m in OutboxMessage.objects.filter(kind="webhook")] == [mine]


def test_the_webhook_body_is_the_request_in_the_api_shape(tenant, pat):
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=41000)

    request = open_for(tenant, batch)

    body = json.loads(OutboxMessage.objects.get(kind="webhook").body)
    assert body["event"] == "unlock_request.created"
    assert body["request"]["id"] == str(request.pk)
    assert body["request"]["tenant"] == "acme"
    assert body["request"]["status"] == "pending"
    assert body["request"]["targets"] == [
        {
            "type": "batch",
            "number": batch.number,
            "state": "bypassed",
            "warnings": ["duplicate_risk"],
            "customer": None,
            "amount": None,
            "currency": "USD",
            "date": None,
            "transaction_count": 2,
            "total": "820.00",
            # What the books held when it was opened.
            "quickbooks": NOT_SET_UP,
        }
    ]
    assert (body["request"]["total"], body["request"]["currency"]) == ("820.00", "USD")
    assert body["request"]["caller"] == {
        "name": "Dana Ruiz",
        "email": "dana@acme.test",
        "is_tenant_admin": False,
    }
    assert body["request"]["approval_url"].startswith("http")
    assert body["request"]["created_at"].endswith("Z")
    assert body["request"]["approved_by"] is None


def test_the_body_is_the_apis_serializer_as_compact_sorted_json(tenant, pat):
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    request = open_for(tenant, f.bypassed_batch(tenant, invoices=2))
    verify(request, pat)

    row = OutboxMessage.objects.get(kind="webhook", event="completed")

    shown = UnlockRequestOut(selectors.get_request(request.pk)).data
    expected = {"event": "unlock_request.completed", "request": shown}
    assert row.body == json.dumps(expected, separators=(",", ":"), sort_keys=True)
    assert json.loads(row.body)["request"]["approved_by"] == "pat@acme.test"


def test_a_pin_lock_out_is_not_a_webhook_event(tenant, pat, settings):
    settings.PIN_MAX_FAILURES = 1
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    request = open_for(tenant, f.imported_invoice(tenant))

    with pytest.raises(Refusal):
        verify(request, pat, pin="000000")

    assert not OutboxMessage.objects.filter(kind="webhook", event="pin_locked").exists()
    assert OutboxMessage.objects.filter(kind="email", event="pin_locked").exists()


def test_a_retry_sends_the_body_written_at_the_change(tenant, pat, endpoint, receiver):
    receiver.statuses = [500]
    request = open_for(tenant, f.imported_invoice(tenant))
    row = OutboxMessage.objects.get(kind="webhook")
    outbox.deliver_message(row.pk)
    # The request reads differently now; the retry still sends what the event said.
    tenant.slug = "acme-renamed"
    tenant.save()
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)

    outbox.deliver_message(row.pk)

    first, second = receiver.calls
    assert first.body == second.body == row.body.encode()
    assert first.headers["X-Unlock-Event-Id"] == second.headers["X-Unlock-Event-Id"]
    assert first.headers["X-Unlock-Signature"] == second.headers["X-Unlock-Signature"]
    assert second.json["request"]["id"] == str(request.pk)
    assert second.json["request"]["tenant"] == "acme"
